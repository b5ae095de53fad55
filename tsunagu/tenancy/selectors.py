"""Reads of municipalities and memberships."""

from django.db.models import QuerySet
from django_scopes import scopes_disabled

from tsunagu.accounts.models import User
from tsunagu.tenancy.models import Membership, Municipality, Organization


def membership_list_for_user(*, user: User) -> list[Membership]:
    """Every active membership of a user, across municipalities, for the switcher.

    This is the one reviewed place that reads memberships outside a municipality's scope:
    a user may only ever see their own.
    """
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user, is_active=True)
            .select_related("municipality", "organization")
            .order_by("municipality__code")
        )


def membership_for(*, user: User, code: str) -> Membership | None:
    """The user's active membership in the municipality with this code, in one query."""
    if not user.is_authenticated:
        return None
    with scopes_disabled():
        return (
            Membership.objects.filter(user=user, municipality__code=code, is_active=True)
            .select_related("municipality", "organization", "user")
            .first()
        )


def organization_list(*, municipality: Municipality) -> QuerySet[Organization]:
    return Organization.objects.filter(municipality=municipality).order_by("kind", "name")


def membership_list(*, municipality: Municipality) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(municipality=municipality)
        .select_related("user", "organization")
        .order_by("user__username")
    )

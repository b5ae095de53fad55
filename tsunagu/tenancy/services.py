"""Writes of the tenancy: organizations and memberships, by a municipality's admin."""

import logging

from allauth.mfa.models import Authenticator
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_scopes import scopes_disabled

from tsunagu.accounts.models import User
from tsunagu.tenancy.models import Membership, Municipality, Organization


@transaction.atomic
def organization_save(
    *,
    municipality: Municipality,
    name: str,
    kind: str,
    is_contractor: bool,
    organization: Organization | None = None,
) -> Organization:
    if organization is None:
        organization = Organization(municipality=municipality)
    elif organization.municipality_id != municipality.pk:
        raise ValueError("organization of another municipality")
    organization.name = name
    organization.kind = kind
    organization.is_contractor = is_contractor
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def membership_create(
    *,
    municipality: Municipality,
    username: str,
    display_name: str,
    password: str | None,
    role: str,
    organization: Organization | None,
) -> Membership:
    """Add a member; a new username also creates the account with the given password.

    An existing account keeps its password: an admin of one municipality must never be able
    to take over an account that another municipality also uses.
    """
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, display_name=display_name)
        if password:
            validate_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean()
        user.save()
    membership = Membership(
        municipality=municipality, user=user, role=role, organization=organization
    )
    membership.full_clean()
    membership.save()
    return membership


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    role: str,
    organization: Organization | None,
    is_active: bool,
) -> Membership:
    membership.role = role
    membership.organization = organization
    membership.is_active = is_active
    membership.full_clean()
    membership.save(update_fields=["role", "organization", "is_active"])
    return membership


@transaction.atomic
def membership_mfa_reset(*, actor: Membership, membership: Membership) -> int:
    """Delete a member's authenticators (app, passkeys, recovery codes), e.g. a lost phone.

    The member must enrol again at their next request; the admin's own municipality only.
    """
    if membership.municipality_id != actor.municipality_id:
        raise ValueError("membership of another municipality")
    with scopes_disabled():
        shared = (
            Membership.objects.filter(user_id=membership.user_id, is_active=True)
            .exclude(municipality_id=actor.municipality_id)
            .exists()
        )
    if shared:
        # The account's second factor protects another municipality's data too: one
        # municipality's admin must not be able to strip it (they can add any username).
        raise PermissionDenied("account shared with another municipality")
    count, _ = Authenticator.objects.filter(user_id=membership.user_id).delete()
    logging.getLogger("tsunagu.security").warning(
        "mfa reset: user_id=%s by user_id=%s (municipality %s), %s authenticator(s) deleted",
        membership.user_id,
        actor.user_id,
        actor.municipality_id,
        count,
    )
    return count

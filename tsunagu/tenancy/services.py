"""Writes of the tenancy: organizations and memberships, by a municipality's admin."""

import logging

from allauth.account.forms import default_token_generator as password_reset_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from tsunagu.accounts.models import User
from tsunagu.tenancy.models import Membership, Municipality, Organization
from tsunagu.tenancy.signals import credentials_reset


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


# One answer for every username the admin may not take, so the screen tells nothing about
# accounts outside the municipality (whether they exist, or where they work).
USERNAME_TAKEN = _("This username is not available. Choose another one.")


@transaction.atomic
def membership_create(
    *,
    municipality: Municipality,
    username: str,
    display_name: str,
    password: str,
    role: str,
    organization: Organization | None,
) -> Membership:
    """Add a member with a new account of that username and the given initial password.

    An account that exists already is never attached: an admin of one municipality must not
    reach (or learn about) an account another municipality uses, e.g. to block its second-factor
    reset. An account for several municipalities is set up by the operator.
    """
    with scopes_disabled():
        existing = User.objects.filter(username__iexact=username).first()
        if existing is not None:
            here = Membership.objects.filter(user=existing, municipality=municipality).exists()
            if here:
                raise ValidationError(
                    {"username": _("This account is already a member of the municipality.")},
                    code="member",
                )
            raise ValidationError({"username": USERNAME_TAKEN}, code="taken")
    if organization is not None and organization.municipality_id != municipality.pk:
        raise ValueError("organization of another municipality")
    user = User(username=username, display_name=display_name)
    validate_password(password, user)
    user.set_password(password)
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
    actor: Membership,
    membership: Membership,
    role: str,
    organization: Organization | None,
    is_active: bool,
) -> Membership:
    """Change a member's role, organization or activity, in the actor's municipality.

    Nobody changes their own role or disables themselves: a municipality would otherwise lose
    its last admin by a slip, and an admin could not quietly raise their own rights.
    """
    if membership.municipality_id != actor.municipality_id:
        raise ValueError("membership of another municipality")
    if membership.pk == actor.pk and (role != membership.role or not is_active):
        raise ValidationError(
            _("You cannot change your own role or disable yourself."), code="own_role"
        )
    if organization is not None and organization.municipality_id != membership.municipality_id:
        raise ValueError("organization of another municipality")
    membership.role = role
    membership.organization = organization
    membership.is_active = is_active
    membership.full_clean()
    membership.save(update_fields=["role", "organization", "is_active"])
    return membership


def _own_account(*, actor: Membership, membership: Membership) -> None:
    """Refuse to reset the credentials of an account another municipality also uses."""
    if membership.municipality_id != actor.municipality_id:
        raise ValueError("membership of another municipality")
    with scopes_disabled():
        shared = (
            Membership.objects.filter(user_id=membership.user_id, is_active=True)
            .exclude(municipality_id=actor.municipality_id)
            .exists()
        )
    if shared:
        # The account's credentials protect another municipality's data too: one
        # municipality's admin must not be able to take them over (they can add any username).
        raise PermissionDenied("account shared with another municipality")


@transaction.atomic
def membership_password_reset(*, actor: Membership, membership: Membership) -> str:
    """End the member's password and return the path of a one-time link to set a new one.

    The old password stops working at once (and with it every session of the account); the
    link works once (its token covers the password it replaces) and for
    PASSWORD_RESET_TIMEOUT seconds. The admin hands it over; it is never stored.
    """
    _own_account(actor=actor, membership=membership)
    user = membership.user
    user.set_unusable_password()
    user.save(update_fields=["password"])
    key = password_reset_token_generator.make_token(user)
    credentials_reset.send(Membership, actor=actor, membership=membership, what="password")
    logging.getLogger("tsunagu.security").warning(
        "password reset: user_id=%s by user_id=%s (municipality %s)",
        membership.user_id,
        actor.user_id,
        actor.municipality_id,
    )
    return reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )


@transaction.atomic
def membership_mfa_reset(*, actor: Membership, membership: Membership) -> int:
    """Delete a member's authenticators (app, passkeys, recovery codes), e.g. a lost phone.

    The member must enrol again at their next request; the admin's own municipality only.
    """
    _own_account(actor=actor, membership=membership)
    count: int
    count, _ = Authenticator.objects.filter(user_id=membership.user_id).delete()
    credentials_reset.send(Membership, actor=actor, membership=membership, what="mfa")
    logging.getLogger("tsunagu.security").warning(
        "mfa reset: user_id=%s by user_id=%s (municipality %s), %s authenticator(s) deleted",
        membership.user_id,
        actor.user_id,
        actor.municipality_id,
        count,
    )
    return count

"""Writes of accounts: API tokens, lockout release."""

import hashlib
import logging
import secrets
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from tsunagu.accounts.lockout import Lockout
from tsunagu.accounts.mfa import second_factor_shown
from tsunagu.accounts.models import ApiToken
from tsunagu.tenancy.models import Membership

TOKEN_PREFIX = "tsn_"
logger = logging.getLogger("tsunagu.security")


def token_digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; no salt is needed.
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, membership: Membership, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for a membership; return it with the clear token, shown only once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    lifetime = timedelta(days=days if days is not None else settings.TSUNAGU_TOKEN_DAYS)
    with scopes_disabled():
        api_token = ApiToken.objects.create(
            municipality_id=membership.municipality_id,
            membership=membership,
            prefix=token[: len(TOKEN_PREFIX) + 6],
            digest=token_digest(token),
            expires_at=timezone.now() + lifetime,
        )
    return api_token, token


def api_tokens_revoke(*, membership: Membership) -> int:
    """Revoke every token of the membership that is not revoked yet; return how many.

    A revoked token is refused (401) from its next request on: `is_usable` checks `revoked_at`.
    """
    with scopes_disabled():
        count = ApiToken.objects.filter(membership=membership, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    logger.warning("tokens revoked: membership_id=%s count=%s", membership.pk, count)
    return count


def api_token_authenticate(*, token: str) -> Membership | None:
    """The membership a usable token stands for, or None. Reads across municipalities once."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    with scopes_disabled():
        api_token = (
            ApiToken.objects.select_related("membership__municipality", "membership__user")
            .filter(digest=token_digest(token))
            .first()
        )
        if api_token is None or not api_token.is_usable():
            return None
        membership = api_token.membership
        if not membership.is_active or not membership.user.is_active:
            return None
        now = timezone.now()
        # Writing on every call would serialize readers on SQLite; once a minute is enough.
        if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    return membership


def api_token_create_for_session(
    *, request: HttpRequest, membership: Membership, days: int | None = None
) -> tuple[ApiToken, str]:
    """A token made from a web session: only by its own user, after a second factor.

    A token is a way in without a second factor, so a session that never showed one (a stolen
    password, demo mode) must not be able to mint one. The CLI calls api_token_create.
    """
    if membership.user_id != request.user.pk:
        logger.warning(
            "token refused: user_id=%s asked for membership_id=%s", request.user.pk, membership.pk
        )
        raise PermissionDenied(_("You can create API tokens only for yourself."))
    if not second_factor_shown(request):
        logger.warning("token refused: user_id=%s without a second factor", request.user.pk)
        raise PermissionDenied(
            _("Confirm your second factor (authenticator app or passkey) before creating a token.")
        )
    api_token, token = api_token_create(membership=membership, days=days)
    logger.info("token created: user_id=%s token_id=%s", request.user.pk, api_token.pk)
    return api_token, token


@transaction.atomic
def lockout_release(*, actor: Membership, lockout: Lockout) -> int:
    """Unlock one username+address pair; the caller checked it is a member's (see access)."""
    count: int
    count, _ = AccessAttempt.objects.filter(
        username=lockout.username, ip_address=lockout.ip_address
    ).delete()
    logger.warning(
        "lockout released: username=%r by user_id=%s (municipality %s)",
        lockout.username,
        actor.user_id,
        actor.municipality_id,
    )
    return count

"""Writes of accounts: API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from tsunagu.accounts.models import ApiToken
from tsunagu.tenancy.models import Membership

TOKEN_PREFIX = "tsn_"


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

"""Who must show a second factor, and whether this session has shown one."""

import time

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from tsunagu.accounts.models import User

# Types that are a second factor on their own; recovery codes only stand in for one.
FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# Set when this session enrolled an authenticator: enrolling proved possession of it.
ENROLLED_SESSION_KEY = "tsunagu.mfa_enrolled_at"


def has_authenticator(user: User) -> bool:
    return bool(Authenticator.objects.filter(user_id=user.pk, type__in=FACTOR_TYPES).exists())


def session_passed_mfa(request: HttpRequest) -> bool:
    """True when this session showed a second factor (login, re-check or enrolment)."""
    if request.session.get(ENROLLED_SESSION_KEY):
        return True
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def mark_enrolled(request: HttpRequest) -> None:
    mark_enrolled_session(request.session)


def mark_enrolled_session(session: SessionBase) -> None:
    session[ENROLLED_SESSION_KEY] = time.time()


def demo_mode_enabled() -> bool:
    # Production settings refuse the flag at start-up; this also ignores it if set later.
    return bool(settings.TSUNAGU_DEMO_MODE) and not settings.TSUNAGU_PRODUCTION


def is_mfa_exempt(user: User) -> bool:
    """Only the demo accounts, and only while the local demo server runs in demo mode.

    A demo account is one the demo loader flagged (`User.is_demo`), not a name pattern, so
    this module (production log-in code) knows nothing of the demo's data.
    """
    return demo_mode_enabled() and user.is_demo


def second_factor_shown(request: HttpRequest) -> bool:
    """Did this session really show a second factor? Demo mode does not count here."""
    user = request.user
    if not user.is_authenticated:
        return False
    assert isinstance(user, User)
    return has_authenticator(user) and session_passed_mfa(request)


def enable_demo_mode() -> None:
    """Exempt the demo accounts for this process: `tsunagu demo`'s local server, never more."""
    if settings.TSUNAGU_PRODUCTION:
        raise ImproperlyConfigured(
            "本番設定ではデモモードを使えません / demo mode is refused under production settings."
        )
    settings.TSUNAGU_DEMO_MODE = True
    # Passkeys on http://127.0.0.1 need this; HTTPS deployments never do.
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True

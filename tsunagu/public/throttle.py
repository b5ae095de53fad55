"""Abuse controls of the public forms, with no third-party service: a rate limit per address
and per form session (Django's shared cache), a signed form token that also gives a minimum
fill time, and a count of refusals. Nothing personal is logged: reasons and codes only."""

import logging
import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from tsunagu.accounts.lockout import client_ip

logger = logging.getLogger("tsunagu.security")
_SALT = "tsunagu.public.form"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def per_address() -> int:
    return _setting("TSUNAGU_PUBLIC_FORMS_PER_HOUR", 10)


def per_session() -> int:
    return _setting("TSUNAGU_PUBLIC_FORMS_PER_SESSION", 3)


def min_seconds() -> int:
    return _setting("TSUNAGU_PUBLIC_FORM_MIN_SECONDS", 3)


def form_token() -> str:
    """A signed token for one form session: a random key and the time the form was shown."""
    return signing.dumps({"k": secrets.token_hex(8), "t": time.time()}, salt=_SALT)


def read_token(value: str) -> dict[str, object] | None:
    try:
        data = signing.loads(value, salt=_SALT, max_age=24 * 3600)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) else None


def _hit(key: str, window: int) -> int:
    """Count one use of `key` in the current window and return the count so far."""
    cache.add(key, 0, window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def over_limit(request: HttpRequest, form: str, session_key: str) -> bool:
    """Count this submission; True when its address or form session sent too many."""
    address = client_ip(request) or "unknown"
    by_address = _hit(f"public:{form}:ip:{address}", 3600)
    by_session = _hit(f"public:{form}:session:{session_key}", 3600) if session_key else 0
    return by_address > per_address() or by_session > per_session()


def refused(code: str, form: str, reason: str) -> None:
    """Count a refused submission (shown to staff) and log its reason, nothing else."""
    day = timezone.localdate().isoformat()
    _hit(f"public:refused:{code}:{day}", 2 * 24 * 3600)
    logger.info("public form refused: form=%s municipality=%s reason=%s", form, code, reason)


def refused_today(code: str) -> int:
    return int(cache.get(f"public:refused:{code}:{timezone.localdate().isoformat()}") or 0)

"""Lockout after repeated failed log-ins (django-axes): the address, the page, the list."""

import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tsunagu.tenancy.models import Municipality
from tsunagu.tenancy.selectors import membership_list

logger = logging.getLogger("tsunagu.security")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: behind N trusted proxies, the N-th from the right they appended.

    Anything further left in X-Forwarded-For was written by the client and could be forged.
    """
    count = settings.TSUNAGU_TRUSTED_PROXY_COUNT
    header = request.headers.get("x-forwarded-for", "")
    forwarded = [p.strip() for p in header.split(",")]
    if count > 0 and len(forwarded) >= count and forwarded[-count]:
        return forwarded[-count]
    if count > 0:
        _warn_proxy_missing(count, bool(header))
    return request.META.get("REMOTE_ADDR")


_proxy_warned = False


def _warn_proxy_missing(count: int, had_header: bool) -> None:
    """Say once per process that a request came past the trusted proxies (no address logged).

    With TSUNAGU_TRUSTED_PROXY_COUNT above 0, every request should carry the proxies' header;
    one without it reached Tsunagu directly (or the count is wrong), and the lockout and the
    access log then see the proxy's address, or a forged one, instead of the client's.
    """
    global _proxy_warned
    if _proxy_warned:
        return
    _proxy_warned = True
    logger.warning(
        "TSUNAGU_TRUSTED_PROXY_COUNT is %d but a request arrived %s X-Forwarded-For: is the "
        "server reachable without the proxy, or is the count wrong?",
        count,
        "with too short an" if had_header else "without",
    )


def normalize_username(username: str | None) -> str:
    """The username a lockout is keyed on: NFKC (full-width letters, spaces, hyphens become
    ordinary ones), trimmed, case-folded; so no spelling of a locked username escapes the lock."""
    return unicodedata.normalize("NFKC", username or "").strip().casefold()


def lockout_username(request: HttpRequest, credentials: dict[str, object] | None = None) -> str:
    """django-axes' AXES_USERNAME_CALLABLE: the normalized username of a log-in attempt.

    Every failure, every lockout check and the reset after a successful log-in go through it:
    keyed on the username as typed, "TOYOAKE-LEAD" logged in during a lockout of
    "toyoake-lead" (allauth matches usernames case-insensitively) and cleared it.
    """
    if credentials is not None and credentials.get(settings.AXES_USERNAME_FORM_FIELD):
        typed = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        typed = getattr(request, "POST", {}).get(settings.AXES_USERNAME_FORM_FIELD)
    return normalize_username(str(typed) if typed is not None else "")


def client_str(
    username: str | None,
    ip_address: str | None,
    user_agent: str | None,
    path_info: str | tuple[str, ...] | None,
    request: HttpRequest | None,
) -> str:
    # What axes writes to the log: the username only; addresses and browsers stay out of logs.
    path = path_info[0] if isinstance(path_info, list | tuple) else path_info
    return f"username={username!r} path={path!r}"


def cool_off() -> timedelta:
    return settings.AXES_COOLOFF_TIME


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, object] | None = None,
) -> HttpResponse:
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    logger.warning("login locked out: username=%r", username)
    return render(
        request,
        "accounts/lockout.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": int(cool_off().total_seconds() // 60),
        },
        status=429,
    )


@dataclass(frozen=True)
class Lockout:
    username: str
    ip_address: str | None
    failures: int
    last_attempt: datetime
    until: datetime


def _locked_rows(usernames: list[str]) -> list[Lockout]:
    since = timezone.now() - cool_off()
    rows = (
        AccessAttempt.objects.filter(username__in=usernames, attempt_time__gte=since)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    return [
        Lockout(
            username=row["username"],
            ip_address=row["ip_address"],
            failures=row["failures"],
            last_attempt=row["last"],
            until=row["last"] + cool_off(),
        )
        for row in rows
    ]


def member_usernames(*, municipality: Municipality) -> list[str]:
    """The members' usernames as lockouts are keyed (normalized)."""
    usernames = membership_list(municipality=municipality).values_list("user__username", flat=True)
    return [normalize_username(u) for u in usernames]


def lockout_list(*, municipality: Municipality) -> list[Lockout]:
    """Current lockouts of this municipality's members; nobody else's is ever listed."""
    return _locked_rows(member_usernames(municipality=municipality))


def lockout_get(*, municipality: Municipality, username: str, ip_address: str) -> Lockout | None:
    username = normalize_username(username)
    if username not in member_usernames(municipality=municipality):
        return None
    for lockout in _locked_rows([username]):
        if (lockout.ip_address or "") == ip_address:
            return lockout
    return None

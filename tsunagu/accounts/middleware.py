"""No staff page before a second factor: enrol one, then show it in every session."""

import logging
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from tsunagu.accounts.mfa import has_authenticator, is_mfa_exempt, session_passed_mfa
from tsunagu.accounts.models import User

logger = logging.getLogger("tsunagu.security")

# Reachable by anyone logged in: logging in and out, switching language, static files and the
# API (bearer tokens only, never the session).
ALWAYS_OPEN = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/inactive/",
    "/i18n/",
    "/static/",
    "/api/",
    "/favicon.ico",
)
# Reachable before enrolling: the pages that enrol (authenticator app, passkey, codes).
ENROLMENT_PAGES = ("/accounts/2fa/", "/accounts/reauthenticate/")
# Reachable with an authenticator but no second factor in this session: the check itself.
CHECK_PAGES = ("/accounts/2fa/reauthenticate/", "/accounts/2fa/webauthn/reauthenticate/")


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        # A redirect inside an htmx swap would paste the whole page into a fragment.
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class MfaRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        path = request.path_info
        if not user.is_authenticated or path.startswith(ALWAYS_OPEN):
            return self.get_response(request)
        assert isinstance(user, User)
        if is_mfa_exempt(user):
            return self.get_response(request)
        if not has_authenticator(user):
            if path.startswith(ENROLMENT_PAGES):
                return self.get_response(request)
            logger.info("mfa: user_id=%s sent to enrolment from %s", user.pk, path)
            messages.warning(
                request,
                _(
                    "Before you use Tsunagu, protect your account with a second factor: an"
                    " authenticator app or a passkey."
                ),
            )
            return _redirect(request, reverse("mfa_index"))
        if session_passed_mfa(request) or path.startswith(CHECK_PAGES):
            return self.get_response(request)
        logger.info("mfa: user_id=%s asked for a second factor at %s", user.pk, path)
        url = reverse("mfa_reauthenticate") + "?" + urlencode({"next": request.get_full_path()})
        return _redirect(request, url)

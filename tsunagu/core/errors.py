"""Error pages: a database that is away answers 503 (try again shortly), not a bare 500."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext_lazy
from django.views.defaults import server_error

RETRY_AFTER_SECONDS = 30
UNAVAILABLE = gettext_lazy(
    "The database is not answering for the moment; nothing was saved. Try again in a minute."
)


def _database_away(exc: BaseException | None) -> bool:
    # OperationalError covers a refused or dropped connection, a restarting server, and a
    # SQLite database that is locked or on a full disk; nothing was written in any of them.
    return isinstance(exc, OperationalError | InterfaceError)


def handler500(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler, which runs inside the failed request's `except` block."""
    if not _database_away(sys.exc_info()[1]):
        return server_error(request)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": str(UNAVAILABLE), "errors": []}, status=503)
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response

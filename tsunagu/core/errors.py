"""Error pages: a database that is away answers 503 (try again shortly), not a bare 500; so does
a read whose access-log entry could not be written."""

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


ACCESS_LOG_BUSY = gettext_lazy(
    "This could not be shown: every look at personal data is recorded in the access log, and "
    "the log could not be written just now (the database is busy, e.g. saving a large import). "
    "Try again in a minute."
)


class AccessLogUnavailable(Exception):
    """The access log could not be written in time (`tsunagu.audit.services.access_record`):
    what was read must not be shown unlogged; the handler answers 503."""


def _database_away(exc: BaseException | None) -> bool:
    # OperationalError covers a refused or dropped connection, a restarting server, and a
    # SQLite database that is locked or on a full disk; nothing was written in any of them.
    return isinstance(exc, OperationalError | InterfaceError)


def handler500(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler, which runs inside the failed request's `except` block."""
    error = sys.exc_info()[1]
    busy = isinstance(error, AccessLogUnavailable)
    if not busy and not _database_away(error):
        return server_error(request)
    response: HttpResponse
    if request.path.startswith("/api/"):
        detail = ACCESS_LOG_BUSY if busy else UNAVAILABLE
        response = JsonResponse({"detail": str(detail), "errors": []}, status=503)
    else:
        page = "503_access_log.html" if busy else "503.html"
        response = HttpResponse(loader.get_template(page).render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response

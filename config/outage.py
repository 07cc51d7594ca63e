"""When PostgreSQL cannot be reached, answer as an outage -- 503 with Retry-After -- not as a bug.

Django turns any exception, including one raised in a middleware (sessions, authentication), into a
call to the 500 handler; `server_error` below is that handler (config/urls.py `handler500`). For a
database error it answers 503: JSON with a Chinese message under /api/, a standalone page elsewhere
(rendered without context processors, which would query the database again). The DRF exception
handler (communities.api.errors) answers the same JSON for errors raised inside API views.

Nothing the caller sees names a host, a port or the error; the operator's log gets one line when
the database goes away and one when it is back (config.dependencies), not a traceback per request.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from .dependencies import DATABASE

RETRY_AFTER_SECONDS = 30

# SQLSTATE classes that mean "the server is not there" rather than "this statement failed":
# 08 connection exception, 57P01-03 shutdown / crash / not accepting connections yet.
_DOWN_STATES = ("08", "57P01", "57P02", "57P03")


def database_error(exc: BaseException | None) -> str | None:
    """ "down", "busy" (a lock or statement timeout, a deadlock: try again) or None."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return None
    if isinstance(exc, InterfaceError):
        return "down"  # the connection is closed
    state = getattr(exc.__cause__, "sqlstate", None)
    if state is None or state.startswith(_DOWN_STATES):
        return "down"
    return "busy"


def _message(kind: str) -> str:
    if kind == "down":
        return _(
            "The database is temporarily unavailable. Nothing was saved; please try again in a minute. "
            "What you typed on this page is kept on your device."
        )
    return _("The system is busy right now. Nothing was saved; please try again in a moment.")


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def outage_response(request: HttpRequest, exc: BaseException, kind: str) -> HttpResponse:
    if kind == "down":
        DATABASE.failed(exc)
    message = _message(kind)
    if is_api(request):
        response: HttpResponse = JsonResponse({"detail": message, "code": "service_unavailable"}, status=503)
    else:
        html = render_to_string("503.html", {"message": message, "retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # django.request would log a traceback per request
    return response


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    kind = database_error(exc)
    if kind is not None:
        return outage_response(request, exc, kind)
    if is_api(request):
        return JsonResponse(
            {"detail": _("Server error: it has been logged."), "code": "server_error"}, status=500
        )
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)


def on_connection_created(sender, connection, **kwargs) -> None:
    """A new database connection: the database is there (again)."""
    DATABASE.ok()

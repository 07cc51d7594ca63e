"""The product's own error pages (Chinese first) whatever DEBUG says.

With DEBUG off Django renders templates/404.html, 403.html and 500.html (handler500 is
config.outage.server_error). With DEBUG on it answers with its technical pages instead: English,
with settings and URL patterns, and that is what a pilot site run with DEBUG=1 showed users. This
middleware renders the same product pages with DEBUG on too; the traceback goes to the log. A
developer who wants Django's technical pages sets TECHNICAL_ERROR_PAGES=1. The API keeps its JSON
errors (DRF answers inside the view). A refused CSRF check gets a Chinese page too (CSRF_FAILURE_VIEW).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404
from django.views import defaults

from .outage import is_api, server_error

logger = logging.getLogger("django.request")


def _active(request: HttpRequest) -> bool:
    return settings.DEBUG and not getattr(settings, "TECHNICAL_ERROR_PAGES", False) and not is_api(request)


class ErrorPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # no view matched: Django's technical 404 came from URL resolution (DEBUG only)
        if (
            response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and _active(request)
        ):
            return defaults.page_not_found(request, Resolver404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _active(request):
            return None
        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return defaults.permission_denied(request, exception)
        logger.error(
            "Internal Server Error: %s", request.path, exc_info=exception, extra={"request": request}
        )
        return server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent after its page expired (or from elsewhere): say so in the user's language."""
    return render(request, "403_csrf.html", status=403)

"""Request guards that run before any view."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class RejectNulBytesMiddleware:
    """A NUL byte in the query string answers 400 before any view sees it: PostgreSQL refuses NUL in
    text, so `?q=%00` (or any search or filter parameter) would otherwise end in a 500. Form and JSON
    bodies are checked by the form and serializer fields (Django's and DRF's CharField refuse NUL).
    Costs one substring test per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            message = _("The address contains a character that is not allowed (NUL).")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "invalid"}, status=400)
            return render(request, "400.html", {"message": message}, status=400)
        return self.get_response(request)

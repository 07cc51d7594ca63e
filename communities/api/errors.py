"""JSON errors with a message a person can read, for DRF and for domain errors from services."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from communities.errors import DomainError


def exception_handler(exc, context):
    from config.outage import database_error, outage_response

    kind = database_error(exc)
    if kind is not None:
        return outage_response(context["request"], exc, kind)
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body["field"] = exc.field
            body["errors"] = {exc.field: [exc.message]}  # the same shape as a serializer's 400
        body.update(getattr(exc, "extra", None) or {})  # e.g. the gate items a refusal names
        return Response(body, status=exc.status_code)
    if isinstance(exc, ProtectedError | RestrictedError):
        objects = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        names = sorted({str(obj._meta.verbose_name) for obj in objects if hasattr(obj, "_meta")})
        return Response(
            {
                "detail": _("This cannot be deleted while other records depend on it: %(names)s.")
                % {"names": ", ".join(names) or "-"},
                "code": "protected",
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": _("This clashes with a record that already exists."), "code": "conflict"},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        # the same words whether the row is missing or outside the caller's scope
        exc = exceptions.NotFound(_("Not found."))
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError) and isinstance(response.data, dict):
        response.data = {"detail": _summary(response.data), "errors": response.data}
    if response.status_code == status.HTTP_404_NOT_FOUND and "detail" not in (response.data or {}):
        response.data = {"detail": _("Not found.")}
    return response


def _summary(errors) -> str:
    parts = []
    for field, messages in errors.items():
        text = messages if isinstance(messages, str) else "; ".join(str(m) for m in _flatten(messages))
        parts.append(text if field in ("non_field_errors", "detail") else f"{field}: {text}")
    return " ".join(parts)


def _flatten(value):
    if isinstance(value, list | tuple):
        for v in value:
            yield from _flatten(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            for m in _flatten(v):
                yield f"{k}: {m}"
    else:
        yield value


def not_found(request, exception=None):
    """handler404: JSON under /api/ (the schema documents a JSON 404 for every operation), the
    Chinese page elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)
    return page_not_found(request, exception)

"""Base classes for every app's API: scoped querysets, write permissions, idempotent writes."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from rest_framework import viewsets
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from communities.models import IdempotencyRecord
from communities.permissions import ScopedWritePermission


class ScopedQuerysetMixin:
    """`queryset` is narrowed with `for_user(request.user)`: objects outside scope are a 404.
    Ids in the path are digits (anything else is a 404 before any view code converts it)."""

    lookup_value_regex = "[0-9]+"

    # The list's default order, one direction, ending in a unique column, with an index that serves it:
    # numbered pages start from it and `?cursor=` pages walk it (communities.api.pagination).
    keyset_ordering: tuple[str, ...] | None = None

    def get_keyset_ordering(self) -> tuple[str, ...] | None:
        """The order of this request's list (a search may read another index, in its own order)."""
        return self.keyset_ordering

    def get_queryset(self):
        qs = super().get_queryset()
        if self.keyset_ordering:
            qs = qs.order_by(*self.keyset_ordering)
        return qs.for_user(self.request.user)


class ScopedModelViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    permission_classes = [ScopedWritePermission]

    # Each write in its own savepoint: a constraint error becomes a 409 without poisoning the
    # surrounding transaction.
    def perform_create(self, serializer):
        with transaction.atomic():
            super().perform_create(serializer)

    def perform_update(self, serializer):
        with transaction.atomic():
            super().perform_update(serializer)

    def perform_destroy(self, instance):
        with transaction.atomic():
            super().perform_destroy(instance)


class ScopedReadOnlyViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    pass


def idempotent(request, scope: str, write: Callable[[], Response], *, user=None) -> Response:
    """Do `write` once per `Idempotency-Key` header in `scope` (and for `user`, None for a household's
    endpoints, whose scope then names the household): a retry returns the first answer.

    Phones on poor networks resend writes; the key makes the retry safe. The record is claimed in the
    same transaction as the write, so two concurrent retries cannot both write. A refused write (an
    error answer or exception) is not remembered: the client may fix it and resend with the same key."""
    key = request.headers.get("Idempotency-Key", "").strip()[:100]
    if not key:
        return write()
    scope = scope[:200]
    existing = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
    if existing is not None and existing.status_code is not None:
        return Response(existing.body, status=existing.status_code, headers={"Idempotent-Replay": "true"})
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(user=user, scope=scope, key=key)
            response = write()
            if response.status_code >= 400:
                raise _NotKept(response)
            record.status_code = response.status_code
            # as the client received it (dates as ISO text): what a replay sends back
            record.body = json.loads(json.dumps(response.data, cls=JSONEncoder))
            record.save(update_fields=["status_code", "body"])
    except _NotKept as failed:
        return failed.response
    except IntegrityError:
        existing = IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).first()
        if existing is not None and existing.status_code is not None:
            return Response(existing.body, status=existing.status_code, headers={"Idempotent-Replay": "true"})
        raise
    return response


class IdempotentCreateMixin:
    """A POST with an `Idempotency-Key` header is done once: a retry returns the first answer
    (`idempotent`, per user and path)."""

    def create(self, request, *args, **kwargs):
        user = request.user if request.user.is_authenticated else None
        return idempotent(
            request,
            f"{request.method} {request.path}",
            lambda: super(IdempotentCreateMixin, self).create(request, *args, **kwargs),
            user=user,
        )


class _NotKept(Exception):
    def __init__(self, response):
        self.response = response


class UnmaskLoggedMixin:
    """`?unmask=true` on a read shows full numbers to the roles allowed (settings.UNMASKED_ROLES), and
    every such answer writes one access-log row naming the rows shown. Writes always answer masked:
    a write's answer may be kept for an idempotent replay, and a full number is only ever shown by an
    explicit, logged read. The serializer masks unless `context["unmask"]`."""

    unmask_object_type = ""
    unmask_fields = ""

    def unmasking(self) -> bool:
        from communities.api.serializers import unmask_requested

        request = getattr(self, "request", None)
        return request is not None and request.method == "GET" and unmask_requested(request)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["unmask"] = self.unmasking()
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        if (
            200 <= response.status_code < 300
            and not getattr(self, "_unmask_logged", False)
            and self.unmasking()
        ):
            from communities import access
            from communities.models import AccessLog

            data = response.data
            rows = data.get("results", [data]) if isinstance(data, dict) else data
            rows = rows if isinstance(rows, list) else []
            ids = [row.get("id") for row in rows if isinstance(row, dict) and row.get("id") is not None]
            if ids:
                access.record(
                    user=request.user,
                    action=AccessLog.Action.REVEAL,
                    object_type=self.unmask_object_type,
                    object_ids=ids,
                    fields=self.unmask_fields,
                    reason="api unmask",
                    request=request,
                )
            self._unmask_logged = True
        return super().finalize_response(request, response, *args, **kwargs)

"""Who saw what: reveals of unmasked personal data and exports, in an append-only log."""

from __future__ import annotations

from collections.abc import Iterable

from . import throttling
from .models import AccessLog


def client_ip(request) -> str | None:
    if request is None:
        return None
    return throttling.client_ip(request)


def record(
    *,
    user,
    action: str,
    object_type: str,
    object_ids: Iterable[object] = (),
    fields: str = "",
    reason: str = "",
    request=None,
) -> AccessLog:
    ids = ",".join(str(i) for i in object_ids)
    return AccessLog.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=object_type,
        object_id=ids[:100],
        fields=fields[:200],
        reason=reason[:200],
        ip_address=client_ip(request),
    )

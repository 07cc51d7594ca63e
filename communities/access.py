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


# --- exports with full numbers: masked by default for every role --------------------------------------

TRUTHY = {True, "1", "true", "True", "on", "yes"}


class ExportForbidden(Exception):
    """The caller's roles never see full numbers (the page answers 403, the API 403)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def full_numbers_params(user, *, unmask, reason) -> dict:
    """Check a request for an export WITH full phone and ID numbers (a deliberate choice: a box ticked
    or `unmask=true`, and a reason) and return what to add to the job's params; {} for the default,
    masked export. Raises ExportForbidden for roles that never see full numbers and DomainError when the
    reason is missing."""
    from django.utils.translation import gettext as _

    from .errors import DomainError
    from .scoping import get_scope

    if unmask not in TRUTHY:
        return {}
    if not get_scope(user).sees_unmasked:
        raise ExportForbidden(_("Your role may export masked numbers only."))
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise DomainError(
            _("Say why the export needs full phone and ID numbers (it is recorded)."), field="unmask_reason"
        )
    return {"unmask": True, "unmask_reason": reason[:200]}


def export_unmasked(job, *, object_type: str, object_ids: Iterable[object] = ()) -> bool:
    """Inside an export job: full numbers only when the job asked for them with a reason AND its
    creator's roles still allow it; then the reveal is recorded like one on a page (who, what, why).
    Anything else: masked."""
    from .scoping import get_scope

    params = job.params or {}
    reason = str(params.get("unmask_reason") or "").strip()
    if params.get("unmask") not in TRUTHY or not reason or not get_scope(job.created_by).sees_unmasked:
        return False
    record(
        user=job.created_by,
        action=AccessLog.Action.REVEAL,
        object_type=object_type,
        object_ids=object_ids,
        fields=f"phone,id_number (export job {job.pk})",
        reason=reason,
    )
    return True

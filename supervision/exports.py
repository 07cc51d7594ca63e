"""The rectification ledger (整改台账) as Excel, built in a background job with progress."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from communities import access
from communities.jobs import save_result_file
from communities.models import AccessLog
from communities.spreadsheets import xlsx_row

from .models import Rectification


def ledger_queryset(user, params: dict):
    qs = Rectification.objects.for_user(user).select_related(
        "project__division", "responsible_party", "work_item", "acceptance_round", "inspection"
    )
    if params.get("project"):
        qs = qs.filter(project_id=params["project"])
    if params.get("status"):
        qs = qs.filter(status=params["status"])
    if params.get("overdue"):
        qs = qs.overdue()
    return qs.order_by("project__name", "deadline", "pk")


def _stamp(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def rectification_ledger(job, progress) -> None:
    user = job.created_by
    qs = ledger_queryset(user, job.params or {})
    total = qs.count()
    progress(0, total, force=True)
    today = timezone.localdate()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Rectification ledger"))
    ws.append(
        [
            _("No."),
            _("project"),
            _("run by"),
            pgettext("rectification", "source"),
            _("work item"),
            _("what must be fixed"),
            _("severity"),
            _("responsible party"),
            _("deadline"),
            _("status"),
            _("days overdue"),
            _("times rejected"),
            _("submitted at"),
            _("verified at"),
        ]
    )
    ids = []
    for n, order in enumerate(qs.iterator(chunk_size=1000), start=1):
        overdue = (today - order.deadline).days if order.is_overdue(today) else 0
        source = order.get_source_display()
        if order.acceptance_round_id:
            source = f"{source} ({_('round %(n)s') % {'n': order.acceptance_round.number}})"
        ws.append(
            xlsx_row(
                ws,
                [
                    order.pk,
                    order.project.name,
                    order.project.division.name,
                    source,
                    order.work_item.name if order.work_item_id else "",
                    order.description,
                    order.get_severity_display(),
                    order.responsible_party.name,
                    order.deadline,
                    order.get_status_display(),
                    overdue,
                    order.rejection_count,
                    _stamp(order.submitted_at),
                    _stamp(order.verified_at),
                ],
            )
        )
        ids.append(order.pk)
        progress(n, total)
    save_result_file(job, f"rectification-ledger-{today:%Y%m%d}.xlsx", wb.save)
    job.total = total
    job.result = {"rows": total}
    access.record(
        user=user,
        action=AccessLog.Action.EXPORT,
        object_type="rectification",
        object_ids=ids[:20],
        fields="ledger",
        reason=f"rectification ledger, {total} rows",
    )

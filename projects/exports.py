"""The project ledger (台账): one row per project with its five ones, funding, progress and status.

Run as a background job (`communities.jobs.start_job(handler="projects.exports.project_ledger")`).
The rows are those the job's creator may see; the ledger holds no residents' personal data.
"""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from communities import access
from communities.models import AccessLog
from communities.spreadsheets import xlsx_row

from .choices import FundingSource
from .filters import ProjectFilter
from .models import FundingLine, Project, ProjectParty

BATCH = 500


def ledger_queryset(user, params: dict):
    qs = (
        Project.objects.for_user(user)
        .select_related("division", "programme")
        .prefetch_related(
            "compounds",
            Prefetch("funding_lines", queryset=FundingLine.objects.order_by()),
            Prefetch("parties", queryset=ProjectParty.objects.order_by("role", "pk")),
        )
        .with_totals()
        .order_by("division__path", "name", "pk")
    )
    return ProjectFilter(params, queryset=qs).qs


def project_ledger(job, progress) -> None:
    user = job.created_by
    qs = ledger_queryset(user, job.params or {})
    total = qs.count()
    progress(0, total, force=True)
    sources = list(FundingSource.choices)
    headers = [
        _("No."),
        _("Project"),
        _("Run by"),
        _("Compounds"),
        _("Households"),
        _("Programme"),
        _("Year"),
        _("Category"),
        _("Status"),
        _("Key project"),
        _("Responsible leader"),
        _("Lead department"),
        _("Implementation plan"),
        _("Schedule"),
        _("Planned start"),
        _("Planned completion"),
        _("Construction unit"),
        _("Work items"),
        _("Budget (yuan)"),
        _("Progress (%)"),
        _("Funding planned (yuan)"),
        _("Funding received (yuan)"),
    ] + [f"{label}（{_('planned')}）" for _value, label in sources]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Project ledger"))
    ws.append([str(h) for h in headers])
    done = 0
    for i, p in enumerate(qs.iterator(chunk_size=BATCH), start=1):
        planned_by_source = {s: 0 for s, _label in sources}
        for line in p.funding_lines.all():
            planned_by_source[line.source] += line.planned
        builders = [party.name for party in p.parties.all() if party.role == "construction"]
        ws.append(
            xlsx_row(
                ws,
                [
                    i,
                    p.name,
                    p.division.name,
                    "、".join(c.name for c in p.compounds.all()),
                    p.household_count,
                    str(p.programme) if p.programme else "",
                    p.year,
                    p.get_category_display(),
                    p.get_status_display(),
                    _("yes") if p.is_key_project else _("no"),
                    p.responsible_leader,
                    p.lead_department,
                    _("uploaded") if p.implementation_plan else _("missing"),
                    p.schedule,
                    p.planned_start,
                    p.planned_end,
                    "、".join(builders),
                    p.work_item_count,
                    p.budget_total,
                    p.progress,
                    p.funding_planned,
                    p.funding_received,
                ]
                + [planned_by_source[s] for s, _label in sources],
            )
        )
        done += 1
        progress(done, total)
    buf = io.BytesIO()
    wb.save(buf)
    # write_only sheets cannot be styled after the fact; reopen small files to set widths and header
    buf = _polish(buf, len(headers))
    name = f"project-ledger-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    job.result_file.save(name, ContentFile(buf.getvalue()), save=False)
    job.result = {"rows": done}
    job.message = _("%(n)s projects") % {"n": done}
    access.record(
        user=user,
        action=AccessLog.Action.EXPORT,
        object_type="project_ledger",
        object_ids=[job.pk],
        fields="ledger",
        reason="project ledger export",
    )


def _polish(buf: io.BytesIO, columns: int) -> io.BytesIO:
    from openpyxl import load_workbook

    buf.seek(0)
    if buf.getbuffer().nbytes > 5_000_000:
        return buf
    wb = load_workbook(buf)
    ws = wb.active
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for col in range(1, columns + 1):
        ws.column_dimensions[get_column_letter(col)].width = 16
    ws.column_dimensions["B"].width = 30
    ws.freeze_panes = "C2"
    out = io.BytesIO()
    wb.save(out)
    return out

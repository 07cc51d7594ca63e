"""Excel ledgers (visit ledger, demand list) built in background jobs, masked by the requester's role.

Handlers follow communities.jobs: `handler(job, progress)`; scope comes from `job.created_by`, filters
from `job.params` (the same FilterSets as the pages)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communities import access
from communities.jobs import save_result_file
from communities.masking import mask_name, mask_phone
from communities.models import AccessLog, Ownership
from communities.spreadsheets import xlsx_row

from .filters import OpinionFilter, VisitFilter
from .models import Opinion, Visit

CHUNK = 2000


def _owner(household, unmasked: bool) -> tuple[str, str]:
    if household is None:
        return "", ""
    people = [o.person for o in household.ownerships.all()]
    if not people:
        return "", ""
    p = people[0]
    if unmasked:
        return p.name, p.phone
    return mask_name(p.name), mask_phone(p.phone)


def _owners_prefetch(prefix: str):
    return Prefetch(
        f"{prefix}ownerships",
        queryset=Ownership.objects.filter(kind__in=["owner", "co_owner"])
        .select_related("person")
        .order_by("kind", "pk"),
    )


def _workbook(title: str, header: list[str]):
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(header)
    return wb, ws


def _save(job, wb, name: str) -> None:
    # openpyxl's write-only sheet streamed the rows to disk; the zip goes to disk too, never to memory
    save_result_file(job, f"{name}-{timezone.localtime():%Y%m%d-%H%M}.xlsx", wb.save)


def visit_ledger(job, progress) -> None:
    user = job.created_by
    unmasked = access.export_unmasked(job, object_type="visit")
    qs = VisitFilter(
        job.params,
        queryset=Visit.objects.for_user(user)
        .select_related("household__building", "compound", "visitor", "member")
        .prefetch_related(_owners_prefetch("household__"), "opinions")
        .order_by("visited_at", "pk"),
    ).qs
    total = qs.count()
    progress(0, total, force=True)
    with translation.override("zh-hans"):
        wb, ws = _workbook(
            _("Visit ledger"),
            [
                _("Time"),
                _("Compound"),
                _("Building"),
                _("Unit"),
                _("Room"),
                _("Owner"),
                _("Phone"),
                _("Visitor"),
                _("Branch member"),
                _("Channel"),
                _("Attitude"),
                _("Notes"),
                _("Opinions raised"),
            ],
        )
        done = 0
        for v in qs.iterator(chunk_size=CHUNK):
            name, phone = _owner(v.household, unmasked)
            ws.append(
                xlsx_row(
                    ws,
                    [
                        timezone.localtime(v.visited_at).strftime("%Y-%m-%d %H:%M"),
                        v.compound.name,
                        v.household.building.name,
                        v.household.unit,
                        v.household.room,
                        name,
                        phone,
                        v.visitor.display_name if v.visitor else "",
                        v.member.name if v.member else "",
                        v.get_channel_display(),
                        v.get_attitude_display(),
                        v.notes,
                        "；".join(o.content for o in v.opinions.all()),
                    ],
                )
            )
            done += 1
            if done % 500 == 0:
                progress(done, total)
    _save(job, wb, "visit-ledger")
    job.result = {"rows": done, "masked": not unmasked}
    access.record(
        user=user,
        action=AccessLog.Action.EXPORT,
        object_type="visit",
        fields="ledger" + ("" if not unmasked else ",unmasked"),
        reason=f"visit ledger, {done} rows",
    )


def demand_list(job, progress) -> None:
    user = job.created_by
    unmasked = access.export_unmasked(job, object_type="opinion")
    params = {k: v for k, v in job.params.items() if k not in ("unmask", "unmask_reason")}
    qs = (
        Opinion.objects.for_user(user)
        .select_related("compound", "household__building", "project", "work_item")
        .prefetch_related(_owners_prefetch("household__"))
    )
    if "status" not in params:
        qs = qs.demands()
    project_id = params.pop("project", None)
    if project_id:
        from projects.models import Project

        project = Project.objects.for_user(user).filter(pk=project_id).first()
        qs = qs.of_project(project) if project is not None else qs.none()
    qs = OpinionFilter(params, queryset=qs).qs.order_by("category", "created_at", "pk")
    total = qs.count()
    progress(0, total, force=True)
    with translation.override("zh-hans"):
        wb, ws = _workbook(
            _("Demand list"),
            [
                _("No."),
                _("Category"),
                _("Content"),
                _("Compound"),
                _("Household"),
                _("Owner"),
                _("Phone"),
                _("Source"),
                _("Status"),
                _("Work item"),
                _("Official answer"),
                _("Resident's rating"),
                _("Received at"),
            ],
        )
        done = 0
        for o in qs.iterator(chunk_size=CHUNK):
            name, phone = _owner(o.household, unmasked)
            ws.append(
                xlsx_row(
                    ws,
                    [
                        o.pk,
                        o.get_category_display(),
                        o.content,
                        o.compound.name,
                        o.household.label if o.household else "",
                        name,
                        phone,
                        o.get_source_display(),
                        o.get_status_display(),
                        o.work_item.name if o.work_item else "",
                        o.answer,
                        o.get_rating_display() if o.rating else "",
                        timezone.localtime(o.created_at).strftime("%Y-%m-%d"),
                    ],
                )
            )
            done += 1
            if done % 500 == 0:
                progress(done, total)
    _save(job, wb, "demand-list")
    job.result = {"rows": done, "masked": not unmasked}
    access.record(
        user=user,
        action=AccessLog.Action.EXPORT,
        object_type="opinion",
        fields="demand_list" + ("" if not unmasked else ",unmasked"),
        reason=f"demand list, {done} rows",
    )


HANDLERS = {
    "visit_ledger": ("consultations.exports.visit_ledger", "visit"),
    "demand_list": ("consultations.exports.demand_list", "opinion"),
}


def start_export(*, user, kind: str, params: dict, request=None, unmask=False, unmask_reason: str = ""):
    """Start an export job (page and API share this): allowed to whoever reads visits and opinions,
    recorded in the access log; the ledger is masked unless the requester asks for full numbers with a
    reason and the requester's role allows it (access.full_numbers_params)."""
    from communities.errors import DomainError
    from communities.jobs import start_job

    from .querysets import can_export

    if not can_export(user):
        from .services import Forbidden

        raise Forbidden(_("Your role does not give access to residents' data."))
    if kind not in HANDLERS:
        raise DomainError(_("Unknown export."), field="kind")
    handler, object_type = HANDLERS[kind]
    params = {k: v for k, v in params.items() if k not in ("unmask", "unmask_reason")}
    params |= access.full_numbers_params(user, unmask=unmask, reason=unmask_reason)
    access.record(
        user=user,
        action=AccessLog.Action.EXPORT,
        object_type=object_type,
        fields=kind,
        reason="export started",
        request=request,
    )
    return start_job(kind=kind, handler=handler, user=user, params=params)

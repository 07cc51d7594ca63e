"""Writes that carry the projects rules, and the derived figures (progress, totals, dig-once,
coverage) that are computed, never typed twice.

Every write takes the acting user, runs in a transaction and raises `DomainError` with a sentence a
person can read when a rule refuses it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.choices import DivisionLevel, Role
from communities.errors import Conflict, DomainError
from communities.models import Building, Compound, Division, Household
from communities.scoping import get_scope

from . import gates
from .choices import (
    TRANSITIONS,
    BranchKind,
    FundingSource,
    MemberRole,
    PartyRole,
    ProjectStatus,
)
from .models import (
    BranchMember,
    CatalogItem,
    FundingLine,
    GateException,
    HouseholdAssignment,
    PartyBranch,
    Project,
    ProjectParty,
    ProjectStatusChange,
    UtilityWork,
    WorkItem,
)


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class GateRefused(Conflict):
    """A transition refused by the lifecycle or by its gates; `items` are the gate items missing
    (the API lists them beside the sentence)."""

    code = "transition_refused"

    def __init__(self, message: str, *, items=()):
        super().__init__(message)
        self.items = list(items)

    @property
    def extra(self) -> dict:
        return {
            "missing": [
                {"key": i.key, "label": str(i.label), "missing": i.missing, "link": i.link}
                for i in self.items
            ]
        }


def require_edit(obj, user) -> None:
    """Visible but not editable: refuse with 403 (scoped querysets already 404 the invisible)."""
    if not type(obj).objects.editable_by(user).filter(pk=obj.pk).exists():
        raise Forbidden(_("You may read this but not change it."))


def _check_compounds(division: Division, compounds: Iterable[Compound]) -> list[Compound]:
    compounds = list(compounds)
    if not compounds:
        raise DomainError(_("Choose at least one compound."), field="compounds")
    outside = [c.name for c in compounds if not c.division.path.startswith(division.path)]
    if outside:
        raise DomainError(
            _("%(compounds)s not in %(division)s.")
            % {"compounds": "、".join(outside), "division": division.name},
            field="compounds",
        )
    return compounds


# --- projects ----------------------------------------------------------------------------------------


PROJECT_FIELDS = (
    "name",
    "year",
    "category",
    "programme",
    "description",
    "is_key_project",
    "responsible_leader",
    "lead_department",
    "implementation_plan",
    "schedule",
    "planned_start",
    "planned_end",
    "uses_maintenance_fund",
    "changes_common_parts",
)


def _check_plan(fields: dict) -> None:
    """A new implementation plan must be a PDF or office document by content (never HTML or script);
    it is stored under a random name with its real extension (communities.files)."""
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import UploadedFile

    from communities.files import validate_document

    upload = fields.get("implementation_plan")
    if isinstance(upload, UploadedFile):
        try:
            fields["implementation_plan"] = validate_document(upload, stem="plan")
        except ValidationError as exc:
            raise DomainError(exc.messages[0], field="implementation_plan") from exc


@transaction.atomic
def create_project(*, user, division: Division, compounds: Iterable[Compound], **fields) -> Project:
    """A street (or community) creates a project for one compound or a block of compounds."""
    if division.level not in (DivisionLevel.STREET, DivisionLevel.COMMUNITY):
        raise DomainError(_("A project is run by a street or a community."), field="division")
    if not get_scope(user).can_edit(division.path):
        raise Forbidden(_("You may not create projects for %(division)s.") % {"division": division.name})
    compounds = _check_compounds(division, compounds)
    unknown = set(fields) - set(PROJECT_FIELDS)
    if unknown:
        raise DomainError(f"unknown fields: {', '.join(sorted(unknown))}")
    fields.setdefault("year", timezone.localdate().year)
    _check_plan(fields)
    project = Project(division=division, created_by=user, **fields)
    project.full_clean(exclude=["compounds"])
    project.save()
    project.compounds.set(compounds)
    return project


@transaction.atomic
def update_project(
    project: Project, *, user, compounds: Iterable[Compound] | None = None, **fields
) -> Project:
    require_edit(project, user)
    for name in fields:
        if name not in PROJECT_FIELDS:
            raise DomainError(f"unknown field: {name}")
    _check_plan(fields)
    for name, value in fields.items():
        setattr(project, name, value)
    project.full_clean(exclude=["compounds"])
    # only the edited fields: the instance was read before the form was filled in, and a full save
    # would write its stale status over a transition made meanwhile (unrecorded)
    project.save(update_fields=[*fields, "updated_at"])
    if compounds is not None:
        compounds = _check_compounds(project.division, compounds)
        project.compounds.set(compounds)
        sync_branch_compounds(project, compounds)
    return project


def sync_branch_compounds(project: Project, compounds: Iterable[Compound] | None = None) -> int:
    """Keep the project's temporary branches covering exactly the project's compounds.

    A compound taken out of the project leaves its branch too, and so do the branch's assignments of
    that compound's households (nobody need visit them for this project any more). Returns how many
    assignments were removed. Joint branches keep their own compounds.
    """
    compounds = list(project.compounds.all() if compounds is None else compounds)
    removed = 0
    for branch in project.branches.filter(kind=BranchKind.TEMPORARY):
        branch.compounds.set(compounds)
        removed += (
            HouseholdAssignment.objects.filter(branch=branch)
            .exclude(household__building__compound__in=compounds)
            .delete()[0]
        )
    return removed


def missing_five_ones(project: Project) -> list[str]:
    missing = []
    if not project.responsible_leader:
        missing.append(_("responsible leader"))
    if not project.lead_department:
        missing.append(_("lead department"))
    if not project.implementation_plan:
        missing.append(_("implementation plan"))
    if not (project.schedule or project.milestones.exists()):
        missing.append(_("schedule"))
    return missing


# The acceptance results (accepted, rework, handed over into maintenance) and a new acceptance after
# rework are decided by supervision's acceptance rounds (panel verdict, satisfaction ballot, filing,
# handover, rectification orders verified): moving there by hand would skip those rules.
ACCEPTANCE_OWNED = (ProjectStatus.ACCEPTED, ProjectStatus.REWORK, ProjectStatus.MAINTENANCE)


def _owned_by_acceptance(project: Project, to_status: str) -> bool:
    return to_status in ACCEPTANCE_OWNED or (
        to_status == ProjectStatus.ACCEPTANCE and project.status == ProjectStatus.REWORK
    )


def transition_refusal(
    project: Project, to_status: str, *, by_acceptance: bool = False, gate_refusals: dict | None = None
) -> str | None:
    """Why `project` may not move to `to_status` now (None: it may). `by_acceptance`: the move is made
    by supervision's acceptance services, which alone decide acceptance results. `gate_refusals`: the
    gates' refusals per status when the caller already evaluated them (the project page)."""
    labels = dict(ProjectStatus.choices)
    if to_status not in labels:
        return _("Unknown status: %(status)s.") % {"status": to_status}
    if to_status == project.status:
        return _("The project is already in %(status)s.") % {"status": labels[to_status]}
    allowed = TRANSITIONS.get(project.status, ())
    if to_status in allowed and not by_acceptance and _owned_by_acceptance(project, to_status):
        return _(
            "%(status)s follows from the acceptance rounds (panel verdict, residents' satisfaction, "
            "filing and handover): record it on the project's supervision page."
        ) % {"status": labels[to_status]}
    if to_status not in allowed:
        if to_status == ProjectStatus.UNDER_CONSTRUCTION and project.status in (
            ProjectStatus.PLANNING,
            ProjectStatus.CONSULTING,
        ):
            return _("Cannot start construction: the plan is not approved.")
        if to_status in (ProjectStatus.ACCEPTED, ProjectStatus.REWORK):
            return _("Cannot record an acceptance result: the project is not in acceptance.")
        if to_status == ProjectStatus.ACCEPTANCE:
            return _("Cannot start acceptance: construction has not started.")
        return _("Cannot move from %(from)s to %(to)s; next allowed: %(allowed)s.") % {
            "from": labels[project.status],
            "to": labels[to_status],
            "allowed": "、".join(str(labels[s]) for s in allowed) or "—",
        }
    if to_status == ProjectStatus.APPROVED:
        missing = missing_five_ones(project)
        if missing:
            return _("Cannot approve the plan: the five ones are incomplete (missing %(missing)s).") % {
                "missing": "、".join(str(m) for m in missing)
            }
        if not project.work_items.exists():
            return _("Cannot approve the plan: it has no work items.")
    if (
        to_status == ProjectStatus.UNDER_CONSTRUCTION
        and not project.parties.filter(role=PartyRole.CONSTRUCTION).exists()
    ):
        return _("Cannot start construction: no construction unit is recorded.")
    if to_status in (ProjectStatus.APPROVED, ProjectStatus.UNDER_CONSTRUCTION):
        # what residents decided (DESIGN.md §7): consent, notice, procedure, visits; elevator ballots
        if gate_refusals is not None and to_status in gate_refusals:
            refusal = gate_refusals[to_status]
        else:
            refusal = gates.refusal(project, to_status)
        if refusal:
            return refusal
    if to_status == ProjectStatus.ACCEPTANCE:
        unfinished = project.work_items.filter(progress__lt=100).count()
        if unfinished:
            return _("Cannot start acceptance: %(n)s work items are not finished.") % {"n": unfinished}
    return None


@transaction.atomic
def transition_project(
    project: Project, to_status: str, user, note: str = "", *, by_acceptance: bool = False
) -> ProjectStatusChange:
    """Move a project along its lifecycle; every move is recorded with who, when and why.
    Acceptance results come only from supervision's services (`by_acceptance=True`)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    require_edit(project, user)
    refusal = transition_refusal(project, to_status, by_acceptance=by_acceptance)
    if refusal:
        raise GateRefused(refusal, items=gates.blocking_items(project, to_status))
    if to_status == ProjectStatus.REWORK and not note.strip():
        raise DomainError(_("Say what must be reworked."), field="note")
    excepted = gates.excepted_note(project, to_status)
    if excepted:
        note = f"{note} · {excepted}" if note.strip() else excepted
    change = ProjectStatusChange.objects.create(
        project=project, from_status=project.status, to_status=to_status, by=user, note=note[:500]
    )
    project.status = to_status
    project.save(update_fields=["status", "updated_at"])
    return change


def allowed_transitions(project: Project, checklist: list | None = None) -> list[tuple[str, str, str | None]]:
    """(status, label, refusal or None) for each next step the lifecycle offers by hand (acceptance
    results are recorded on the supervision page, not offered here). `checklist`: the project's
    `project_checklist`, when the caller has it already."""
    labels = dict(ProjectStatus.choices)
    gate_refusals = {step.to_status: step.refusal for step in checklist} if checklist is not None else None
    return [
        (s, labels[s], transition_refusal(project, s, gate_refusals=gate_refusals))
        for s in TRANSITIONS.get(project.status, ())
        if not _owned_by_acceptance(project, s)
    ]


# --- gates: checklist and district exceptions --------------------------------------------------------

GATED_STATUSES = (ProjectStatus.APPROVED, ProjectStatus.UNDER_CONSTRUCTION)


@dataclass
class ChecklistStep:
    to_status: str
    label: str
    items: list
    refusal: str | None
    current: bool  # the project's next gated step


def project_checklist(project: Project) -> list[ChecklistStep]:
    """The gated steps with each item's state, the next one first: what the project page shows
    before anyone tries (the same functions decide the transition)."""
    labels = dict(ProjectStatus.choices)
    next_gated = {
        ProjectStatus.PLANNING: ProjectStatus.APPROVED,
        ProjectStatus.CONSULTING: ProjectStatus.APPROVED,
        ProjectStatus.APPROVED: ProjectStatus.UNDER_CONSTRUCTION,
    }.get(project.status)
    policy = gates.policy_for(project)
    exceptions = {
        e.gate: e
        for e in GateException.objects.in_force().filter(project=project).select_related("granted_by")
    }
    steps = []
    for status in GATED_STATUSES:
        items = gates.checklist(project, status, policy=policy, exceptions=exceptions)
        if not items:
            continue
        refusal = gates.refusal_from(items, status)
        if status == next_gated:
            # the next step: everything the move needs (five ones, construction unit...), not only gates
            refusal = transition_refusal(project, status, gate_refusals={status: refusal})
        steps.append(
            ChecklistStep(
                to_status=status,
                label=labels[status],
                items=items,
                refusal=refusal,
                current=status == next_gated,
            )
        )
    steps.sort(key=lambda s: not s.current)
    return steps


def reached_gate_gaps(project: Project) -> list:
    """The gate items still missing for the gated steps the project has already passed (a project
    walked past its gates without their evidence, e.g. data loaded from elsewhere). Empty: its status
    is borne out by what residents decided."""
    from .choices import STATUS_ORDER

    position = STATUS_ORDER.index(project.status)
    return [
        item
        for status in GATED_STATUSES
        if position >= STATUS_ORDER.index(status)
        for item in gates.blocking_items(project, status)
    ]


def _gate_item(project: Project, key: str):
    g = gates.gate(key)
    if g is None:
        raise DomainError(_("Unknown gate item: %(key)s.") % {"key": key}, field="gate")
    item = next(i for i in gates.checklist(project, g.to_status) if i.key == key)
    return g, item


@transaction.atomic
def record_gate_exception(project: Project, gate: str, user, *, reason: str) -> GateException:
    """A district admin lets one gate item of one project through, with the reason (kept, shown on
    the project page and its public page). The item keeps showing what is missing."""
    project = Project.objects.select_for_update().select_related("division").get(pk=project.pk)
    if not may_record_gate_exceptions(user, project):
        raise Forbidden(_("Only the district's administrators may record an exception to a gate."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for the exception."), field="reason")
    _gate, item = _gate_item(project, gate)
    if not item.required or item.met:
        raise Conflict(
            _("%(item)s is already met or not required: no exception is needed.") % {"item": item.label},
            field="gate",
        )
    if item.exception is not None:
        raise Conflict(_("%(item)s already has an exception in force.") % {"item": item.label}, field="gate")
    return GateException.objects.create(
        project=project,
        gate=gate,
        reason=reason[:2000],
        granted_by=user,
        granted_by_name=user.display_name,
    )


@transaction.atomic
def withdraw_gate_exception(exception: GateException, user, *, reason: str) -> GateException:
    """Withdraw an exception (the row stays: who granted it, when, why, and who withdrew it, why)."""
    exception = (
        GateException.objects.select_for_update().select_related("project__division").get(pk=exception.pk)
    )
    if not may_record_gate_exceptions(user, exception.project):
        raise Forbidden(_("Only the district's administrators may withdraw an exception."))
    if exception.withdrawn_at is not None:
        raise Conflict(_("This exception was already withdrawn."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for withdrawing the exception."), field="reason")
    exception.withdrawn_at = timezone.now()
    exception.withdrawn_by = user
    exception.withdraw_reason = reason[:500]
    exception.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    return exception


def may_record_gate_exceptions(user, project: Project) -> bool:
    from .querysets import GATE_EXCEPTION_ROLES

    return get_scope(user).covers(project.division.path, GATE_EXCEPTION_ROLES)


# --- work items --------------------------------------------------------------------------------------


@transaction.atomic
def add_work_items(project: Project, user, catalog_items: Iterable[CatalogItem]) -> list[WorkItem]:
    """Start work items from catalog items (name and unit taken from the catalog). Items already in
    the plan are not added twice (an item may be ticked under both the national catalog and a local
    grouping)."""
    require_edit(project, user)
    present = set(project.work_items.exclude(catalog_item=None).values_list("catalog_item_id", flat=True))
    items = []
    for c in catalog_items:
        if c.is_active and c.pk not in present:
            present.add(c.pk)
            items.append(WorkItem(project=project, catalog_item=c, name=c.name, unit=c.unit))
    return WorkItem.objects.bulk_create(items)


def has_progress_reports(item: WorkItem) -> bool:
    """Whether supervision has recorded progress reports (序时进度) on `item`. Read through the
    reverse relation of supervision's ProgressReport (related_name "progress_reports"): projects
    does not import supervision."""
    return item.pk is not None and item.progress_reports.exists()


def progress_follows_reports() -> str:
    return _("This work item has progress reports: its progress follows the reports.")


def typed_progress_refusal(item: WorkItem, percent, planned_start: date | None = None) -> str | None:
    """Why a progress typed by hand (work-item form, API) may not replace the stored one (None: it may).
    Before any progress report exists, editors type it (planning); once a work item has a report, its
    progress follows the reports only. Keeping the stored value is always allowed (a form or PUT that
    sends it back unchanged). A work item is never typed finished before its planned start
    (`planned_start`: the date being saved with it): that is said in a progress report, with its reason."""
    if percent is None:
        return None
    current = (
        WorkItem.objects.filter(pk=item.pk).values_list("progress", flat=True).first() if item.pk else None
    )
    start = planned_start if planned_start is not None else item.planned_start
    if int(percent) == 100 and current != 100 and start and timezone.localdate() < start:
        return _(
            "The work item is due to start on %(date)s: "
            "report it finished in a progress report, with the reason."
        ) % {"date": start.isoformat()}
    if current is None or int(percent) == current:
        return None
    if has_progress_reports(item):
        return progress_follows_reports()
    if int(percent) < current and works_under_way(item.project):
        return _(
            "Works are under way: progress does not go back by typing (%(current)s%% → %(percent)s%%). "
            "Report the lower figure in a progress report, with the reason."
        ) % {"current": current, "percent": int(percent)}
    return None


def works_under_way(project: Project) -> bool:
    """Whether the project has reached construction (its progress is then a record, not a plan)."""
    from .choices import STATUS_ORDER, ProjectStatus

    return STATUS_ORDER.index(project.status) >= STATUS_ORDER.index(ProjectStatus.UNDER_CONSTRUCTION)


@transaction.atomic
def set_work_item_progress(item: WorkItem, percent: int, user, *, from_reports: bool = False) -> WorkItem:
    """Editors, and the accounts of the project's construction unit, set a work item's progress.

    Once the item has progress reports, only supervision's report path (`from_reports=True`, which
    sets it to the latest report's) may change it; a typed value is refused, so the next report
    cannot silently overwrite it and it cannot contradict the reports."""
    allowed = WorkItem.objects.editable_by(user).filter(pk=item.pk).exists() or (
        get_scope(user).has_role(Role.CONTRACTOR)
        and item.project.parties.filter(role=PartyRole.CONSTRUCTION, users=user).exists()
    )
    if not allowed:
        raise Forbidden(_("You may read this but not change it."))
    if not 0 <= int(percent) <= 100:
        raise DomainError(_("Progress is a percentage from 0 to 100."), field="progress")
    # the same row lock as supervision's report_progress: a report and a typed value never interleave
    WorkItem.objects.select_for_update().filter(pk=item.pk).first()
    if not from_reports:
        refusal = typed_progress_refusal(item, percent)
        if refusal:
            raise Conflict(refusal, code="progress_follows_reports", field="progress")
    item.progress = int(percent)
    item.save(update_fields=["progress"])
    return item


# --- funding -----------------------------------------------------------------------------------------


def funding_refusal(
    project: Project, *, source: str, planned, received, note: str = "", instance: FundingLine | None = None
) -> tuple[str, str] | None:
    """(field, reason) when a funding line would not be truthful, else None: one line per source on a
    project (a second tranche is added to the source's line; the database holds this too), and money
    received above what was planned only with an explanation in the note."""
    labels = dict(FundingSource.choices)
    other = FundingLine.objects.filter(project=project, source=source)
    if instance is not None and instance.pk:
        other = other.exclude(pk=instance.pk)
    first = other.first()
    if first is not None:
        return (
            "source",
            _(
                "This project already has a line for %(source)s (planned %(planned)s yuan): edit that line; "
                "a second tranche is added to it."
            )
            % {"source": labels.get(source, source), "planned": first.planned},
        )
    if planned is not None and received is not None and received > planned and not (note or "").strip():
        return (
            "note",
            _(
                "Received (%(received)s yuan) is more than planned (%(planned)s yuan): say why in the note "
                "(e.g. an additional allocation), or correct the amounts."
            )
            % {"received": received, "planned": planned},
        )
    return None


# --- derived figures ---------------------------------------------------------------------------------

ONE_DECIMAL = Decimal("0.1")


def derive_progress(budget_total, weighted_sum, mean, count) -> Decimal:
    """Project progress = the budget-weighted mean of its work items' progress (a 1-million-yuan
    item at 50% moves the project more than a 10,000-yuan one); when no item has a budget yet, the
    plain mean. No work items: 0."""
    if not count:
        return Decimal("0.0")
    budget_total = Decimal(budget_total or 0)
    value = Decimal(weighted_sum or 0) / budget_total if budget_total > 0 else Decimal(mean or 0)
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass
class ProjectTotals:
    budget: Decimal
    progress: Decimal
    work_item_count: int
    funding_planned: Decimal
    funding_received: Decimal
    by_source: list[dict] = field(default_factory=list)

    @property
    def funding_gap(self) -> Decimal:
        """Budget not yet covered by planned funding (negative: over-covered)."""
        return self.budget - self.funding_planned


def project_totals(project: Project) -> ProjectTotals:
    """Totals for one project in two queries (work items, funding lines by source)."""
    from django.db.models import Avg, F

    w = WorkItem.objects.filter(project=project).aggregate(
        budget_sum=Sum("budget"),
        weighted=Sum(F("budget") * F("progress")),
        mean=Avg("progress"),
        n=Count("pk"),
    )
    funding = funding_totals(FundingLine.objects.filter(project=project))
    return ProjectTotals(
        budget=w["budget_sum"] or Decimal("0"),
        progress=derive_progress(w["budget_sum"], w["weighted"], w["mean"], w["n"]),
        work_item_count=w["n"],
        funding_planned=funding["planned"],
        funding_received=funding["received"],
        by_source=funding["by_source"],
    )


def funding_totals(lines: QuerySet[FundingLine]) -> dict:
    """Planned and received per source and in total, for any set of funding lines (a project, a
    programme: `project__programme=...`, a division: `project__division__path__startswith=...`)."""
    rows = lines.order_by().values("source").annotate(planned=Sum("planned"), received=Sum("received"))
    labels = dict(FundingSource.choices)
    by_source = [
        {
            "source": r["source"],
            "label": labels.get(r["source"], r["source"]),
            "planned": r["planned"] or Decimal("0"),
            "received": r["received"] or Decimal("0"),
        }
        for r in sorted(rows, key=lambda r: list(labels).index(r["source"]) if r["source"] in labels else 99)
    ]
    return {
        "by_source": by_source,
        "planned": sum((r["planned"] for r in by_source), Decimal("0")),
        "received": sum((r["received"] for r in by_source), Decimal("0")),
    }


def programme_funding(programme) -> dict:
    return funding_totals(FundingLine.objects.filter(project__programme=programme))


def division_funding(division: Division, user=None) -> dict:
    lines = FundingLine.objects.filter(project__division__path__startswith=division.path)
    if user is not None:
        lines = lines.filter(project__in=Project.objects.for_user(user).values("pk"))
    return funding_totals(lines)


# --- dig once ("最多改一次") --------------------------------------------------------------------------


def _zone_key(zone: str) -> str:
    return "".join(zone.split()).casefold()


@dataclass
class DigConflict:
    zone: str
    first: UtilityWork
    second: UtilityWork

    @property
    def gap_days(self) -> int:
        """Days the ground lies closed between the two digs."""
        return (self.second.window_start - self.first.window_end).days


@dataclass
class DigZone:
    zone: str
    works: list[UtilityWork]
    start: date
    end: date
    conflicts: list[DigConflict]

    @property
    def common_window(self) -> tuple[date, date] | None:
        """The days every work's window shares (None: no single window holds them all)."""
        start = max(w.window_start for w in self.works)
        end = min(w.window_end for w in self.works)
        return (start, end) if start <= end else None


def dig_zones(works: Iterable[UtilityWork]) -> list[DigZone]:
    """Group utility works by zone and find the pairs that would dig the same ground twice.

    Two works in one zone conflict when their windows do not overlap: the trench is filled between
    them and opened again. Overlapping windows share one dig (the trench stays open throughout).
    Zones compare ignoring spaces and case ("3栋北侧" == "3栋 北侧").
    """
    groups: dict[str, list[UtilityWork]] = defaultdict(list)
    for w in works:
        groups[_zone_key(w.zone)].append(w)
    zones = []
    for items in groups.values():
        items.sort(key=lambda w: (w.window_start, w.window_end, w.pk or 0))
        conflicts = []
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                if b.window_start > a.window_end:
                    conflicts.append(DigConflict(zone=a.zone, first=a, second=b))
        zones.append(
            DigZone(
                zone=items[0].zone,
                works=items,
                start=min(w.window_start for w in items),
                end=max(w.window_end for w in items),
                conflicts=conflicts,
            )
        )
    zones.sort(key=lambda z: (z.start, z.zone))
    return zones


def dig_conflicts(project: Project) -> list[DigConflict]:
    works = project.utility_works.select_related("party")
    return [c for z in dig_zones(works) for c in z.conflicts]


def dig_calendar(zones: list[DigZone]) -> dict:
    """Rows for the consolidated dig calendar: each work as a bar (offset and width in percent of the
    whole span), zone by zone."""
    if not zones:
        return {"rows": [], "start": None, "end": None, "months": []}
    start = min(z.start for z in zones)
    end = max(z.end for z in zones)
    span = max((end - start).days + 1, 1)
    rows = []
    for z in zones:
        conflicted = {c.first.pk for c in z.conflicts} | {c.second.pk for c in z.conflicts}
        for w in z.works:
            rows.append(
                {
                    "zone": z.zone,
                    "work": w,
                    "left": round((w.window_start - start).days * 100 / span, 2),
                    "width": max(round(((w.window_end - w.window_start).days + 1) * 100 / span, 2), 1),
                    "conflict": w.pk in conflicted,
                }
            )
    months = []
    d = start.replace(day=1)
    while d <= end:
        left = max((d - start).days, 0) * 100 / span
        months.append({"label": f"{d.year}-{d.month:02d}", "left": round(left, 2)})
        d = d.replace(year=d.year + (d.month == 12), month=d.month % 12 + 1)
    return {"rows": rows, "start": start, "end": end, "months": months}


# --- Party branches ----------------------------------------------------------------------------------


@transaction.atomic
def setup_branch(
    *,
    user,
    name: str,
    kind: str = BranchKind.TEMPORARY,
    project: Project | None = None,
    division: Division | None = None,
    compounds: Iterable[Compound] | None = None,
    established_on: date | None = None,
    dissolved_on: date | None = None,
    note: str = "",
) -> PartyBranch:
    """The street sets up a temporary branch on a project, or a joint branch over several compounds
    (recording one that was already dissolved is allowed: a branch from before the platform)."""
    if kind == BranchKind.TEMPORARY:
        if project is None:
            raise DomainError(_("A temporary branch is set up on a project."), field="project")
        require_edit(project, user)
        division = project.division
        compounds = list(project.compounds.all())
    else:
        if division is None:
            raise DomainError(
                _("Say which street or community the joint branch belongs to."), field="division"
            )
        if not get_scope(user).can_edit(division.path):
            raise Forbidden(_("You may not set up branches in %(division)s.") % {"division": division.name})
        compounds = _check_compounds(division, compounds or [])
        if project is not None:
            require_edit(project, user)
    branch = PartyBranch(
        kind=kind,
        name=name,
        project=project,
        division=division,
        established_on=established_on or timezone.localdate(),
        dissolved_on=dissolved_on,
        note=note,
    )
    if branch.dissolved_on and branch.dissolved_on < branch.established_on:
        raise DomainError(_("The branch cannot be dissolved before it was set up."), field="dissolved_on")
    branch.full_clean(exclude=["compounds"])
    branch.save()
    branch.compounds.set(compounds)
    return branch


BRANCH_FIELDS = ("name", "established_on", "dissolved_on", "note")


@transaction.atomic
def update_branch(
    branch: PartyBranch, *, user, compounds: Iterable[Compound] | None = None, **fields
) -> PartyBranch:
    """Edit a branch. Kind, project and division are fixed at set-up; a temporary branch's compounds
    follow its project's (change them on the project), a joint branch's are chosen here."""
    require_edit(branch, user)
    for name, value in fields.items():
        if name not in BRANCH_FIELDS:
            label = PartyBranch._meta.get_field(name).verbose_name if hasattr(PartyBranch, name) else name
            raise DomainError(
                _("%(field)s cannot be changed after the branch is set up.") % {"field": label}, field=name
            )
        setattr(branch, name, value)
    if branch.dissolved_on and branch.dissolved_on < branch.established_on:
        raise DomainError(_("The branch cannot be dissolved before it was set up."), field="dissolved_on")
    branch.full_clean(exclude=["compounds"])
    branch.save()
    if compounds is not None:
        compounds = list(compounds)
        if branch.kind == BranchKind.TEMPORARY:
            if {c.pk for c in compounds} != set(branch.compounds.values_list("pk", flat=True)):
                raise DomainError(
                    _("A temporary branch covers its project's compounds: change them on the project."),
                    field="compounds",
                )
        else:
            branch.compounds.set(_check_compounds(branch.division, compounds))
    return branch


MEMBER_FIELDS = (
    "name",
    "organization",
    "party_organization",
    "role",
    "phone",
    "public_contact",
    "joined_on",
    "user",
)


@transaction.atomic
def add_member(branch: PartyBranch, user, *, person=None, **fields) -> BranchMember:
    """A member joins from any unit and keeps their original organisation (组织关系不转)."""
    require_edit(branch, user)
    if person is not None:
        fields.setdefault("name", person.name)
        fields.setdefault("phone", person.phone)
        fields.setdefault("organization", person.employer)
        fields.setdefault("party_organization", person.party_organization)
    role = fields.get("role", MemberRole.MEMBER)
    if role in (MemberRole.SECRETARY, MemberRole.FIRST_SECRETARY):
        taken = branch.members.filter(role=role).first()
        if taken is not None:
            raise Conflict(
                _("The branch already has a %(role)s: %(name)s.")
                % {"role": MemberRole(role).label, "name": taken.name},
                field="role",
            )
    member = BranchMember(branch=branch, person=person, **fields)
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def groups_per_building(branch: PartyBranch, user) -> list:
    """One Party group for every building of the branch's compounds that has none yet (楼栋党小组);
    leaders and members are then chosen group by group."""
    from .models import PartyGroup

    require_edit(branch, user)
    have = set(branch.groups.exclude(building=None).values_list("building_id", flat=True))
    buildings = (
        Building.objects.filter(compound__in=branch.compounds.all())
        .exclude(pk__in=have)
        .select_related("compound")
        .order_by("compound__name", "name", "pk")
    )
    several = branch.compounds.count() > 1
    groups = [
        PartyGroup(
            branch=branch,
            building=b,
            name=_("%(building)s Party group")
            % {"building": f"{b.compound.name}{b.name}" if several else b.name},
        )
        for b in buildings
    ]
    return PartyGroup.objects.bulk_create(groups)


def member_rank():
    """Secretary, first secretary, committee, then members (the order people expect on a roster)."""
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        *(When(role=role, then=Value(i)) for i, role in enumerate(MemberRole.values)),
        default=Value(len(MemberRole.values)),
        output_field=IntegerField(),
    )


def branch_households(branch: PartyBranch) -> QuerySet[Household]:
    """The households the branch must cover: every household of its compounds."""
    return Household.objects.filter(building__compound__in=branch.compounds.all())


@transaction.atomic
def bulk_assign(
    branch: PartyBranch,
    member: BranchMember,
    user,
    *,
    building: Building | None = None,
    unit: str | None = None,
    households: Iterable[int] | None = None,
    reassign: bool = False,
) -> dict:
    """Assign a building (or one unit of it, or listed households) to one member in one statement.

    Households already assigned to someone else keep their member unless `reassign`; the answer
    says how many were assigned, moved and left alone.
    """
    require_edit(branch, user)
    if member.branch_id != branch.pk:
        raise DomainError(_("The member belongs to another branch."), field="member")
    targets = branch_households(branch)
    if building is not None:
        if not branch.compounds.filter(pk=building.compound_id).exists():
            raise DomainError(_("The building is not in the branch's compounds."), field="building")
        targets = targets.filter(building=building)
        if unit:
            targets = targets.filter(unit=unit)
            if not targets.exists():
                raise DomainError(
                    _("%(building)s has no unit %(unit)s.") % {"building": building.name, "unit": unit},
                    field="unit",
                )
    elif households is not None:
        ids = {int(h) for h in households}
        targets = targets.filter(pk__in=ids)
        if targets.count() != len(ids):
            raise DomainError(_("Some households are not in the branch's compounds."), field="households")
    else:
        raise DomainError(_("Choose a building (and unit) or households."), field="building")
    target_ids = list(targets.values_list("pk", flat=True))
    existing = HouseholdAssignment.objects.filter(branch=branch, household_id__in=target_ids)
    moved = 0
    if reassign:
        moved = existing.exclude(member=member).update(member=member)
    already = set(existing.values_list("household_id", flat=True))
    new = [
        HouseholdAssignment(branch=branch, household_id=h, member=member)
        for h in target_ids
        if h not in already
    ]
    HouseholdAssignment.objects.bulk_create(new, ignore_conflicts=True)
    return {
        "assigned": len(new),
        "moved": moved,
        "unchanged": len(target_ids) - len(new) - moved,
        "total": len(target_ids),
    }


def _percent(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


@dataclass
class Coverage:
    total: int
    assigned: int
    by_building: list[dict]
    by_member: list[dict]

    @property
    def unassigned(self) -> int:
        return self.total - self.assigned

    @property
    def percent(self) -> Decimal:
        return _percent(self.assigned, self.total)


def coverage(branch: PartyBranch) -> Coverage:
    """How many of the branch's households are assigned, per building and per member (3 queries)."""
    assigned_here = Q(branch_assignments__branch=branch)
    rows = (
        branch_households(branch)
        .order_by()
        .values("building_id", "building__name", "building__compound__name")
        .annotate(
            total=Count("pk", distinct=True), assigned=Count("branch_assignments", filter=assigned_here)
        )
        .order_by("building__compound__name", "building__name")
    )
    by_building = [
        {
            "building_id": r["building_id"],
            "building": r["building__name"],
            "compound": r["building__compound__name"],
            "total": r["total"],
            "assigned": r["assigned"],
            "unassigned": r["total"] - r["assigned"],
            "percent": _percent(r["assigned"], r["total"]),
        }
        for r in rows
    ]
    members = branch.members.annotate(household_count=Count("assignments")).order_by(
        member_rank(), "name", "pk"
    )
    by_member = [{"member": m, "households": m.household_count} for m in members]
    total = sum(r["total"] for r in by_building)
    assigned = sum(r["assigned"] for r in by_building)
    return Coverage(total=total, assigned=assigned, by_building=by_building, by_member=by_member)


def unassigned_households(branch: PartyBranch) -> QuerySet[Household]:
    return (
        branch_households(branch)
        .exclude(branch_assignments__branch=branch)
        .select_related("building", "building__compound")
        .order_by("building__compound__name", "building__name", "unit", "floor", "room")
    )


def contractor_party(project: Project, user) -> ProjectParty | None:
    return project.parties.filter(users=user).first()


# --- contact phones of members and parties -----------------------------------------------------------


def sees_contact_phones(user) -> bool:
    """Branch members and parties' responsible persons are the project's working contacts: staff whose
    role may see unmasked personal data (settings.UNMASKED_ROLES) see their phones in full, so they
    can call them; everyone else sees them masked."""
    return get_scope(user).sees_unmasked


def record_contact_phones_shown(user, object_type: str, objects: Iterable, request=None) -> None:
    """Log that full phones were shown (one access-log row per page or API answer), like any other
    reveal of personal data. Nothing is logged when no phone was shown."""
    from communities import access
    from communities.models import AccessLog

    ids = [o.pk for o in objects if getattr(o, "phone", "")]
    if not ids:
        return
    access.record(
        user=user,
        action=AccessLog.Action.REVEAL,
        object_type=object_type,
        object_ids=ids,
        fields="phone",
        reason=_("working contact"),
        request=request,
    )


def contractor_candidates(project: Project):
    """Contractor accounts that may act for a party of `project`: those registered in the project's
    district (a contractor of another district is neither listed nor accepted)."""
    from django.contrib.auth import get_user_model

    path = project.division.path
    prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
    district = Division.objects.filter(level=DivisionLevel.DISTRICT, path__in=prefixes).first()
    root = district.path if district else path
    return (
        get_user_model()
        .objects.filter(roles__role=Role.CONTRACTOR, roles__division__path__startswith=root)
        .distinct()
        .order_by("username")
    )

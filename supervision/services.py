"""Writes that carry the supervision rules. Every function is atomic, takes the acting user, checks the
user may act (supervision.permissions) and raises a DomainError a person can read.

Acceptance ("该返工的返工，该整改的整改，直到满意度达标为止"):
    schedule_round -> record_panel_verdict -> open_satisfaction_survey -> close_round
        passed: project accepted -> file_acceptance (15-day deadline) -> hand_over (project maintained)
        failed: project in rework -> rectification orders -> all verified -> schedule_round again
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.errors import Conflict, DomainError
from communities.photos import validate_and_resize
from communities.scoping import get_scope
from projects.gates import listing

from . import permissions as perms
from .choices import (
    OPEN_RECTIFICATION_STATUSES,
    RECTIFICATION_TRANSITIONS,
    InspectionResult,
    InspectorKind,
    PanelRole,
    PhotoKind,
    RectificationSource,
    RectificationStatus,
    RoundStatus,
    Verdict,
)
from .models import (
    AcceptanceRound,
    Dispute,
    Inspection,
    PanelMember,
    Photo,
    ProgressReport,
    Rectification,
    Reminder,
    SupervisionTeam,
    SupervisionTeamMember,
    SurveyBallot,
)

log = logging.getLogger(__name__)

FILING_DAYS = getattr(settings, "SUPERVISION_FILING_DAYS", 15)
# a project is "behind schedule" when its progress trails the share of time elapsed by more than this
BEHIND_TOLERANCE = getattr(settings, "SUPERVISION_BEHIND_TOLERANCE", 5)
DEFAULT_SATISFACTION_THRESHOLD = Decimal("90")


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise Forbidden(message)


def _transition_project(project, to_status: str, user, note: str = "") -> None:
    """Move the project through its lifecycle with the projects service (audited there)."""
    from projects import services as project_services

    project_services.transition_project(project, to_status, user=user, note=note, by_acceptance=True)


# --- who sits for residents ---------------------------------------------------------------------------

# the units that build, design, supervise or supply the works: their staff never sit for residents
CONTRACTOR_PARTY_ROLES = ("design", "construction", "supervision", "utility")


def _norm(text: str) -> str:
    return "".join((text or "").split()).casefold()


def _same_unit(organization: str, unit: str) -> bool:
    """One names the other (江西建工 / 江西建工第三建筑有限公司), ignoring spaces and case; short
    words (under 4 characters) must match exactly."""
    a, b = _norm(organization), _norm(unit)
    if not a or not b:
        return False
    if a == b:
        return True
    return min(len(a), len(b)) >= 4 and (a in b or b in a)


def contractor_tie(
    project, *, name: str = "", organization: str = "", phone: str = "", user=None
) -> str | None:
    """Why this person may not sit for residents on `project` (resident supervision team, resident
    representative on the acceptance panel): they work for, or act for, a unit of the works. None: no
    tie found. Matched on the account (a contractor account, or one acting for a party), the unit
    they work for, and the party's responsible person (name or phone)."""
    from communities.choices import Role

    who = name or (user.display_name if user is not None else "")
    parties = [p for p in project.parties.all() if p.role in CONTRACTOR_PARTY_ROLES]
    for party in parties:
        unit = _("%(unit)s (%(role)s)") % {"unit": party.name, "role": party.get_role_display()}
        tied = (
            (user is not None and user.pk is not None and any(u.pk == user.pk for u in party.users.all()))
            or _same_unit(organization, party.name)
            or (name and party.contact_person and _norm(name) == _norm(party.contact_person))
            or (phone and party.phone and _norm(phone) == _norm(party.phone))
        )
        if tied:
            return _("%(who)s works for %(unit)s: contractors' staff cannot sit for residents.") % {
                "who": who,
                "unit": unit,
            }
    if user is not None and user.pk is not None and get_scope(user).has_role(Role.CONTRACTOR):
        return _("%(who)s has a contractor's account: contractors' staff cannot sit for residents.") % {
            "who": who
        }
    return None


def _refuse_contractor(project, **who) -> None:
    tie = contractor_tie(project, **who)
    if tie:
        raise DomainError(tie, code="contractor_staff")


# --- team ---------------------------------------------------------------------------------------------


@transaction.atomic
def create_team(*, user, project, name: str = "", note: str = "") -> SupervisionTeam:
    _require(perms.can_manage_team(user, project), _("Only staff over the project may set up its team."))
    try:
        # the one-to-one on project decides (two set-ups at once: one wins, the other is told so)
        with transaction.atomic():
            return SupervisionTeam.objects.create(
                project=project,
                name=name or _("%(project)s resident supervision team") % {"project": project},
                note=note,
            )
    except IntegrityError as exc:
        raise Conflict(_("This project already has a resident supervision team.")) from exc


def _branch_on_project(branch, project) -> bool:
    """A Party branch works on a project when it was set up for it or covers one of its compounds."""
    return branch.project_id == project.pk or (
        branch.compounds.filter(pk__in=project.compounds.values("pk")).exists()
    )


@transaction.atomic
def add_team_member(
    *, user, team: SupervisionTeam, person=None, branch_member=None, role: str = "member", account=None
) -> SupervisionTeamMember:
    project = team.project
    _require(perms.can_manage_team(user, project), _("Only staff over the project may change its team."))
    if (person is None) == (branch_member is None):
        raise DomainError(_("A supervisor is either a resident or a Party member of the branch."))
    if person is not None:
        paths = [
            project.division.path,
            *(c.division.path for c in project.compounds.select_related("division")),
        ]
        if not any(person.division.path.startswith(p) for p in paths):
            raise DomainError(_("%(name)s is not registered in the project's area.") % {"name": person.name})
    if branch_member is not None:
        if not _branch_on_project(branch_member.branch, project):
            raise DomainError(
                _("%(name)s is not a member of a Party branch on this project.")
                % {"name": branch_member.name}
            )
        if account is None:
            account = branch_member.user
    if person is not None:
        _refuse_contractor(
            project, name=person.name, organization=person.employer, phone=person.phone, user=account
        )
    else:
        _refuse_contractor(
            project,
            name=branch_member.name,
            organization=branch_member.organization,
            phone=branch_member.phone,
            user=account,
        )
    try:
        with transaction.atomic():
            return SupervisionTeamMember.objects.create(
                team=team, person=person, branch_member=branch_member, role=role, user=account
            )
    except IntegrityError as exc:
        raise Conflict(_("This person is already on the team.")) from exc


def own_branch_member(user, project):
    """The user's own membership of a Party branch working on `project` (None: they have none)."""
    from projects.models import BranchMember

    return (
        BranchMember.objects.filter(user=user)
        .filter(Q(branch__project=project) | Q(branch__compounds__in=project.compounds.all()))
        .select_related("branch")
        .order_by("-branch__established_on", "pk")
        .first()
    )


@transaction.atomic
def join_team(*, user, team: SupervisionTeam) -> SupervisionTeamMember:
    """A Party member of a branch on the project (a grid worker, a secretary) joins its resident
    supervision team with their own account, to record inspections as the team."""
    project = team.project
    _require(perms.can_manage_team(user, project), _("You may not join this project's team."))
    member = own_branch_member(user, project)
    if member is None:
        raise DomainError(
            _("Only Party members of a branch on this project join as themselves: ask the branch to add you.")
        )
    if team.members.filter(Q(branch_member=member) | Q(user=user)).exists():
        raise Conflict(_("You are already on the team."))
    _refuse_contractor(
        project, name=member.name, organization=member.organization, phone=member.phone, user=user
    )
    return SupervisionTeamMember.objects.create(team=team, branch_member=member, role="member", user=user)


@transaction.atomic
def remove_team_member(*, user, member: SupervisionTeamMember) -> None:
    project = member.team.project
    _require(perms.can_manage_team(user, project), _("Only staff over the project may change its team."))
    # inspections they recorded stay (their supervisor link is cleared by the foreign key)
    member.delete()


def team_candidates(*, user, project, query: str = "", limit: int = 20):
    """Residents of the project's compounds (owners, tenants, registered there) matching `query`, and the
    Party members of branches on the project, for the team page. Both lists leave out current members."""
    from communities.models import Person
    from projects.models import BranchMember

    team = SupervisionTeam.objects.filter(project=project).first()
    taken_people = set()
    taken_members = set()
    if team is not None:
        for person_id, member_id in team.members.values_list("person_id", "branch_member_id"):
            taken_people.add(person_id)
            taken_members.add(member_id)
    residents = Person.objects.none()
    query = (query or "").strip()
    if query:
        compounds = list(project.compounds.select_related("division"))
        where = Q(ownerships__household__building__compound__in=compounds)
        for compound in compounds:
            where |= Q(division__path__startswith=compound.division.path)
        match = Q(name__contains=query)
        # the last 4 digits (what masked numbers show); longer suffixes only for roles that see full
        # numbers, or a masked role could rebuild a number digit by digit
        if query.isdigit() and (len(query) == 4 or get_scope(user).sees_unmasked):
            match |= Q(phone__endswith=query)
        residents = (
            Person.objects.for_user(user)
            .filter(where, match, is_organization=False)
            .exclude(pk__in=taken_people)
            .select_related("division")
            .distinct()
            .order_by("-is_party_member", "name", "pk")[:limit]
        )
    branch_members = (
        BranchMember.objects.filter(
            Q(branch__project=project) | Q(branch__compounds__in=project.compounds.all())
        )
        .exclude(pk__in=taken_members)
        .select_related("branch", "user")
        .distinct()
        .order_by("branch__name", "name", "pk")[:100]
    )
    # a candidate who works for a unit of the works is not offered (the service would refuse them)
    project = type(project).objects.prefetch_related("parties__users").get(pk=project.pk)
    branch_members = [
        m
        for m in branch_members
        if not contractor_tie(project, name=m.name, organization=m.organization, phone=m.phone, user=m.user)
    ]
    residents = [
        p
        for p in residents
        if not contractor_tie(project, name=p.name, organization=p.employer, phone=p.phone)
    ]
    return residents, branch_members


# --- photos -------------------------------------------------------------------------------------------


def add_photo(
    *,
    user,
    project,
    upload,
    kind: str = PhotoKind.DURING,
    caption: str = "",
    inspection: Inspection | None = None,
    progress_report: ProgressReport | None = None,
    rectification: Rectification | None = None,
    is_public: bool | None = None,
    taken_on: date | None = None,
) -> Photo:
    """Validate (type, size), resize and store one photo. Nothing is stored when it is refused."""
    for parent in (inspection, progress_report, rectification):
        if parent is not None and parent.project_id != project.pk:
            raise DomainError(_("The photo is attached to a record of another project."), field="project")
    if rectification is not None:
        # evidence for an order comes from those who work on it or verify it, not any unit on site
        allowed = perms.can_work_on_order(user, rectification) or perms.can_verify_order(user, rectification)
    else:
        allowed = perms.can_inspect(user, project) or perms.can_report_progress(user, project)
    if not allowed:
        raise Forbidden(_("You may not add photos to this project."))
    if kind == PhotoKind.EVIDENCE and rectification is None:
        raise DomainError(_("An evidence photo belongs to a rectification order."), field="rectification")
    image = upload if getattr(upload, "_validated_photo", False) else _validated(upload)
    if is_public is None:
        # the works themselves may be shown to residents; inspection and evidence photos stay internal
        is_public = (
            kind in (PhotoKind.BEFORE, PhotoKind.AFTER) and inspection is None and rectification is None
        )
    photo = Photo(
        project=project,
        kind=kind,
        caption=caption,
        inspection=inspection,
        progress_report=progress_report,
        rectification=rectification,
        is_public=is_public,
        taken_on=taken_on or timezone.localdate(),
        uploaded_by=user,
    )
    photo.image.save(image.name, image, save=False)
    try:
        with transaction.atomic():
            photo.save()
    except Exception:
        photo.image.delete(save=False)
        raise
    return photo


def _validated(upload):
    try:
        image = validate_and_resize(upload)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], code=exc.code or "invalid", field="photos") from exc
    image._validated_photo = True
    return image


@transaction.atomic
def add_photos(*, uploads, **kwargs) -> list[Photo]:
    """Several photos of one kind at once (the project page's upload): all are checked before any is
    stored, so a refused file leaves nothing behind, neither rows nor files."""
    return _add_photos(uploads, **kwargs)


def _add_photos(uploads, **kwargs) -> list[Photo]:
    # check every photo before storing any, so a bad one leaves nothing behind
    images = [_validated(u) for u in uploads or []]
    return [add_photo(upload=image, **kwargs) for image in images]


# --- inspections --------------------------------------------------------------------------------------


@dataclass
class OrderSpec:
    """One problem to fix, as given with an inspection or a failed acceptance round."""

    description: str
    responsible_party: object
    deadline: date
    severity: str = "major"
    work_item: object = None


def _inspector_kind(user, project) -> str:
    if perms.is_team_member(user, project):
        return InspectorKind.TEAM
    if perms.acts_for_supervision_company(user, project):
        return InspectorKind.SUPERVISION_COMPANY
    if perms.is_area_staff(user, project):
        return InspectorKind.GOVERNMENT
    return InspectorKind.BRANCH


@transaction.atomic
def record_inspection(
    *,
    user,
    project,
    findings: str,
    result: str,
    work_item=None,
    inspected_on: date | None = None,
    inspector_kind: str | None = None,
    photos=(),
    orders: list[OrderSpec] = (),
) -> Inspection:
    _require(perms.can_inspect(user, project), _("You may not record inspections on this project."))
    if work_item is not None and work_item.project_id != project.pk:
        raise DomainError(_("The work item belongs to another project."), field="work_item")
    inspected_on = inspected_on or timezone.localdate()
    if inspected_on > timezone.localdate():
        raise DomainError(_("An inspection cannot be dated in the future."), field="inspected_on")
    if result not in InspectionResult.values:
        raise DomainError(_("Choose a result."), field="result")
    if result == InspectionResult.PASS and orders:
        raise DomainError(_("An inspection that passed raises no rectification orders."))
    own_kind = _inspector_kind(user, project)
    # staff may enter an inspection made by others (paper forms); everyone else records their own
    kind = inspector_kind if inspector_kind and perms.is_area_staff(user, project) else own_kind
    team_member = (
        SupervisionTeamMember.objects.filter(team__project=project, user=user).first()
        if kind == InspectorKind.TEAM
        else None
    )
    inspection = Inspection.objects.create(
        project=project,
        work_item=work_item,
        inspector_kind=kind,
        team_member=team_member,
        inspected_on=inspected_on,
        findings=findings.strip(),
        result=result,
        recorded_by=user,
    )
    _add_photos(photos, user=user, project=project, kind=PhotoKind.DURING, inspection=inspection)
    for spec in orders:
        _create_order(
            user=user,
            project=project,
            spec=spec,
            source=RectificationSource.INSPECTION,
            inspection=inspection,
        )
    return inspection


# --- progress -----------------------------------------------------------------------------------------


def progress_reason_needed(work_item, percent: int, reported_on: date) -> str | None:
    """Why a progress report needs a reason (kept with it), or None: lower than the last report, or
    finished before the work item's planned start. Not refused: progress can be corrected, but never
    silently (issue 10)."""
    why = []
    # the report before this one in time (a late entry of an older report is compared with its own past)
    last = (
        ProgressReport.objects.filter(work_item=work_item, reported_on__lte=reported_on)
        .order_by("-reported_on", "-pk")
        .first()
    )
    if last is not None and int(percent) < last.percent:
        why.append(
            _("it is lower than the last report (%(p)s%% on %(d)s)")
            % {"p": last.percent, "d": last.reported_on.isoformat()}
        )
    if int(percent) == 100 and work_item.planned_start and reported_on < work_item.planned_start:
        why.append(
            _("it reports the work finished before its planned start (%(d)s)")
            % {"d": work_item.planned_start.isoformat()}
        )
    if not why:
        return None
    return _("Give the reason for this report: %(why)s.") % {"why": listing(why)}


@transaction.atomic
def report_progress(
    *,
    user,
    work_item,
    percent: int,
    reported_on: date | None = None,
    note: str = "",
    party=None,
    photos=(),
    reason: str = "",
) -> ProgressReport:
    from projects.models import WorkItem

    # one report at a time per work item: the item's progress is re-read from the latest report below,
    # and two reports committing together would otherwise each miss the other's
    work_item = WorkItem.objects.select_for_update().select_related("project__division").get(pk=work_item.pk)
    project = work_item.project
    _require(perms.can_report_progress(user, project), _("You may not report progress on this project."))
    reported_on = reported_on or timezone.localdate()
    if reported_on > timezone.localdate():
        raise DomainError(_("A progress report cannot be dated in the future."), field="reported_on")
    if not 0 <= int(percent) <= 100:
        raise DomainError(_("Progress is a percentage from 0 to 100."), field="percent")
    own = perms.party_ids_of(user, project)
    if party is None and own:
        party = project.parties.get(pk=min(own))
    if party is not None and party.project_id != project.pk:
        raise DomainError(_("The party belongs to another project."), field="party")
    if party is not None and own and party.pk not in own and not perms.is_staff_on(user, project):
        raise Forbidden(_("You may only report for your own unit."))
    if int(percent) > 0:
        # an elevator retrofit's works wait for its unit's owners, even one added after construction began
        from consultations.ballots.services import elevator_item_refusal

        refusal = elevator_item_refusal(work_item)
        if refusal:
            raise Conflict(refusal, code="elevator_ballot", field="work_item")
    reason = (reason or "").strip()
    needed = progress_reason_needed(work_item, int(percent), reported_on)
    if needed and not reason:
        raise DomainError(needed, code="reason_needed", field="reason")
    report = ProgressReport.objects.create(
        project=project,
        work_item=work_item,
        party=party,
        reported_on=reported_on,
        percent=int(percent),
        note=note,
        reason=reason[:500] if needed else "",
        reported_by=user,
    )
    _add_photos(photos, user=user, project=project, kind=PhotoKind.DURING, progress_report=report)
    refresh_work_item_progress(work_item, user)
    return report


def refresh_work_item_progress(work_item, user) -> int:
    """A work item's progress is its latest report's (by date, then by entry); it is set through the
    projects service, which also derives the project's progress from its work items."""
    from projects.services import set_work_item_progress

    latest = (
        ProgressReport.objects.filter(work_item=work_item)
        .order_by("-reported_on", "-pk")
        .values("percent")
        .first()
    )
    value = latest["percent"] if latest else 0
    if work_item.progress != value:
        set_work_item_progress(work_item, value, user, from_reports=True)
    return value


@dataclass(frozen=True)
class ScheduleStatus:
    progress: int | None  # percent of the works done (from the work items)
    expected: int | None  # percent of the planned time elapsed
    behind: bool

    @property
    def gap(self) -> int | None:
        if self.progress is None or self.expected is None:
            return None
        return self.expected - self.progress


def expected_progress(start: date | None, end: date | None, today: date | None = None) -> int | None:
    if start is None or end is None:
        return None
    today = today or timezone.localdate()
    if today <= start:
        return 0
    if today >= end or end == start:
        return 100
    return ((today - start).days * 100) // (end - start).days


def project_progress(project) -> int | None:
    """The project's progress as the projects app derives it from its work items."""
    value = getattr(project, "progress", None)
    if callable(value):
        value = value()
    return None if value is None else int(value)


def schedule_status(project, today: date | None = None, progress: int | None = None) -> ScheduleStatus:
    from projects.choices import ProjectStatus

    progress = project_progress(project) if progress is None else progress
    expected = expected_progress(project.planned_start, project.planned_end, today)
    building = project.status in (ProjectStatus.UNDER_CONSTRUCTION, ProjectStatus.REWORK)
    behind = bool(
        building and progress is not None and expected is not None and progress + BEHIND_TOLERANCE < expected
    )
    return ScheduleStatus(progress=progress, expected=expected, behind=behind)


# --- rectification orders -----------------------------------------------------------------------------


def _create_order(*, user, project, spec: OrderSpec, source: str, inspection=None, acceptance_round=None):
    party = spec.responsible_party
    if party is None or party.project_id != project.pk:
        raise DomainError(_("Choose a responsible party of this project."), field="responsible_party")
    if spec.work_item is not None and spec.work_item.project_id != project.pk:
        raise DomainError(_("The work item belongs to another project."), field="work_item")
    if not (spec.description or "").strip():
        raise DomainError(_("Say what must be fixed."), field="description")
    if spec.deadline is None or spec.deadline < timezone.localdate():
        raise DomainError(_("The deadline must be today or later."), field="deadline")
    return Rectification.objects.create(
        project=project,
        source=source,
        inspection=inspection,
        acceptance_round=acceptance_round,
        work_item=spec.work_item,
        responsible_party=party,
        description=spec.description.strip(),
        severity=spec.severity,
        deadline=spec.deadline,
        created_by=user,
    )


@transaction.atomic
def raise_rectification(
    *, user, project, spec: OrderSpec, inspection: Inspection | None = None, acceptance_round=None
) -> Rectification:
    """A new order, from an inspection (with problems) or from a failed acceptance round."""
    if acceptance_round is not None:
        _require(
            perms.can_run_acceptance(user, project),
            _("Only the street may turn acceptance results into rectification orders."),
        )
        if acceptance_round.project_id != project.pk:
            raise DomainError(_("The acceptance round belongs to another project."))
        # the project row is what schedule_round locks: an order raised while the next round is being
        # scheduled either lands before it (and blocks it) or sees that round and is refused
        from projects.models import Project

        Project.objects.select_for_update().filter(pk=project.pk).first()
        acceptance_round = AcceptanceRound.objects.get(pk=acceptance_round.pk)
        if acceptance_round.status != RoundStatus.FAILED:
            raise Conflict(_("Only a failed acceptance round raises rectification orders."))
        if AcceptanceRound.objects.filter(project=project, number__gt=acceptance_round.number).exists():
            raise Conflict(_("A later round has been held: raise new orders from that round."))
        return _create_order(
            user=user,
            project=project,
            spec=spec,
            source=RectificationSource.ACCEPTANCE,
            acceptance_round=acceptance_round,
        )
    _require(perms.can_inspect(user, project), _("You may not raise rectification orders on this project."))
    if inspection is None:
        raise DomainError(_("A rectification order comes from an inspection or a failed acceptance round."))
    if inspection.project_id != project.pk:
        raise DomainError(_("The inspection belongs to another project."))
    if inspection.result != InspectionResult.PROBLEMS:
        raise Conflict(_("This inspection found no problems."))
    return _create_order(
        user=user, project=project, spec=spec, source=RectificationSource.INSPECTION, inspection=inspection
    )


def _lock(order: Rectification) -> Rectification:
    return (
        Rectification.objects.select_for_update()
        .select_related("project__division", "responsible_party")
        .get(pk=order.pk)
    )


def _move(order: Rectification, to: str) -> None:
    if to not in RECTIFICATION_TRANSITIONS.get(order.status, ()):
        raise Conflict(
            _("A rectification order that is %(status)s cannot be moved to %(to)s.")
            % {"status": order.get_status_display(), "to": RectificationStatus(to).label}
        )
    order.status = to


@transaction.atomic
def start_rectification(*, user, order: Rectification) -> Rectification:
    order = _lock(order)
    _require(perms.can_work_on_order(user, order), _("Only the responsible party works on this order."))
    _move(order, RectificationStatus.IN_PROGRESS)
    order.save(update_fields=["status", "updated_at"])
    return order


@transaction.atomic
def submit_rectification(*, user, order: Rectification, response: str, photos=()) -> Rectification:
    order = _lock(order)
    _require(perms.can_work_on_order(user, order), _("Only the responsible party works on this order."))
    _move(order, RectificationStatus.SUBMITTED)
    if not (response or "").strip():
        raise DomainError(_("Say what was done."), field="response")
    _add_photos(photos, user=user, project=order.project, kind=PhotoKind.EVIDENCE, rectification=order)
    if not order.photos.filter(kind=PhotoKind.EVIDENCE).exists():
        raise DomainError(_("Attach at least one photo showing the fix."), field="photos")
    order.response = response.strip()
    order.submitted_at = timezone.now()
    order.save(update_fields=["status", "response", "submitted_at", "updated_at"])
    return order


@transaction.atomic
def verify_rectification(*, user, order: Rectification) -> Rectification:
    order = _lock(order)
    _require(perms.can_verify_order(user, order), _("Only staff or the supervision company verify the fix."))
    _move(order, RectificationStatus.VERIFIED)
    order.verified_at = timezone.now()
    order.verified_by = user
    order.save(update_fields=["status", "verified_at", "verified_by", "updated_at"])
    return order


@transaction.atomic
def reject_rectification(*, user, order: Rectification, reason: str) -> Rectification:
    order = _lock(order)
    _require(perms.can_verify_order(user, order), _("Only staff or the supervision company verify the fix."))
    if order.status != RectificationStatus.SUBMITTED:
        raise Conflict(_("Only submitted work can be rejected."))
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for sending the order back."), field="reason")
    _move(order, RectificationStatus.IN_PROGRESS)
    order.rejection_reason = reason.strip()
    order.rejection_count += 1
    order.save(update_fields=["status", "rejection_reason", "rejection_count", "updated_at"])
    return order


def send_overdue_reminders(today: date | None = None) -> int:
    """One reminder per overdue order per day, however often this runs. Returns how many were new."""
    today = today or timezone.localdate()
    sent = 0
    overdue = Rectification.objects.overdue(today).select_related("project", "responsible_party")
    for order in overdue.iterator(chunk_size=500):
        days = (today - order.deadline).days
        message = _(
            "Rectification order #%(id)s on %(project)s is %(days)s day(s) overdue (deadline %(deadline)s)."
        ) % {"id": order.pk, "project": order.project.name, "days": days, "deadline": order.deadline}
        _reminder, created = Reminder.objects.get_or_create(
            rectification=order,
            sent_on=today,
            defaults={"party": order.responsible_party, "days_overdue": days, "message": message[:500]},
        )
        if created:
            sent += 1
            log.info(
                "overdue reminder: order=%s party=%s (%s) days=%s",
                order.pk,
                order.responsible_party_id,
                order.responsible_party.name,
                days,
            )
    return sent


# --- acceptance ---------------------------------------------------------------------------------------


def _lock_round(acceptance: AcceptanceRound) -> AcceptanceRound:
    return (
        AcceptanceRound.objects.select_for_update().select_related("project__division").get(pk=acceptance.pk)
    )


def blocking_orders(project):
    """Unverified orders (from inspections or failed rounds) hold back the next acceptance round: works
    are not accepted while known problems are still being fixed."""
    return Rectification.objects.filter(project=project, status__in=OPEN_RECTIFICATION_STATUSES)


@transaction.atomic
def schedule_round(*, user, project, scheduled_on: date, panel: list[dict] = ()) -> AcceptanceRound:
    from projects.choices import ProjectStatus
    from projects.models import Project

    project = Project.objects.select_for_update().select_related("division").get(pk=project.pk)
    _require(perms.can_run_acceptance(user, project), _("Only the street schedules acceptance rounds."))
    rounds = list(AcceptanceRound.objects.filter(project=project).order_by("number"))
    last = rounds[-1] if rounds else None
    if last is not None and last.is_open:
        raise Conflict(_("Round %(n)s is still running.") % {"n": last.number})
    if last is not None and last.status == RoundStatus.PASSED:
        raise Conflict(_("The project has already passed acceptance."))
    if (
        last is not None
        and last.status == RoundStatus.FAILED
        and not last.rectifications.exists()
        and not failed_for_answers_only(last)
    ):
        raise Conflict(
            _("Round %(n)s failed: record its unsatisfied points as rectification orders first.")
            % {"n": last.number}
        )
    waiting = blocking_orders(project).count()
    if waiting:
        raise Conflict(
            _("A new round can start only when every rectification order is verified (%(count)s still open).")
            % {"count": waiting}
        )
    if project.status not in (
        ProjectStatus.UNDER_CONSTRUCTION,
        ProjectStatus.REWORK,
        ProjectStatus.ACCEPTANCE,
    ):
        raise Conflict(
            _("A project that is %(status)s cannot be accepted.") % {"status": project.get_status_display()}
        )
    if project.status != ProjectStatus.ACCEPTANCE:
        _transition_project(
            project, ProjectStatus.ACCEPTANCE, user, note=_("Acceptance round %(n)s") % {"n": len(rounds) + 1}
        )
    acceptance = AcceptanceRound.objects.create(
        project=project, number=len(rounds) + 1, scheduled_on=scheduled_on, created_by=user
    )
    for seat in panel:
        _seat(acceptance, seat)
    return acceptance


SEAT_FIELDS = ("role", "name", "organization", "verdict", "comment", "signed")


def _seat(acceptance: AcceptanceRound, seat: dict) -> PanelMember:
    """One seat on the panel; a resident representative may not work for a unit of the works."""
    seat = {k: v for k, v in seat.items() if k in SEAT_FIELDS}
    if seat.get("role") not in PanelRole.values:
        raise DomainError(_("Say whom the panel member represents."), field="role")
    if not (seat.get("name") or "").strip():
        raise DomainError(_("Name the panel member."), field="name")
    if seat["role"] == PanelRole.RESIDENT:
        _refuse_contractor(acceptance.project, name=seat["name"], organization=seat.get("organization", ""))
    if seat.get("verdict") and seat["verdict"] not in Verdict.values:
        raise DomainError(_("Choose the panel member's opinion."), field="verdict")
    return PanelMember.objects.create(round=acceptance, **seat)


@dataclass
class PanelStatus:
    """The technical panel as seated, against what the rule policy asks (DESIGN.md §7)."""

    seats: list
    missing_roles: list[str]  # labels of the units with no seat
    residents: int
    residents_needed: int
    tied: list[str]  # resident representatives who work for a unit of the works

    @property
    def size(self) -> int:
        return len(self.seats)

    @property
    def majority(self) -> int:
        """Signatures a verdict needs: more than half of the panel."""
        return self.size // 2 + 1

    @property
    def complete(self) -> bool:
        return not self.missing_roles and self.residents >= self.residents_needed and not self.tied

    def refusal(self) -> str | None:
        missing = list(self.missing_roles)
        if self.residents < self.residents_needed:
            missing.append(
                _("%(n)s resident representative(s) (%(have)s seated)")
                % {"n": self.residents_needed, "have": self.residents}
            )
        parts = []
        if missing:
            parts.append(_("the panel lacks %(missing)s") % {"missing": "、".join(str(m) for m in missing)})
        parts += self.tied
        if not parts:
            return None
        return _("The technical panel is not complete: %(what)s") % {"what": listing(parts)}


REQUIRED_PANEL_ROLES = (
    PanelRole.LEAD,
    PanelRole.DESIGN,
    PanelRole.CONSTRUCTION,
    PanelRole.SUPERVISION,
    PanelRole.STREET,
)


def panel_status(acceptance: AcceptanceRound) -> PanelStatus:
    """Who sits on the round's panel, and what is missing: the lead unit, design, construction,
    supervision, street/community, and the policy's number of resident representatives (default 2),
    none of them contractors' staff."""
    from consultations.ballots.services import project_policy

    project = acceptance.project
    seats = list(PanelMember.objects.filter(round=acceptance).order_by("role", "pk"))
    roles = {m.role for m in seats}
    residents = [m for m in seats if m.role == PanelRole.RESIDENT]
    tied = [contractor_tie(project, name=m.name, organization=m.organization) for m in residents]
    return PanelStatus(
        seats=seats,
        missing_roles=[PanelRole(r).label for r in REQUIRED_PANEL_ROLES if r not in roles],
        residents=len(residents),
        residents_needed=project_policy(project).panel_residents,
        tied=[t for t in tied if t],
    )


def verdict_refusal(acceptance: AcceptanceRound, verdict: str) -> str | None:
    """Why the panel's verdict may not be recorded as it stands (None: it may): the panel is complete
    and more than half of it signed this verdict, none signing against their own opinion."""
    status = panel_status(acceptance)
    refusal = status.refusal()
    if refusal:
        return refusal
    against = [m.name for m in status.seats if m.signed and m.verdict and m.verdict != verdict]
    if against:
        return _("%(names)s signed although their own opinion differs from the verdict.") % {
            "names": "、".join(against)
        }
    signed = sum(1 for m in status.seats if m.signed)
    if signed < status.majority:
        return _(
            "The verdict needs the signatures of a majority of the panel: %(signed)s of %(size)s signed, "
            "%(needed)s needed."
        ) % {"signed": signed, "size": status.size, "needed": status.majority}
    return None


@transaction.atomic
def add_panel_seat(*, user, acceptance: AcceptanceRound, **seat) -> PanelMember:
    """A seat on the technical panel, taken before the panel's verdict is recorded (a verdict is made
    by the panel as it sat)."""
    acceptance = _lock_round(acceptance)
    _require(perms.can_run_acceptance(user, acceptance.project), _("Only the street sets up the panel."))
    if acceptance.status != RoundStatus.SCHEDULED or acceptance.panel_verdict:
        raise Conflict(_("The panel can change only before its verdict."))
    return _seat(acceptance, seat)


@transaction.atomic
def record_panel_verdict(
    *,
    user,
    acceptance: AcceptanceRound,
    verdict: str,
    notes: str = "",
    opinions: list[dict] = (),
    signed: list[int] = (),
) -> AcceptanceRound:
    """The technical panel's verdict: a complete panel (DESIGN.md §7), the verdict signed by more than
    half of it (`signed`: the seats that signed; `opinions`: seats taken now, each may sign). A failed
    verdict fails the round: no survey is held. Refused: nothing is recorded (seats included)."""
    from projects.choices import ProjectStatus

    acceptance = _lock_round(acceptance)
    _require(
        perms.can_run_acceptance(user, acceptance.project), _("Only the street records the panel's verdict.")
    )
    if acceptance.status != RoundStatus.SCHEDULED or acceptance.panel_verdict:
        raise Conflict(_("The panel's verdict for this round is already recorded."))
    if verdict not in Verdict.values:
        raise DomainError(_("Choose the panel's verdict."), field="verdict")
    for opinion in opinions:
        _seat(acceptance, opinion)
    signed = {int(pk) for pk in signed or ()}
    if signed:
        seats = PanelMember.objects.filter(round=acceptance, pk__in=signed)
        if seats.count() != len(signed):
            raise DomainError(_("Only members of this round's panel sign its verdict."), field="signed")
        seats.update(signed=True)
    # a signer who gave no opinion of their own signs the verdict's
    PanelMember.objects.filter(round=acceptance, signed=True, verdict="").update(verdict=verdict)
    refusal = verdict_refusal(acceptance, verdict)
    if refusal:
        raise Conflict(refusal, code="panel_incomplete")
    acceptance.panel_verdict = verdict
    acceptance.panel_notes = notes
    acceptance.panel_recorded_at = timezone.now()
    fields = ["panel_verdict", "panel_notes", "panel_recorded_at"]
    if verdict == Verdict.FAIL:
        acceptance.status = RoundStatus.FAILED
        acceptance.closed_at = timezone.now()
        fields += ["status", "closed_at"]
        _transition_project(
            acceptance.project,
            ProjectStatus.REWORK,
            user,
            note=_("Round %(n)s: the technical panel did not accept the works") % {"n": acceptance.number},
        )
    acceptance.save(update_fields=fields)
    return acceptance


@transaction.atomic
def open_satisfaction_survey(*, user, acceptance: AcceptanceRound, closes_at=None) -> AcceptanceRound:
    """Create and open the residents' satisfaction ballot for a round the panel accepted."""
    from . import ballot_link

    acceptance = _lock_round(acceptance)
    _require(perms.can_run_acceptance(user, acceptance.project), _("Only the street opens the survey."))
    if acceptance.status != RoundStatus.SCHEDULED:
        raise Conflict(_("This round is not waiting for its survey."))
    if acceptance.panel_verdict != Verdict.PASS:
        raise Conflict(_("The technical panel must accept the works before residents are asked."))
    ballot, threshold, every = ballot_link.create_and_open(
        acceptance=acceptance, user=user, closes_at=closes_at
    )
    for each in every:
        SurveyBallot.objects.create(round=acceptance, ballot=each)
    acceptance.ballot = ballot
    acceptance.threshold_percent = threshold
    acceptance.status = RoundStatus.VOTING
    acceptance.save(update_fields=["ballot", "threshold_percent", "status"])
    return acceptance


@transaction.atomic
def close_round(*, user, acceptance: AcceptanceRound, reason: str = "") -> AcceptanceRound:
    """Close the satisfaction ballot, tally it and conclude the round with its figures. Closing before
    the survey's closing time needs a reason, like any ballot (kept on the ballot)."""
    from . import ballot_link

    acceptance = _lock_round(acceptance)
    _require(perms.can_run_acceptance(user, acceptance.project), _("Only the street closes the survey."))
    if acceptance.status != RoundStatus.VOTING or acceptance.ballot_id is None:
        raise Conflict(_("This round has no survey running."))
    figures = ballot_link.close_and_tally(acceptance=acceptance, user=user, reason=reason)
    return _conclude(user=user, acceptance=acceptance, figures=figures)


def survey_closes_early(acceptance: AcceptanceRound) -> bool:
    """Whether closing the round's survey now would end it before its closing time (a reason is due)."""
    from . import ballot_link

    now = timezone.now()
    return any(b.is_open and now < b.closes_at for b in ballot_link.round_ballots(acceptance))


@dataclass(frozen=True)
class SurveyFigures:
    satisfied: int  # numerator: satisfied + basically satisfied
    counted: int  # denominator: the base the rule policy names
    threshold: Decimal  # percent
    passed: bool  # the ballot's own verdict (Ballot.passed): validity and threshold
    eligible: int | None = None  # households asked
    answered: int | None = None  # households that answered
    outcome: str = ""  # every condition with its numbers; the failed ones say why


def failed_for_answers_only(acceptance: AcceptanceRound) -> bool:
    """The round failed although the satisfied share reached the threshold: the survey did not count
    (too few answers). Nothing is to be rectified; residents are asked again in a new round."""
    if acceptance.status != RoundStatus.FAILED or acceptance.panel_verdict != Verdict.PASS:
        return False
    if (
        acceptance.satisfied_count is None
        or not acceptance.valid_count
        or acceptance.threshold_percent is None
    ):
        return False
    return Decimal(acceptance.satisfied_count) * 100 >= acceptance.threshold_percent * acceptance.valid_count


def _conclude(*, user, acceptance: AcceptanceRound, figures: SurveyFigures) -> AcceptanceRound:
    from projects.choices import ProjectStatus

    now = timezone.now()
    acceptance.satisfied_count = figures.satisfied
    acceptance.valid_count = figures.counted
    acceptance.threshold_percent = figures.threshold
    acceptance.eligible_count = figures.eligible
    acceptance.answered_count = figures.answered
    acceptance.outcome = figures.outcome
    acceptance.closed_at = now
    if figures.passed:
        acceptance.status = RoundStatus.PASSED
        acceptance.filing_deadline = timezone.localdate(now) + timedelta(days=FILING_DAYS)
        _transition_project(
            acceptance.project,
            ProjectStatus.ACCEPTED,
            user,
            note=_("Round %(n)s: satisfaction %(s)s/%(c)s")
            % {"n": acceptance.number, "s": figures.satisfied, "c": figures.counted},
        )
    else:
        acceptance.status = RoundStatus.FAILED
        _transition_project(
            acceptance.project,
            ProjectStatus.REWORK,
            user,
            note=_("Round %(n)s did not pass: %(why)s")
            % {"n": acceptance.number, "why": figures.outcome or f"{figures.satisfied}/{figures.counted}"},
        )
    acceptance.save()
    return acceptance


def acceptance_gaps(project) -> list[str]:
    """What an accepted project lacks for its acceptance to stand (DESIGN.md §7): its latest round
    passed, by a complete panel whose verdict a majority signed, and a satisfaction survey that passed
    (valid and at the threshold). Empty: borne out."""
    from projects.choices import ProjectStatus

    if project.status not in (ProjectStatus.ACCEPTED, ProjectStatus.MAINTENANCE):
        return []
    last = AcceptanceRound.objects.filter(project=project).order_by("-number").first()
    if last is None or last.status != RoundStatus.PASSED:
        return [_("no acceptance round passed")]
    gaps = []
    refusal = verdict_refusal(last, last.panel_verdict)
    if refusal:
        gaps.append(refusal)
    from . import ballot_link

    if not all(b.passed for b in ballot_link.round_ballots(last)):
        gaps.append(_("the satisfaction survey did not pass"))
    return gaps


@transaction.atomic
def file_acceptance(
    *, user, acceptance: AcceptanceRound, filed_on: date, reference: str = ""
) -> AcceptanceRound:
    acceptance = _lock_round(acceptance)
    _require(perms.can_run_acceptance(user, acceptance.project), _("Only the street files the acceptance."))
    if acceptance.status != RoundStatus.PASSED:
        raise Conflict(_("Only a passed acceptance round is filed."))
    if acceptance.filed_on:
        raise Conflict(_("This acceptance was filed on %(date)s.") % {"date": acceptance.filed_on})
    if filed_on > timezone.localdate() or filed_on < timezone.localdate(acceptance.closed_at):
        raise DomainError(_("The filing date lies between the acceptance and today."), field="filed_on")
    acceptance.filed_on = filed_on
    acceptance.filing_reference = reference
    acceptance.save(update_fields=["filed_on", "filing_reference"])
    return acceptance


@transaction.atomic
def hand_over(
    *, user, acceptance: AcceptanceRound, to: str, recipient: str, handed_over_on: date | None = None
) -> AcceptanceRound:
    from projects.choices import ProjectStatus

    acceptance = _lock_round(acceptance)
    _require(perms.can_run_acceptance(user, acceptance.project), _("Only the street hands the works over."))
    if acceptance.status != RoundStatus.PASSED:
        raise Conflict(_("Only accepted works are handed over."))
    if not acceptance.filed_on:
        raise Conflict(_("File the acceptance before handing the works over."))
    if acceptance.handed_over_on:
        raise Conflict(_("The works were handed over on %(date)s.") % {"date": acceptance.handed_over_on})
    if not recipient.strip():
        raise DomainError(_("Name who takes the works over."), field="handover_recipient")
    acceptance.handover_to = to
    acceptance.handover_recipient = recipient.strip()
    acceptance.handed_over_on = handed_over_on or timezone.localdate()
    acceptance.save(update_fields=["handover_to", "handover_recipient", "handed_over_on"])
    _transition_project(
        acceptance.project, ProjectStatus.MAINTENANCE, user, note=_("Handed over to %(r)s") % {"r": recipient}
    )
    return acceptance


# --- disputes -----------------------------------------------------------------------------------------


@transaction.atomic
def record_dispute(*, user, project, parties: str, issue: str, compound=None, mediator=None) -> Dispute:
    _require(perms.can_record_dispute(user, project), _("You may not record disputes on this project."))
    if compound is not None and not project.compounds.filter(pk=compound.pk).exists():
        raise DomainError(_("The compound is not part of this project."), field="compound")
    if mediator is not None and not _branch_on_project(mediator.branch, project):
        raise DomainError(_("The mediator is not a Party member on this project."), field="mediator")
    return Dispute.objects.create(
        project=project,
        compound=compound,
        parties=parties,
        issue=issue,
        mediator=mediator,
        status="mediating" if mediator else "open",
        recorded_by=user,
    )


@transaction.atomic
def update_dispute(
    *, user, dispute: Dispute, status: str, resolution: str = "", mediator=None, resolved_on=None
) -> Dispute:
    dispute = Dispute.objects.select_for_update().select_related("project__division").get(pk=dispute.pk)
    _require(perms.can_record_dispute(user, dispute.project), _("You may not change this dispute."))
    if status == "resolved" and not resolution.strip():
        raise DomainError(_("Describe how the dispute was resolved."), field="resolution")
    if mediator is not None:
        if not _branch_on_project(mediator.branch, dispute.project):
            raise DomainError(_("The mediator is not a Party member on this project."), field="mediator")
        dispute.mediator = mediator
    dispute.status = status
    dispute.resolution = resolution.strip()
    dispute.resolved_on = (
        (resolved_on or timezone.localdate()) if status in ("resolved", "unresolved") else None
    )
    dispute.save()
    return dispute

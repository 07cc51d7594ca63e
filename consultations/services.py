"""Writes that carry the consultations rules. Each function is atomic, takes the acting user and raises
communities.errors.DomainError / Conflict with a sentence a person can read. Pages, API, admin, demo and
tasks all call these, so the rules cannot drift."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.errors import Conflict, DomainError
from communities.models import Compound, Division, Household
from communities.scoping import get_scope
from projects.gates import GateItem, listing, ratio_text

from . import choices
from .choices import OpinionStatus
from .models import (
    Deliberation,
    DeliberationProcedure,
    DeliberationStep,
    Meeting,
    MeetingPhoto,
    Notice,
    NoticeObjection,
    NoticePolicy,
    Opinion,
    Visit,
)
from .querysets import EDITOR_ROLES, FIELD_ROLES


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


def _require(user, path: str, roles, message: str | None = None) -> None:
    if user is None or not get_scope(user).covers(path, roles):
        raise Forbidden(message or _("You may not change consultations here."))


# --- visits ---------------------------------------------------------------------------------------


def _member_for(user, household: Household):
    """The branch member this user acts as for the household (their assignment first)."""
    from projects.models import BranchMember, HouseholdAssignment

    assignment = (
        HouseholdAssignment.objects.filter(household=household, member__user=user)
        .select_related("member")
        .first()
    )
    if assignment:
        return assignment.member
    return (
        BranchMember.objects.filter(user=user, branch__compounds=household.building.compound_id)
        .order_by("-branch__established_on")
        .first()
    )


def log_visit(
    *,
    user,
    household: Household,
    attitude: str,
    channel: str = choices.Channel.DOOR,
    visited_at: datetime | None = None,
    notes: str = "",
    project=None,
    member=None,
    opinions: Iterable[dict] = (),
) -> Visit:
    """Record a visit and the opinions raised in it, in one transaction."""
    compound = household.building.compound
    _require(user, compound.division.path, FIELD_ROLES, _("You may not log visits for this household."))
    if attitude not in choices.Attitude.values:
        raise DomainError(_("Choose the household's attitude."), field="attitude")
    if channel not in choices.Channel.values:
        raise DomainError(_("Choose how the household was reached."), field="channel")
    visited_at = visited_at or timezone.now()
    if visited_at > timezone.now() + timedelta(minutes=10):
        raise DomainError(_("A visit cannot be logged in the future."), field="visited_at")
    if project is not None and not project.compounds.filter(pk=compound.pk).exists():
        raise DomainError(_("This household is not in the project's compounds."), field="project")
    if (
        member is not None
        and member.user_id not in (None, user.pk)
        and not get_scope(user).has_role(*EDITOR_ROLES)
    ):
        raise DomainError(_("You may log visits only as yourself."), field="member")
    opinions = [o for o in opinions if (o.get("content") or "").strip()]
    for o in opinions:
        if o.get("category") not in choices.OpinionCategory.values:
            raise DomainError(_("Choose a category for each opinion."), field="opinions")
    with transaction.atomic():
        if member is None:
            member = _member_for(user, household)
        if project is None:
            project = compound.projects.order_by("-year", "-pk").first()
        visit = Visit.objects.create(
            household=household,
            compound=compound,
            project=project,
            visitor=user,
            member=member,
            visited_at=visited_at,
            channel=channel,
            attitude=attitude,
            notes=notes.strip(),
        )
        Opinion.objects.bulk_create(
            [
                Opinion(
                    compound=compound,
                    household=household,
                    project=project,
                    source=choices.OpinionSource.VISIT,
                    visit=visit,
                    category=o["category"],
                    content=o["content"].strip(),
                    created_by=user,
                    created_at=visited_at,
                )
                for o in opinions
            ]
        )
    return visit


# --- opinions -------------------------------------------------------------------------------------


def record_opinion(
    *,
    user,
    compound: Compound,
    category: str,
    content: str,
    source: str,
    household: Household | None = None,
    project=None,
    meeting: Meeting | None = None,
) -> Opinion:
    _require(user, compound.division.path, FIELD_ROLES, _("You may not record opinions for this compound."))
    if not content.strip():
        raise DomainError(_("Write what the resident said."), field="content")
    if category not in choices.OpinionCategory.values:
        raise DomainError(_("Choose a category."), field="category")
    if source not in choices.OpinionSource.values:
        raise DomainError(_("Choose where the opinion came from."), field="source")
    if household is not None and household.building.compound_id != compound.pk:
        raise DomainError(_("The household is not in this compound."), field="household")
    if project is not None and not project.compounds.filter(pk=compound.pk).exists():
        raise DomainError(_("The project does not cover this compound."), field="project")
    if meeting is not None and meeting.compound_id not in (None, compound.pk):
        raise DomainError(_("The meeting was held for another compound."), field="compound")
    return Opinion.objects.create(
        compound=compound,
        household=household,
        project=project,
        meeting=meeting,
        category=category,
        content=content.strip(),
        source=source,
        created_by=user,
    )


def transition_opinion(
    opinion: Opinion,
    to: str,
    *,
    user,
    reason: str = "",
    work_item=None,
    merged_into: Opinion | None = None,
    answer: str = "",
) -> Opinion:
    """Move an opinion along its lifecycle; illegal moves are refused with the reason."""
    with transaction.atomic():
        opinion = Opinion.objects.select_for_update().select_related("compound__division").get(pk=opinion.pk)
        _require(user, opinion.compound.division.path, EDITOR_ROLES, _("You may not handle this opinion."))
        current = opinion.status
        if to not in OpinionStatus.values:
            raise DomainError(_("Unknown status."), field="to")
        if to not in choices.OPINION_TRANSITIONS[current]:
            raise Conflict(
                _("An opinion that is “%(current)s” cannot become “%(to)s”.")
                % {"current": OpinionStatus(current).label, "to": OpinionStatus(to).label}
            )
        now = timezone.now()
        if to == OpinionStatus.DECLINED:
            if not reason.strip():
                raise DomainError(_("Say why the opinion is declined."), field="reason")
            opinion.decline_reason = reason.strip()[:500]
        elif to == OpinionStatus.MERGED:
            if merged_into is None:
                raise DomainError(_("Choose the opinion it duplicates."), field="merged_into")
            if merged_into.pk == opinion.pk:
                raise DomainError(_("An opinion cannot be merged into itself."), field="merged_into")
            if merged_into.compound_id != opinion.compound_id:
                raise DomainError(_("Merge only opinions of the same compound."), field="merged_into")
            if merged_into.status in (OpinionStatus.MERGED, OpinionStatus.DECLINED):
                raise DomainError(_("Merge into an opinion that is still open."), field="merged_into")
            opinion.merged_into = merged_into
        elif to == OpinionStatus.PLANNED:
            if work_item is None:
                raise DomainError(_("Choose the work item that answers this demand."), field="work_item")
            if not work_item.project.compounds.filter(pk=opinion.compound_id).exists():
                raise DomainError(
                    _("The work item's project does not cover this compound."), field="work_item"
                )
            opinion.work_item = work_item
            if opinion.project_id is None:
                opinion.project_id = work_item.project_id
        elif to == OpinionStatus.ACCEPTED:
            opinion.accepted_at = opinion.accepted_at or now
            if current == OpinionStatus.PLANNED:
                opinion.work_item = None  # the work item was dropped: back on the demand list
        elif to == OpinionStatus.RESOLVED:
            refusal = early_resolution_refusal(opinion, reason)
            if refusal:
                raise Conflict(refusal, field="reason")
            if opinion.work_item_id is not None and opinion.work_item.progress < 100:
                opinion.resolved_early_reason = reason.strip()[:500]
            opinion.resolved_at = now
        opinion.status = to
        if answer.strip():
            opinion.answer = answer.strip()
            opinion.answered_at = now
        opinion.save()
        if answer.strip():
            _tell_reporter(opinion)
    return opinion


def early_resolution_refusal(opinion: Opinion, reason: str = "") -> str | None:
    """A demand planned on a work item is resolved when that work item is finished; before that, only
    with a reason (kept on the opinion). None: it may be resolved."""
    if opinion.status != OpinionStatus.PLANNED or opinion.work_item_id is None:
        return None
    item = opinion.work_item
    if item.progress >= 100 or (reason or "").strip():
        return None
    return _(
        "The work item “%(item)s” that answers this demand is at %(progress)s%%: it is resolved when the "
        "work item is finished, or give the reason to resolve it now."
    ) % {"item": item.name, "progress": item.progress}


def answer_opinion(opinion: Opinion, *, user, answer: str) -> Opinion:
    """The official answer (答复); may be given or revised at any stage except after a merge."""
    if not answer.strip():
        raise DomainError(_("Write the answer."), field="answer")
    with transaction.atomic():
        opinion = Opinion.objects.select_for_update().select_related("compound__division").get(pk=opinion.pk)
        _require(user, opinion.compound.division.path, EDITOR_ROLES, _("You may not answer this opinion."))
        if opinion.status == OpinionStatus.MERGED:
            raise Conflict(_("A merged opinion is answered through the one it was merged into."))
        opinion.answer = answer.strip()
        opinion.answered_at = timezone.now()
        opinion.save(update_fields=["answer", "answered_at", "updated_at"])
        _tell_reporter(opinion)
    return opinion


def _tell_reporter(opinion: Opinion) -> None:
    """A household that reported from its page is told of the answer (notification outbox)."""
    if opinion.source != choices.OpinionSource.HOUSEHOLD_PAGE or opinion.household_id is None:
        return
    from django.utils import translation

    from communities.notifications import notify

    with translation.override("zh-hans"):
        text = _("Your report has an answer: %(answer)s") % {"answer": opinion.answer[:300]}
    notify(kind="report_answered", text=text, household=opinion.household)


def rate_opinion(opinion: Opinion, *, user, rating: str, household: Household | None = None) -> Opinion:
    """The resident's rating of the outcome (民评), recorded once the opinion is resolved: by field staff
    for the resident, or (`household`, no user) by the household that reported it, once, from its page."""
    if rating not in choices.Rating.values:
        raise DomainError(_("Choose a rating."), field="rating")
    with transaction.atomic():
        opinion = Opinion.objects.select_for_update().select_related("compound__division").get(pk=opinion.pk)
        if household is not None and user is None:
            if opinion.household_id != household.pk:
                raise Forbidden(_("You may not rate this opinion."))
            if opinion.rating:
                raise Conflict(_("You have already rated this."))
        else:
            _require(user, opinion.compound.division.path, FIELD_ROLES, _("You may not rate this opinion."))
        if opinion.status != OpinionStatus.RESOLVED:
            raise Conflict(_("Only a resolved opinion can be rated."))
        opinion.rating = rating
        opinion.rated_at = timezone.now()
        opinion.save(update_fields=["rating", "rated_at", "updated_at"])
    return opinion


# --- meetings -------------------------------------------------------------------------------------


def meeting_division(*, compound=None, project=None) -> Division:
    if compound is not None:
        return compound.division
    if project is not None:
        compounds = list(project.compounds.select_related("division")[:2])
        return compounds[0].division if len(compounds) == 1 else project.division
    raise DomainError(_("Say which compound or project this is for."), field="compound")


def create_meeting(*, user, kind: str, title: str, compound=None, project=None, **fields) -> Meeting:
    division = meeting_division(compound=compound, project=project)
    _require(user, division.path, FIELD_ROLES, _("You may not record meetings here."))
    if kind not in choices.MeetingKind.values:
        raise DomainError(_("Choose the kind of meeting."), field="kind")
    if compound is not None and project is not None and not project.compounds.filter(pk=compound.pk).exists():
        raise DomainError(_("The project does not cover this compound."), field="project")
    households = fields.get("households_present") or 0
    people = fields.get("people_present") or 0
    if people and households > people:
        raise DomainError(
            _("More households than people present: check the attendance."), field="people_present"
        )
    return Meeting.objects.create(
        kind=kind,
        title=title,
        compound=compound,
        project=project,
        division=division,
        created_by=user,
        **fields,
    )


def add_meeting_photo(*, user, meeting: Meeting, upload, caption: str = "") -> MeetingPhoto:
    """Attach a photo to a meeting: checked by content, resized and stripped of EXIF (location)."""
    from django.core.exceptions import ValidationError

    from communities.photos import validate_and_resize

    _require(user, meeting.division.path, FIELD_ROLES, _("You may not record meetings here."))
    try:
        image = validate_and_resize(upload)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="image") from exc
    return MeetingPhoto.objects.create(meeting=meeting, image=image, caption=caption[:200])


# --- notices --------------------------------------------------------------------------------------


def default_notice_days(division: Division | None) -> int:
    """The nearest NoticePolicy up the division's ancestry, else choices.DEFAULT_NOTICE_DAYS."""
    if division is None:
        return choices.DEFAULT_NOTICE_DAYS
    ids = [int(p) for p in division.path.strip("/").split("/") if p]
    policies = {p.division_id: p.default_days for p in NoticePolicy.objects.filter(division_id__in=ids)}
    for pk in reversed(ids):
        if pk in policies:
            return policies[pk]
    return choices.DEFAULT_NOTICE_DAYS


def default_opinion_answer_days() -> int:
    """The answer time where no NoticePolicy up the ancestry sets one: settings.OPINION_ANSWER_DAYS."""
    from django.conf import settings

    return int(getattr(settings, "OPINION_ANSWER_DAYS", 15))


def opinion_answer_days(divisions) -> dict[int, int]:
    """{division id: days within which an opinion gets its answer} for `divisions` (with `pk` and
    `path`): the nearest NoticePolicy up each one's ancestry that sets it, else
    settings.OPINION_ANSWER_DAYS. One query whatever the number of divisions. The one rule for the
    answer time: the home page's to-dos and the overview's "answered on time" both read it."""
    fallback = default_opinion_answer_days()
    chains = {d.pk: [int(p) for p in d.path.strip("/").split("/") if p] for d in divisions}
    if not chains:
        return {}
    ids = {pk for chain in chains.values() for pk in chain}
    policies = dict(
        NoticePolicy.objects.filter(division_id__in=ids, opinion_answer_days__isnull=False).values_list(
            "division_id", "opinion_answer_days"
        )
    )
    return {
        pk: next((policies[a] for a in reversed(chain) if a in policies), fallback)
        for pk, chain in chains.items()
    }


def opinion_answer_days_of(division_ids) -> dict[int, int]:
    """opinion_answer_days for divisions given by id (a list or a values() subquery): two queries."""
    return opinion_answer_days(Division.objects.filter(pk__in=division_ids).only("pk", "path"))


def publish_notice(
    *,
    project=None,
    compound=None,
    title: str,
    body: str,
    user,
    period_days: int | None = None,
    kind: str = choices.NoticeKind.OTHER,
    starts_at: datetime | None = None,
) -> Notice:
    """Publish a notice (公示) for a project or a compound. The period defaults to the division's
    NoticePolicy (nearest ancestor), else 7 days. Stable signature: ballots and supervision call it."""
    if not title.strip() or not body.strip():
        raise DomainError(_("A notice needs a title and a text."), field="title")
    division = meeting_division(compound=compound, project=project)
    _require(user, division.path, EDITOR_ROLES, _("You may not publish notices here."))
    if compound is not None and project is not None and not project.compounds.filter(pk=compound.pk).exists():
        raise DomainError(_("The project does not cover this compound."), field="project")
    if period_days is None:
        period_days = default_notice_days(division)
    if not 1 <= int(period_days) <= 90:
        raise DomainError(_("The notice period is 1 to 90 days."), field="period_days")
    if kind not in choices.NoticeKind.values:
        raise DomainError(_("Unknown kind of notice."), field="kind")
    return Notice.objects.create(
        title=title.strip(),
        body=body.strip(),
        kind=kind,
        division=division,
        compound=compound,
        project=project,
        period_days=int(period_days),
        starts_at=starts_at or timezone.now(),
        published_by=user,
    )


def submit_objection(notice: Notice, *, text: str, name: str = "", contact: str = "") -> NoticeObjection:
    """An objection from the public page (no login). Accepted only during the notice period."""
    if not text.strip():
        raise DomainError(_("Write your objection."), field="text")
    if len(text) > 2000:
        raise DomainError(_("Keep the objection under 2,000 characters."), field="text")
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if not notice.is_open_for_objections():
            raise Conflict(_("The notice period is over: objections are no longer received here."))
        return NoticeObjection.objects.create(
            notice=notice, text=text.strip(), name=name.strip()[:50], contact=contact.strip()[:50]
        )


def handle_objection(objection: NoticeObjection, *, user, status: str, handling: str) -> NoticeObjection:
    if status not in choices.HANDLED_OBJECTION_STATUSES:
        raise DomainError(_("Choose how the objection was handled."), field="status")
    if not handling.strip():
        raise DomainError(_("Say how the objection was handled."), field="handling")
    with transaction.atomic():
        objection = (
            NoticeObjection.objects.select_for_update()
            .select_related("notice__division")
            .get(pk=objection.pk)
        )
        _require(user, objection.notice.division.path, EDITOR_ROLES, _("You may not handle this objection."))
        if objection.notice.status == choices.NoticeStatus.CLOSED:
            raise Conflict(_("The notice is closed."))
        objection.status = status
        objection.handling = handling.strip()
        objection.handled_by = user
        objection.handled_at = timezone.now()
        objection.save()
    return objection


def close_notice(notice: Notice, *, user) -> Notice:
    """Close a notice after its period. Refused while any objection is unhandled."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().select_related("division").get(pk=notice.pk)
        _require(user, notice.division.path, EDITOR_ROLES, _("You may not close this notice."))
        if notice.status == choices.NoticeStatus.CLOSED:
            raise Conflict(_("The notice is already closed."))
        pending = notice.objections.filter(status=choices.ObjectionStatus.PENDING).count()
        if pending:
            raise Conflict(
                _("%(n)d objection(s) are not handled yet: handle them before closing the notice.")
                % {"n": pending}
            )
        if timezone.now() < notice.ends_at:
            raise Conflict(
                _("The notice period runs until %(end)s: it cannot be closed earlier.")
                % {"end": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")}
            )
        notice.status = choices.NoticeStatus.CLOSED
        notice.closed_at = timezone.now()
        notice.closed_by = user
        notice.save()
    return notice


# --- deliberations --------------------------------------------------------------------------------


def start_deliberation(
    *, user, procedure: DeliberationProcedure, title: str, compound=None, project=None, description: str = ""
) -> Deliberation:
    division = meeting_division(compound=compound, project=project)
    _require(user, division.path, EDITOR_ROLES, _("You may not start deliberations here."))
    if not procedure.is_active:
        raise DomainError(_("This procedure is no longer in use."), field="procedure")
    templates = list(procedure.steps.order_by("order"))
    if not templates:
        raise DomainError(_("This procedure has no steps."), field="procedure")
    if not title.strip():
        raise DomainError(_("Name the matter."), field="title")
    with transaction.atomic():
        deliberation = Deliberation.objects.create(
            title=title.strip(),
            description=description,
            procedure=procedure,
            division=division,
            compound=compound,
            project=project,
            created_by=user,
        )
        DeliberationStep.objects.bulk_create(
            [
                DeliberationStep(deliberation=deliberation, order=i, name=t.name, kind=t.kind)
                for i, t in enumerate(templates, start=1)
            ]
        )
    return deliberation


def complete_step(
    step: DeliberationStep,
    *,
    user,
    meeting: Meeting | None = None,
    notice: Notice | None = None,
    note: str = "",
    done_at: datetime | None = None,
) -> DeliberationStep:
    """Mark a step done, linked to the meeting or notice that did it. Steps go strictly in order.
    The step is dated by what did it (the meeting's time, the notice's publication), else `done_at`,
    else now; never in the future."""
    with transaction.atomic():
        deliberation = (
            Deliberation.objects.select_for_update().select_related("division").get(pk=step.deliberation_id)
        )
        _require(user, deliberation.division.path, EDITOR_ROLES, _("You may not run this deliberation."))
        if deliberation.status != choices.DeliberationStatus.OPEN:
            raise Conflict(_("This matter is no longer in progress."))
        step = DeliberationStep.objects.get(pk=step.pk)
        if step.is_done:
            raise Conflict(_("This step is already done."))
        earlier = (
            deliberation.steps.filter(order__lt=step.order, done_at__isnull=True).order_by("order").first()
        )
        if earlier is not None:
            raise Conflict(_("Do “%(step)s” first: the steps go in order.") % {"step": earlier.name})
        if step.kind == choices.StepKind.MEETING and meeting is None:
            raise DomainError(_("Link the meeting that did this step."), field="meeting")
        if step.kind == choices.StepKind.NOTICE and notice is None:
            raise DomainError(_("Link the notice that did this step."), field="notice")
        if meeting is None and notice is None and not note.strip():
            raise DomainError(_("Link a meeting or a notice, or write a note."), field="note")
        for linked, field in ((meeting, "meeting"), (notice, "notice")):
            if linked is None:
                continue
            if not linked.division.path.startswith(deliberation.division.path) and not (
                deliberation.division.path.startswith(linked.division.path)
            ):
                raise DomainError(_("The linked record belongs to another place."), field=field)
            if deliberation.project_id and linked.project_id not in (None, deliberation.project_id):
                raise DomainError(
                    _("“%(record)s” belongs to another project.") % {"record": linked.title}, field=field
                )
        now = timezone.now()
        # dated by what did it: the meeting's time, the notice's publication; else the date given
        when = meeting.held_at if meeting else notice.starts_at if notice else (done_at or now)
        if when > now + timedelta(minutes=10):
            raise DomainError(
                _("“%(record)s” is dated %(when)s: record the step once it has taken place.")
                % {
                    "record": (meeting or notice).title if (meeting or notice) else note.strip()[:40],
                    "when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M"),
                },
                field="meeting" if meeting else "notice" if notice else "note",
            )
        previous = (
            deliberation.steps.filter(order__lt=step.order, done_at__isnull=False).order_by("-order").first()
        )
        # compared to the minute: meetings are entered to the minute, notices are stamped to the second
        if previous is not None and when.replace(second=0, microsecond=0) < previous.done_at.replace(
            second=0, microsecond=0
        ):
            raise DomainError(
                _(
                    "This step would be dated %(when)s, before the previous step “%(previous)s” "
                    "(%(previous_when)s): the steps go in order."
                )
                % {
                    "when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M"),
                    "previous": previous.name,
                    "previous_when": timezone.localtime(previous.done_at).strftime("%Y-%m-%d %H:%M"),
                },
                field="meeting" if meeting else "notice" if notice else "note",
            )
        step.meeting = meeting
        step.notice = notice
        step.note = note.strip()
        step.done_at = min(when, now)
        step.done_by = user
        step.save()
        if not deliberation.steps.filter(done_at__isnull=True).exists():
            deliberation.status = choices.DeliberationStatus.DONE
            deliberation.completed_at = timezone.now()
            deliberation.save(update_fields=["status", "completed_at"])
    return step


def ensure_standard_procedures() -> list[DeliberationProcedure]:
    """The national procedures (一征三议两公开, 四议两公开), created once; idempotent."""
    from .models import DeliberationStepTemplate
    from .procedures import STANDARD_PROCEDURES

    made = []
    for code, name, description, steps in STANDARD_PROCEDURES:
        procedure, created = DeliberationProcedure.objects.get_or_create(
            code=code, division=None, defaults={"name": name, "description": description}
        )
        if created:
            DeliberationStepTemplate.objects.bulk_create(
                [
                    DeliberationStepTemplate(procedure=procedure, order=i, name=step_name, kind=kind)
                    for i, (step_name, kind) in enumerate(steps, start=1)
                ]
            )
        made.append(procedure)
    return made


# --- gates: plan approval (DESIGN.md §7) ------------------------------------------------------------
# Each reads the policy's numbers by attribute (consultations.ballots.RulePolicy, passed in by
# projects.gates): this app does not import ballots.


def _notice_covers(notice: Notice, compound) -> bool:
    return notice.compound_id in (None, compound.pk)


def plan_notice_gate(project, policy) -> GateItem:
    """Plan approval: the plan notice (方案公示) of every compound ran at least the policy's period and
    was closed with every objection handled."""
    days = policy.plan_notice_days
    notices = list(
        Notice.objects.filter(project=project, kind=choices.NoticeKind.PLAN)
        .annotate(pending=Count("objections", filter=Q(objections__status=choices.ObjectionStatus.PENDING)))
        .order_by("-starts_at", "-pk")
    )
    compounds = list(project.compounds.order_by("pk"))
    missing, seen = [], []
    several = len(compounds) > 1
    for compound in compounds:
        mine = [n for n in notices if _notice_covers(n, compound)]
        where = _(" for %(compound)s") % {"compound": compound.name} if several else ""
        good = next(
            (
                n
                for n in mine
                if n.status == choices.NoticeStatus.CLOSED and n.period_days >= days and not n.pending
            ),
            None,
        )
        if good is not None:
            seen.append(
                _("“%(notice)s” ran %(days)s days and was closed on %(closed)s")
                % {
                    "notice": good.title,
                    "days": good.period_days,
                    "closed": timezone.localtime(good.closed_at).strftime("%Y-%m-%d"),
                }
            )
            continue
        latest = mine[0] if mine else None
        if latest is None:
            missing.append(
                _("publish the plan notice%(where)s for at least %(days)s days")
                % {"where": where, "days": days}
            )
        elif latest.period_days < days:
            missing.append(
                _("the plan notice “%(notice)s” ran %(n)s days; the rule policy requires at least %(days)s")
                % {"notice": latest.title, "n": latest.period_days, "days": days}
            )
        elif latest.pending:
            missing.append(
                _("%(n)s objection(s) to the plan notice “%(notice)s” are not handled")
                % {"n": latest.pending, "notice": latest.title}
            )
        else:
            missing.append(
                _("the plan notice “%(notice)s” is still open until %(end)s: close it after its period")
                % {
                    "notice": latest.title,
                    "end": timezone.localtime(latest.ends_at).strftime("%Y-%m-%d %H:%M"),
                }
            )
    evidence = notices[0] if notices else None
    return GateItem(
        met=not missing and bool(compounds),
        label=_("Plan notice"),
        detail=listing(seen)
        or _("The plan is published for at least %(days)s days and every objection is handled.")
        % {"days": days},
        missing=_("plan notice: %(what)s") % {"what": listing(missing)} if missing else "",
        link=evidence.get_absolute_url()
        if evidence
        else reverse("consultations:notice_create") + f"?project={project.pk}&kind=plan",
        link_label=evidence.title if evidence else _("Publish the plan notice"),
        public_link=evidence.get_public_url() if evidence else "",
    )


def procedure_gate(project, policy) -> GateItem:
    """Plan approval: the division's deliberation procedure (e.g. 一征三议两公开), when the policy names
    one, completed for the project, step by step."""
    label = _("Deliberation procedure")
    procedure = getattr(policy, "deliberation_procedure", None) if policy.deliberation_procedure_id else None
    if procedure is None:
        return GateItem(
            met=True,
            required=False,
            label=label,
            detail=_("The rule policy requires no deliberation procedure."),
        )
    deliberations = list(
        Deliberation.objects.filter(project=project, procedure__code=procedure.code)
        .exclude(status=choices.DeliberationStatus.ABANDONED)
        .annotate(
            done=Count("steps", filter=Q(steps__done_at__isnull=False)),
            total=Count("steps"),
        )
        .order_by("-created_at", "-pk")
    )
    finished = next((d for d in deliberations if d.status == choices.DeliberationStatus.DONE), None)
    if finished is not None:
        return GateItem(
            met=True,
            label=label,
            detail=_("%(procedure)s completed on %(date)s")
            % {
                "procedure": procedure.name,
                "date": timezone.localtime(finished.completed_at).strftime("%Y-%m-%d"),
            },
            link=finished.get_absolute_url(),
            link_label=finished.title,
        )
    running = deliberations[0] if deliberations else None
    if running is None:
        what = _("start %(procedure)s for this project") % {"procedure": procedure.name}
        link = (
            reverse("consultations:deliberation_create") + f"?project={project.pk}&procedure={procedure.pk}"
        )
        link_label = _("Start the procedure")
    else:
        step = running.steps.filter(done_at__isnull=True).order_by("order").first()
        what = _("%(procedure)s is at step %(n)s “%(step)s” (%(done)s of %(total)s steps done)") % {
            "procedure": procedure.name,
            "n": step.order if step else running.done + 1,
            "step": step.name if step else "",
            "done": running.done,
            "total": running.total,
        }
        link, link_label = running.get_absolute_url(), running.title
    return GateItem(
        met=False,
        label=label,
        detail=_("%(procedure)s, completed for the project.") % {"procedure": procedure.name},
        missing=_("deliberation procedure: %(what)s") % {"what": what},
        link=link,
        link_label=link_label,
    )


def door_to_door_gate(project, policy) -> GateItem:
    """Plan approval, when the policy asks for it: at least its share of the non-vacant households of
    the project's compounds visited (any visit, "not at home" included: the coverage page's "visited")."""
    from fractions import Fraction

    from .coverage import coverage

    label = _("Door-to-door visits")
    share = Fraction(policy.door_to_door_num, policy.door_to_door_den)
    if not policy.door_to_door_required:
        return GateItem(
            met=True, required=False, label=label, detail=_("The rule policy does not require it.")
        )
    households = Household.objects.filter(building__compound__in=project.compounds.all())
    figures = coverage(
        households, visits=Visit.objects.none(), opinions=Opinion.objects.none(), breakdown=False
    ).figures
    met = figures.total > 0 and Fraction(figures.visited, figures.total) >= share
    detail = _("%(visited)s of %(total)s non-vacant households visited: %(ratio)s") % {
        "visited": figures.visited,
        "total": figures.total,
        "ratio": ratio_text(figures.visited, figures.total, share),
    }
    if figures.total == 0:
        missing = _("door-to-door visits: the project's compounds have no households registered")
    else:
        missing = _("door-to-door visits: %(detail)s") % {"detail": detail}
    return GateItem(
        met=met,
        label=label,
        detail=detail,
        missing="" if met else missing,
        link=reverse("consultations:coverage") + f"?project={project.pk}",
        link_label=_("Coverage of the project"),
    )

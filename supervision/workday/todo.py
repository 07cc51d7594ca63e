"""Each role's working day as a to-do list (issue 13): one function per role, one queryset per item.

Every item is a `TodoDef`: a scoped queryset (`rows(user, today)`) whose COUNT is the number on the
home page and whose rows are exactly what `/todo/<key>/` lists, so the number and the list cannot
disagree. The home page costs one COUNT per item (a fixed number per role, whatever the data); a list
page costs a constant number of queries per page (rows are fetched with their relations), except the
gate list, which evaluates the gate checklist of the (at most PAGE_SIZE) projects it shows.

It reads every app, so it lives in the top app (`supervision`) beside the overview; nothing imports it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.choices import Role
from communities.models import Household
from communities.scoping import get_scope
from consultations import choices as cchoices
from consultations.ballots.choices import BallotStatus
from consultations.ballots.models import Ballot, Elector
from consultations.models import Notice, NoticeObjection, Opinion, Visit
from projects.choices import ProjectStatus
from projects.models import GateException, HouseholdAssignment, Milestone, Project, WorkItem
from supervision import choices as schoices
from supervision.models import AcceptanceRound, Inspection, ProgressReport, Rectification

OPEN_OPINION_STATUSES = (
    cchoices.OpinionStatus.RECEIVED,
    cchoices.OpinionStatus.ACCEPTED,
    cchoices.OpinionStatus.PLANNED,
)
# statuses whose next step is gated (projects.gates): planning approval and the start of construction
GATED_STEP = {
    ProjectStatus.CONSULTING: ProjectStatus.APPROVED,
    ProjectStatus.APPROVED: ProjectStatus.UNDER_CONSTRUCTION,
}
# "this week", "closing soon", "due": the horizon of a to-do, in days
WEEK = 7
CLOSING_SOON_DAYS = 3
# a contractor reports progress on each running work item at least this often (序时进度)
PROGRESS_REPORT_DAYS = 7
# inspections on a contractor's work shown for this many days
INSPECTION_DAYS = 14


@dataclass(frozen=True)
class TodoDef:
    key: str
    role: str
    label: Any
    rows: Callable[[Any, datetime.date], QuerySet]
    row: Callable[[Any], dict]  # one list row: {"title", "url", "meta": [...], "warn": bool}
    warn: bool = False  # a non-zero count is a warning (overdue, blocked), not routine work
    full_list: Callable[[Any], str] | None = None  # the app's own list, filtered alike, when there is one


@dataclass
class TodoItem:
    key: str
    label: str
    count: int
    url: str
    warn: bool = False


@dataclass
class TodoSection:
    role: str
    label: str
    items: list[TodoItem] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url) beside the items


def _now_local_date() -> datetime.date:
    return timezone.localdate()


def _end_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))


# --- querysets: one per item ----------------------------------------------------------------------------


def my_unvisited_households(user, today) -> QuerySet:
    mine = HouseholdAssignment.objects.for_user(user).filter(member__user=user).values("household_id")
    return _unvisited(Household.objects.for_user(user).filter(pk__in=mine))


def _unvisited(households: QuerySet) -> QuerySet:
    return (
        households.filter(is_vacant=False)
        .filter(~Exists(Visit.objects.filter(household_id=OuterRef("pk"))))
        .select_related("building__compound")
        .order_by("building__compound__name", "building__name", "unit", "floor", "room", "pk")
    )


def community_unvisited_households(user, today) -> QuerySet:
    """Households of compounds with a project still consulting residents (planning or consulting)."""
    consulting = Project.objects.for_user(user).filter(
        status__in=[ProjectStatus.PLANNING, ProjectStatus.CONSULTING]
    )
    return _unvisited(
        Household.objects.for_user(user).filter(building__compound__projects__in=consulting).distinct()
    )


def _opinions(qs: QuerySet) -> QuerySet:
    return qs.filter(status__in=OPEN_OPINION_STATUSES).select_related("compound", "household__building")


def my_open_opinions(user, today) -> QuerySet:
    return _opinions(Opinion.objects.for_user(user).filter(created_by=user)).order_by("created_at", "pk")


def community_open_opinions(user, today) -> QuerySet:
    return _opinions(Opinion.objects.for_user(user)).order_by("created_at", "pk")


def unanswered_old_opinions(user, today) -> QuerySet:
    """Open opinions with no answer after their community's answer time (NoticePolicy's
    opinion_answer_days, nearest ancestor, else settings.OPINION_ANSWER_DAYS): two small queries to
    read the times, then one filter, grouped by the number of days."""
    from communities.models import Division
    from consultations.services import opinion_answer_days

    communities = (
        Division.objects.for_user(user).filter(compounds__isnull=False).distinct().only("pk", "path")
    )
    by_days: dict[int, list[int]] = {}
    for pk, days in opinion_answer_days(list(communities)).items():
        by_days.setdefault(days, []).append(pk)
    now = timezone.now()
    late = Q(pk__in=[])
    for days, ids in by_days.items():
        late |= Q(compound__division_id__in=ids, created_at__lt=now - datetime.timedelta(days=days))
    return (
        _opinions(Opinion.objects.for_user(user))
        .filter(late, answered_at__isnull=True)
        .order_by("created_at", "pk")
    )


def notices_ending_this_week(user, today) -> QuerySet:
    ends = ExpressionWrapper(
        F("starts_at")
        + ExpressionWrapper(
            F("period_days") * Value(datetime.timedelta(days=1)), output_field=DurationField()
        ),
        output_field=DateTimeField(),
    )
    return (
        Notice.objects.for_user(user)
        .filter(status=cchoices.NoticeStatus.PUBLISHED)
        .annotate(period_ends_at=ends)
        .filter(
            period_ends_at__gte=timezone.now(),
            period_ends_at__lt=_end_of_day(today + datetime.timedelta(days=WEEK)),
        )
        .select_related("compound")
        .order_by("period_ends_at", "pk")
    )


def pending_objections(user, today) -> QuerySet:
    return (
        NoticeObjection.objects.for_user(user)
        .filter(status=cchoices.ObjectionStatus.PENDING)
        .select_related("notice")
        .order_by("received_at", "pk")
    )


def _with_turnout(qs: QuerySet) -> QuerySet:
    electors = Elector.objects.filter(ballot_id=OuterRef("pk")).order_by().values("ballot_id")
    from consultations.ballots.models import Vote

    votes = Vote.objects.filter(ballot_id=OuterRef("pk")).order_by().values("ballot_id")
    return qs.annotate(
        elector_count=Subquery(electors.annotate(c=Count("pk")).values("c")[:1]),
        vote_count=Subquery(votes.annotate(c=Count("pk")).values("c")[:1]),
    ).select_related("compound")


def open_ballots(user, today) -> QuerySet:
    return _with_turnout(Ballot.objects.for_user(user).filter(status=BallotStatus.OPEN)).order_by(
        "closes_at", "pk"
    )


def ballots_closing_soon(user, today) -> QuerySet:
    return open_ballots(user, today).filter(
        closes_at__lt=_end_of_day(today + datetime.timedelta(days=CLOSING_SOON_DAYS))
    )


def _orders(qs: QuerySet) -> QuerySet:
    return qs.select_related("project", "responsible_party").order_by("deadline", "pk")


def orders_due(user, today) -> QuerySet:
    """Open orders whose deadline has passed or falls within the week."""
    return _orders(
        Rectification.objects.for_user(user)
        .open()
        .filter(deadline__lte=today + datetime.timedelta(days=WEEK))
    )


def overdue_orders(user, today) -> QuerySet:
    return _orders(Rectification.objects.for_user(user).overdue(today))


def my_open_orders(user, today) -> QuerySet:
    return _orders(
        Rectification.objects.for_user(user).open().filter(responsible_party__users=user).distinct()
    )


def my_overdue_orders(user, today) -> QuerySet:
    return my_open_orders(user, today).filter(deadline__lt=today)


def projects_at_gate(user, today) -> QuerySet:
    """Projects whose next step is gated (consulting -> approved, approved -> construction). The list
    shows what each one misses; one with nothing missing is ready for its next step."""
    return (
        Project.objects.for_user(user)
        .filter(status__in=list(GATED_STEP))
        .select_related("division")
        .order_by("name", "pk")
    )


def overdue_milestones(user, today) -> QuerySet:
    return (
        Milestone.objects.filter(project__in=Project.objects.for_user(user))
        .filter(actual_date__isnull=True, planned_date__lt=today)
        .select_related("project")
        .order_by("planned_date", "pk")
    )


def rounds_to_schedule(user, today) -> QuerySet:
    """Projects in acceptance with no round scheduled or surveying residents."""
    running = AcceptanceRound.objects.filter(
        project_id=OuterRef("pk"), status__in=[schoices.RoundStatus.SCHEDULED, schoices.RoundStatus.VOTING]
    )
    return (
        Project.objects.for_user(user)
        .filter(status=ProjectStatus.ACCEPTANCE)
        .filter(~Exists(running))
        .select_related("division")
        .order_by("name", "pk")
    )


def _my_projects(user) -> QuerySet:
    return Project.objects.for_user(user).filter(parties__users=user).values("pk")


def progress_reports_due(user, today) -> QuerySet:
    """Work items of my projects under construction, not finished, with no report in the last week."""
    recent = ProgressReport.objects.filter(
        work_item_id=OuterRef("pk"), reported_on__gt=today - datetime.timedelta(days=PROGRESS_REPORT_DAYS)
    )
    finished = ProgressReport.objects.filter(work_item_id=OuterRef("pk"), percent__gte=100)
    return (
        WorkItem.objects.filter(
            project__in=_my_projects(user), project__status=ProjectStatus.UNDER_CONSTRUCTION
        )
        .filter(~Exists(recent), ~Exists(finished))
        .select_related("project")
        .order_by("project__name", "name", "pk")
    )


def inspections_on_my_work(user, today) -> QuerySet:
    return (
        Inspection.objects.for_user(user)
        .filter(
            project__in=_my_projects(user), inspected_on__gte=today - datetime.timedelta(days=INSPECTION_DAYS)
        )
        .select_related("project", "work_item")
        .order_by("-inspected_on", "-pk")
    )


def exceptions_in_force(user, today) -> QuerySet:
    return (
        GateException.objects.for_user(user)
        .in_force()
        .select_related("project", "granted_by")
        .order_by("-granted_at", "-pk")
    )


# --- rows -------------------------------------------------------------------------------------------------


def _date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def _household_row(h) -> dict:
    return {"title": f"{h.building.compound.name} {h.label}", "url": h.get_absolute_url(), "meta": []}


def _opinion_row(o) -> dict:
    where = o.household.label if o.household_id else o.compound.name
    return {
        "title": str(o),
        "url": o.get_absolute_url(),
        "meta": [where, o.get_status_display(), _date(o.created_at)],
    }


def _notice_row(n) -> dict:
    return {
        "title": n.title,
        "url": n.get_absolute_url(),
        "meta": [str(_("period ends %(when)s") % {"when": _date(n.period_ends_at)})],
    }


def _objection_row(o) -> dict:
    return {
        "title": o.text[:60],
        "url": o.notice.get_absolute_url() + "#objections",
        "meta": [o.notice.title, _date(o.received_at)],
    }


def _ballot_row(b) -> dict:
    electors = b.elector_count or 0
    voted = b.vote_count or 0
    pct = f"{voted * 100 / electors:.1f}%" if electors else "—"
    return {
        "title": b.title,
        "url": b.get_absolute_url(),
        "meta": [
            str(
                _("turnout %(voted)s / %(electors)s (%(pct)s)")
                % {"voted": voted, "electors": electors, "pct": pct}
            ),
            str(_("closes %(when)s") % {"when": _date(b.closes_at)}),
        ],
    }


def _order_row(r) -> dict:
    today = _now_local_date()
    return {
        "title": str(r),
        "url": r.get_absolute_url(),
        "meta": [
            r.project.name,
            str(r.responsible_party) if r.responsible_party_id else "",
            str(_("deadline %(day)s") % {"day": _date(r.deadline)}),
        ],
        "warn": r.deadline < today,
    }


def _project_gate_row(p) -> dict:
    from projects import gates

    to_status = GATED_STEP[p.status]
    blocking = gates.blocking_items(p, to_status)
    meta = [p.get_status_display()]
    if blocking:
        meta += [str(i.missing or i.label) for i in blocking]
    else:
        meta.append(str(_("nothing missing: ready for the next step")))
    return {
        "title": p.name,
        "url": p.get_absolute_url() + "#gate-checklist",
        "meta": meta,
        "warn": bool(blocking),
    }


def _milestone_row(m) -> dict:
    return {
        "title": m.name,
        "url": m.project.get_absolute_url(),
        "meta": [m.project.name, str(_("planned %(day)s") % {"day": _date(m.planned_date)})],
        "warn": True,
    }


def _project_row(p) -> dict:
    return {"title": p.name, "url": p.get_absolute_url(), "meta": [p.get_status_display()]}


def _work_item_row(w) -> dict:
    return {
        "title": w.name,
        "url": reverse("supervision:progress_new", args=[w.project_id]),
        "meta": [w.project.name],
    }


def _inspection_row(i) -> dict:
    return {
        "title": str(i.findings)[:60],
        "url": i.get_absolute_url(),
        "meta": [i.project.name, i.get_result_display(), _date(i.inspected_on)],
        "warn": i.result != schoices.InspectionResult.PASS,
    }


def _exception_row(e) -> dict:
    from projects import gates

    who = e.granted_by_name or (e.granted_by.display_name if e.granted_by else "")
    return {
        "title": f"{e.project.name} · {gates.label(e.gate)}",
        "url": e.project.get_absolute_url() + "#gate-checklist",
        "meta": [who, _date(e.granted_at), e.reason[:80]],
    }


# --- the registry ----------------------------------------------------------------------------------------

G, S, T, C, D = (
    Role.GRID_WORKER,
    Role.COMMUNITY_SECRETARY,
    Role.STREET_STAFF,
    Role.CONTRACTOR,
    Role.DISTRICT_ADMIN,
)

DEFS: dict[str, TodoDef] = {
    d.key: d
    for d in [
        TodoDef(
            "my-unvisited", G, _("My households not yet visited"), my_unvisited_households, _household_row
        ),
        TodoDef("my-open-opinions", G, _("Opinions I recorded still open"), my_open_opinions, _opinion_row),
        TodoDef(
            "unvisited",
            S,
            _("Households not yet visited (compounds being consulted)"),
            community_unvisited_households,
            _household_row,
        ),
        TodoDef(
            "open-opinions", S, _("Open opinions in the community"), community_open_opinions, _opinion_row
        ),
        TodoDef(
            "notices-ending",
            S,
            _("Notices whose period ends this week"),
            notices_ending_this_week,
            _notice_row,
        ),
        TodoDef("objections", S, _("Objections to handle"), pending_objections, _objection_row, warn=True),
        TodoDef("open-ballots", S, _("Ballots open (turnout)"), open_ballots, _ballot_row),
        TodoDef(
            "ballots-closing",
            S,
            _("Ballots closing within 3 days"),
            ballots_closing_soon,
            _ballot_row,
            warn=True,
        ),
        TodoDef(
            "orders-due", S, _("Rectification orders due within a week"), orders_due, _order_row, warn=True
        ),
        TodoDef("gates", T, _("Projects at a gate (what is missing)"), projects_at_gate, _project_gate_row),
        TodoDef(
            "milestones-overdue", T, _("Overdue milestones"), overdue_milestones, _milestone_row, warn=True
        ),
        TodoDef(
            "orders-overdue", T, _("Overdue rectification orders"), overdue_orders, _order_row, warn=True
        ),
        TodoDef(
            "opinions-unanswered",
            T,
            _("Opinions unanswered past the answer time"),
            unanswered_old_opinions,
            _opinion_row,
            warn=True,
        ),
        TodoDef(
            "rounds-to-schedule", T, _("Acceptance rounds to schedule"), rounds_to_schedule, _project_row
        ),
        TodoDef("my-orders", C, _("My open rectification orders"), my_open_orders, _order_row),
        TodoDef(
            "my-orders-overdue",
            C,
            _("My overdue rectification orders"),
            my_overdue_orders,
            _order_row,
            warn=True,
        ),
        TodoDef("progress-due", C, _("Progress reports due"), progress_reports_due, _work_item_row),
        TodoDef(
            "inspections",
            C,
            _("Inspections on my work (last 14 days)"),
            inspections_on_my_work,
            _inspection_row,
        ),
        TodoDef("exceptions", D, _("Gate exceptions in force"), exceptions_in_force, _exception_row),
    ]
}

ROLE_ORDER = [D, T, S, G, C]


def roles_of(user) -> list[str]:
    """The roles whose to-do lists the user gets, in a fixed order (a superuser gets the district's)."""
    scope = get_scope(user)
    if scope.is_superuser:
        return [D, T]
    held = scope.roles()
    return [r for r in ROLE_ORDER if r in held]


def definition_for(user, key: str) -> TodoDef | None:
    d = DEFS.get(key)
    if d is None or d.role not in roles_of(user):
        return None
    return d


def rows(user, key: str, today: datetime.date | None = None) -> QuerySet:
    d = definition_for(user, key)
    if d is None:
        raise KeyError(key)
    return d.rows(user, today or _now_local_date())


def _items(user, role: str, today: datetime.date) -> list[TodoItem]:
    return [
        TodoItem(
            key=d.key,
            label=str(d.label),
            count=d.rows(user, today).count(),
            url=reverse("todo_list", args=[d.key]),
            warn=d.warn,
        )
        for d in DEFS.values()
        if d.role == role
    ]


def grid_worker(user, today: datetime.date) -> TodoSection:
    return TodoSection(
        G,
        str(Role(G).label),
        _items(user, G, today),
        [(str(_("My households")), reverse("consultations:my_households"))],
    )


def secretary(user, today: datetime.date) -> TodoSection:
    return TodoSection(S, str(Role(S).label), _items(user, S, today))


def street_staff(user, today: datetime.date) -> TodoSection:
    return TodoSection(
        T, str(Role(T).label), _items(user, T, today), [(str(_("Access log")), reverse("access_log"))]
    )


def contractor(user, today: datetime.date) -> TodoSection:
    return TodoSection(C, str(Role(C).label), _items(user, C, today))


def district(user, today: datetime.date) -> TodoSection:
    return TodoSection(
        D,
        str(Role(D).label),
        _items(user, D, today),
        [
            (str(_("Programme overview")), reverse("overview:landing")),
            (str(_("Access log")), reverse("access_log")),
        ],
    )


PER_ROLE = {G: grid_worker, S: secretary, T: street_staff, C: contractor, D: district}


def todo_for(user, today: datetime.date | None = None) -> list[TodoSection]:
    """The to-do sections of every role the user holds (none for a read-only viewer)."""
    today = today or _now_local_date()
    return [PER_ROLE[role](user, today) for role in roles_of(user)]

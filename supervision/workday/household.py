"""The household page's panels from consultations, ballots and projects (communities.household_panels).

Each panel is one query (at most ROWS rows) plus, when cut, one COUNT. Votes show that the household
voted, when and how; the choice only for a recorded ballot whose choices are already visible (closed,
or shown while open), never for a secret ballot (its choice is not linked to the household at all).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.household_panels import Panel, PanelRow, register
from communities.scoping import get_scope
from consultations.ballots.choices import BallotStatus
from consultations.ballots.models import Elector, Vote
from consultations.models import Opinion, Visit
from projects.models import HouseholdAssignment

ROWS = 20


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _cut(qs, key: str, title: str, empty: str, row, more_url: str = "") -> Panel:
    rows = list(qs[: ROWS + 1])
    total = None
    if len(rows) > ROWS:
        rows = rows[:ROWS]
        total = qs.count()
    return Panel(key, title, [row(r) for r in rows], empty, more_url if total else "", total)


def visits(user, household) -> Panel | None:
    if not get_scope(user).sees_residents:
        return None
    qs = (
        Visit.objects.for_user(user)
        .filter(household=household)
        .select_related("visitor")
        .order_by("-visited_at")
    )
    return _cut(
        qs,
        "visits",
        _("Visits to this household"),
        _("Not visited yet."),
        lambda v: PanelRow(
            _when(v.visited_at),
            v.get_absolute_url(),
            [
                v.get_channel_display(),
                v.get_attitude_display(),
                v.visitor.display_name if v.visitor_id else "",
                v.notes[:60],
            ],
        ),
        reverse("consultations:visit_list") + f"?household={household.pk}",
    )


def opinions(user, household) -> Panel | None:
    if not get_scope(user).sees_residents:
        return None
    qs = Opinion.objects.for_user(user).filter(household=household).order_by("-created_at", "-pk")
    return _cut(
        qs,
        "opinions",
        _("Opinions"),
        _("No opinion recorded."),
        lambda o: PanelRow(str(o), o.get_absolute_url(), [o.get_status_display(), _when(o.created_at)]),
        reverse("consultations:opinion_list") + f"?household={household.pk}",
    )


def _choice(vote) -> str:
    ballot = vote.ballot
    if ballot.secret or vote.secret or vote.option_id is None:
        return _("secret ballot: the choice is not linked to the household")
    if ballot.status != BallotStatus.CLOSED and not ballot.realtime_results:
        return _("choice shown after the ballot closes")
    return _("chose %(option)s") % {"option": vote.option.label}


def votes(user, household) -> Panel | None:
    if not get_scope(user).sees_residents:
        return None
    # the household's electors first (a few, by their GIN index): joined in one query, the planner
    # expected hundreds and walked the province's votes newest first to find them (95 ms)
    electors = list(
        Elector.objects.filter(household_ids__contains=[household.pk]).values_list("pk", flat=True)
    )
    qs = (
        Vote.objects.for_user(user)
        .filter(elector_id__in=electors)
        .select_related("ballot", "option")
        .order_by("-cast_at", "-pk")
    )
    return _cut(
        qs,
        "votes",
        _("Votes cast"),
        _("No vote cast."),
        lambda v: PanelRow(
            v.ballot.title,
            v.ballot.get_absolute_url(),
            [_when(v.cast_at), v.get_channel_display(), _choice(v)],
        ),
    )


def assignments(user, household) -> Panel | None:
    if not get_scope(user).sees_residents:
        return None
    qs = (
        HouseholdAssignment.objects.for_user(user)
        .filter(household=household)
        .select_related("branch", "member")
        .order_by("branch__name", "pk")
    )
    return _cut(
        qs,
        "assignments",
        _("Assigned Party members (分户包干)"),
        _("Not assigned to a Party member."),
        lambda a: PanelRow(a.member.name, a.branch.get_absolute_url(), [a.branch.name]),
    )


def connect() -> None:
    register("assignments", assignments, order=10)
    register("visits", visits, order=20)
    register("opinions", opinions, order=30)
    register("votes", votes, order=40)
    # order 50 is kept for in-home works bookings (register("bookings", ..., order=50))

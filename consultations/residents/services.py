"""What a household's own page shows, and the writes residents and staff make through it.

Everything here is for ONE household: every query filters on it or on its compound, so a page never shows
another household's data (no names or phone numbers at all, not even its own)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone

from communities.models import Household


@dataclass
class HouseholdOverview:
    household: Household
    projects: list = field(default_factory=list)
    ballots: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    surveys: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    bookings: list = field(default_factory=list)
    bookable: list = field(default_factory=list)
    messages: list = field(default_factory=list)


def household_overview(household: Household) -> HouseholdOverview:
    from django.db.models import Q

    from consultations.ballots.choices import BallotStatus
    from consultations.ballots.models import Elector, Vote
    from consultations.choices import NoticeStatus
    from consultations.models import Notice
    from projects.models import Project

    compound = household.building.compound
    now = timezone.now()
    projects = list(
        Project.objects.filter(compounds=compound)
        .with_totals()
        .prefetch_related("work_items")
        .order_by("-year", "pk")
    )
    electors = (
        Elector.objects.filter(household_ids__contains=[household.pk], ballot__status=BallotStatus.OPEN)
        .select_related("ballot")
        .annotate(voted=Exists(Vote.objects.filter(elector=OuterRef("pk"))))
        .order_by("ballot__closes_at")
    )
    notices = list(
        Notice.objects.filter(status=NoticeStatus.PUBLISHED, starts_at__lte=now)
        .filter(Q(compound=compound) | Q(project__in=[p.pk for p in projects]))
        .order_by("-starts_at")[:10]
    )
    notices = [n for n in notices if now < n.ends_at]
    overview = HouseholdOverview(
        household=household,
        projects=projects,
        ballots=[(e.ballot, e.voted) for e in electors],
        notices=notices,
    )
    _add_surveys(overview)
    from .reports import household_reports

    overview.reports = household_reports(household)
    from projects.bookings import household_bookings

    overview.bookings = household_bookings(household)
    overview.messages = list(household.notifications.order_by("-created_at")[:10])
    return overview


def _add_surveys(overview: HouseholdOverview) -> None:
    """Open menu surveys of the household's compound, with whether the household answered."""
    from .choices import SurveyStatus
    from .models import MenuResponse, MenuSurvey

    h = overview.household
    overview.surveys = list(
        MenuSurvey.objects.filter(compound_id=h.building.compound_id, status=SurveyStatus.OPEN)
        .annotate(answered=Exists(MenuResponse.objects.filter(survey=OuterRef("pk"), household=h)))
        .order_by("closes_at")
    )

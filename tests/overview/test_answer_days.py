"""'Answered on time' in the overview uses each area's answer time (NoticePolicy.opinion_answer_days,
nearest ancestor, else settings.OPINION_ANSWER_DAYS), the same one the home page's to-dos use."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communities.choices import DivisionLevel
from communities.models import Compound, Division
from consultations.models import NoticePolicy, Opinion
from projects.models import Programme
from supervision.overview import figures as F
from supervision.overview import services
from supervision.overview.live import live_figures
from supervision.overview.models import CompoundRollup, DivisionRollup
from supervision.workday.todo import unanswered_old_opinions

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def stored(place, year) -> dict:
    if isinstance(place, Division):
        row = DivisionRollup.objects.filter(division=place, year=year).first()
    else:
        row = CompoundRollup.objects.filter(compound=place, year=year).first()
    return F.from_json(row.figures if row else None)


def _opinion(compound, now, *, age: int, answered_after: int | None) -> Opinion:
    created = now - age * DAY
    return Opinion.objects.create(
        compound=compound,
        source="visit",
        category="parking",
        content="意见",
        status="accepted",
        created_at=created,
        answered_at=None if answered_after is None else created + answered_after * DAY,
    )


def _collectors() -> list:
    return [hook[1] for hook in connection.run_on_commit if isinstance(hook[1], services._Collector)]


@pytest.fixture
def areas(world, settings):
    """Community A answers within 10 days (its own policy, nearer than street A's), community B within
    5 (street A's policy), community C has no policy: the setting, 7 days."""
    settings.OPINION_ANSWER_DAYS = 7
    NoticePolicy.objects.create(division=world.street_a, opinion_answer_days=5)
    NoticePolicy.objects.create(division=world.community_a, opinion_answer_days=10)
    NoticePolicy.objects.create(division=world.street_b, default_days=10)  # sets no answer time
    now = timezone.now()
    programme = Programme.objects.create(
        district=world.district, year=timezone.localdate(now).year, name="本年"
    )
    programme.compounds.set([world.compound_a, world.compound_b, world.compound_c])
    for compound, answers in (
        (world.compound_a, [8, 12]),  # 10 days: day 8 on time, day 12 late
        (world.compound_b, [3, 6, 8]),  # 5 days: day 3 on time, days 6 and 8 late
        (world.compound_c, [6, 8]),  # 7 days: day 6 on time, day 8 late
    ):
        for days in answers:
            _opinion(compound, now, age=20, answered_after=days)
        _opinion(compound, now, age=8, answered_after=None)  # late in B and C, not yet in A
        _opinion(compound, now, age=20, answered_after=None)  # late everywhere
    return now


EXPECTED = {  # compound: (answered, answered on time, answers due)
    "compound_a": (2, 1, 3),
    "compound_b": (3, 1, 5),
    "compound_c": (2, 1, 4),
}


def test_answered_on_time_follows_each_areas_policy(world, areas, district_admin):
    now = areas
    year = timezone.localdate(now).year
    services.refresh(full=True, now=now)
    late_todos = unanswered_old_opinions(district_admin, timezone.localdate(now))
    for name, (answered, on_time, due) in EXPECTED.items():
        compound = getattr(world, name)
        fig = stored(compound, year)
        got = (fig["answered"], fig["answered_on_time"], fig["answers_due"])
        assert got == (answered, on_time, due), name
        # the home page flags exactly the overview's due-but-unanswered opinions
        assert late_todos.filter(compound=compound).count() == due - answered, name
        live = live_figures(compound, year, now)
        assert (live["answered"], live["answered_on_time"], live["answers_due"]) == (answered, on_time, due)
    # the divisions add their compounds up, and equal a live count
    for place, names in (
        (world.street_a, ["compound_a", "compound_b"]),
        (world.district, list(EXPECTED)),
    ):
        fig, live = stored(place, year), live_figures(place, year, now)
        for i, key in enumerate(("answered", "answered_on_time", "answers_due")):
            assert fig[key] == live[key] == sum(EXPECTED[n][i] for n in names), (place, key)


def test_a_policy_change_recounts_its_subtree(world, areas):
    now = areas
    year = timezone.localdate(now).year
    services.refresh(full=True, now=now)
    assert stored(world.street_a, year)["answered_on_time"] == 2
    for collector in _collectors():  # the opinions' own marks: counted already
        collector.ids = set()
    policy = NoticePolicy.objects.get(division=world.street_a)
    policy.opinion_answer_days = 9  # community B: days 3, 6 and 8 now on time
    policy.save()
    collectors = _collectors()
    assert len(collectors) == 1
    assert {world.compound_a.pk, world.compound_b.pk} <= collectors[0].ids
    assert world.compound_c.pk not in collectors[0].ids
    collectors[0]()  # what the commit does
    report = services.refresh(now=now)
    assert report.compounds_recounted == 2
    assert stored(world.compound_b, year)["answered_on_time"] == 3
    assert stored(world.street_a, year)["answered_on_time"] == 4
    collectors[0].ids = set()
    NoticePolicy.objects.filter(pk=policy.pk).delete()  # removed: street A's areas recounted again
    assert {world.compound_a.pk, world.compound_b.pk} == collectors[0].ids


def test_the_refresh_reads_the_policies_in_constant_queries(world, areas):
    now = areas

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            services.refresh(full=True, now=now)
        return len(ctx.captured_queries)

    programme = Programme.objects.get(name="本年")

    def add_area(i: int) -> None:
        street = Division.objects.create(name=f"新街道{i}", level=DivisionLevel.STREET, parent=world.district)
        community = Division.objects.create(name=f"新社区{i}", level=DivisionLevel.COMMUNITY, parent=street)
        NoticePolicy.objects.create(division=community, opinion_answer_days=3 + i)
        compound = Compound.objects.create(division=community, name=f"新小区{i}")
        programme.compounds.add(compound)
        _opinion(compound, now, age=20, answered_after=6)

    services.refresh(full=True, now=now)
    add_area(0)
    few = queries()
    for i in range(1, 9):  # many more areas, each with its own policy and opinions
        add_area(i)
    assert queries() == few
    # answered on day 6: on time where the policy gives 6 days or more (i >= 3)
    assert stored(world.district, timezone.localdate(now).year)["answered_on_time"] == 3 + 6

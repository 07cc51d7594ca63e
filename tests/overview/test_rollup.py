"""The rollups equal a live count of the same rows, and follow the writes that change them."""

import datetime

import pytest
from django.utils import timezone

from communities.models import Compound, Division
from consultations.models import Visit
from projects.models import Programme, Project
from supervision.overview import figures as F
from supervision.overview import services
from supervision.overview.live import live_figures
from supervision.overview.models import CompoundRollup, DivisionRollup, PendingCompound, RefreshState
from tests import factories as f

from .builders import build_random

YEAR = 2026
NOW = timezone.make_aware(datetime.datetime(2026, 6, 15, 10, 30))


def stored(place, year=YEAR) -> dict:
    if isinstance(place, Division):
        row = DivisionRollup.objects.filter(division=place, year=year).first()
    else:
        row = CompoundRollup.objects.filter(compound=place, year=year).first()
    return F.from_json(row.figures if row else None)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_rollup_figure_equals_a_live_count(world, seed):
    build_random(world, seed=seed, year=YEAR, now=NOW)
    services.refresh(full=True, now=NOW)
    places = list(Division.objects.all()) + list(Compound.objects.all())
    compared = nonzero = 0
    for year in (YEAR, YEAR - 1):
        for place in places:
            live, rolled = live_figures(place, year, NOW), stored(place, year)
            diff = {k: (rolled[k], live[k]) for k in F.KEYS if rolled[k] != live[k]}
            assert not diff, f"{place} {year}: rollup != live {diff}"
            compared += 1
            nonzero += sum(1 for k in F.KEYS if live[k])
    assert compared == 2 * len(places)
    # the data reach every kind of figure somewhere (so the comparison can fail)
    province = stored(world.province)
    reached = {k for k in F.KEYS if province[k]}
    assert {
        "visited",
        "support",
        "answers_due",
        "rating_satisfied",
        "projects_behind",
        "open_votes",
    } <= reached
    assert len(reached) > len(F.KEYS) // 2


def test_block_project_counts_once_per_place(world):
    p = Project.objects.create(
        name="街区改造", division=world.street_a, year=YEAR, status="under_construction"
    )
    p.compounds.set([world.compound_a, world.compound_b])
    services.refresh(full=True, now=NOW)
    assert stored(world.community_a)["projects"] == 1
    assert stored(world.community_b)["projects"] == 1
    assert stored(world.street_a)["projects"] == 1  # not 2
    assert stored(world.district)["started_compounds"] == 2
    assert stored(world.street_b)["projects"] == 0


def test_a_street_total_excludes_other_streets(world):
    build_random(world, seed=7, year=YEAR, now=NOW)
    services.refresh(full=True, now=NOW)
    a, b, district = stored(world.street_a), stored(world.street_b), stored(world.district)
    assert a["plan_households"] + b["plan_households"] <= district["plan_households"]
    assert a["plan_households"] == live_figures(world.street_a, YEAR, NOW)["plan_households"]
    assert a["plan_households"] < district["plan_households"]


@pytest.mark.django_db(transaction=True)
def test_a_write_refreshes_the_rollups_after_commit(world):
    Programme.objects.create(
        district=world.district, year=timezone.localdate().year, name="本年"
    ).compounds.add(world.compound_a)
    household = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a))
    year = timezone.localdate().year
    assert stored(world.community_a, year)["plan_households"] == 1
    assert stored(world.community_a, year)["visited"] == 0
    Visit.objects.create(household=household, compound=world.compound_a, attitude="support")
    after = stored(world.community_a, year)
    assert after["visited"] == 1 and after["support"] == 1
    assert stored(world.province, year)["visited"] == 1
    assert not PendingCompound.objects.exists()  # drained
    # a project-level write (no compound facts) refreshes too
    p = Project.objects.create(name="新项目", division=world.street_a, year=year, status="under_construction")
    p.compounds.add(world.compound_a)
    assert stored(world.street_a, year)["projects_under_construction"] == 1
    assert stored(world.street_a, year)["started_compounds"] == 1
    assert RefreshState.objects.get(year=year).refreshed_at is not None


def test_changes_are_marked_per_transaction_and_recounted_alone(world):
    from django.db import connection

    services.refresh(full=True, now=NOW)
    h1 = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_c))
    for _i in range(5):
        Visit.objects.create(household=h1, compound=world.compound_c, attitude="oppose")
    # one flush for the whole transaction, whatever the number of writes
    collectors = [hook[1] for hook in connection.run_on_commit if isinstance(hook[1], services._Collector)]
    assert len(collectors) == 1
    assert world.compound_c.pk in collectors[0].ids
    collectors[0].ids = {world.compound_c.pk}
    collectors[0]()  # what the commit does
    assert PendingCompound.objects.filter(compound_id=world.compound_c.pk).exists()
    report = services.refresh(now=NOW)
    assert report.compounds_recounted == 1
    assert stored(world.compound_c, timezone.localdate().year)["oppose"] == 0  # not in any plan


def test_enqueues_are_debounced(world, settings):
    from django.core.cache import cache

    cache.delete(services.QUEUED_KEY)
    settings.OVERVIEW_REFRESH_DEBOUNCE = 60
    assert services.enqueue_refresh() is True
    assert services.enqueue_refresh() is False
    assert services.enqueue_refresh(force=True) is True
    cache.delete(services.QUEUED_KEY)


def test_rows_of_places_with_nothing_left_are_removed(world):
    p = Project.objects.create(name="临时", division=world.street_a, year=YEAR, status="planning")
    p.compounds.set([world.compound_a])
    services.refresh(full=True, now=NOW)
    assert CompoundRollup.objects.filter(compound=world.compound_a, year=YEAR).exists()
    p.delete()
    services.refresh(full=True, now=NOW)
    assert not CompoundRollup.objects.filter(compound=world.compound_a, year=YEAR).exists()
    assert stored(world.street_a)["projects"] == 0

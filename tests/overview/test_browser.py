"""In Chromium, at desktop and phone width: open the overview, drill down two levels, export the ledger."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from consultations.models import Visit
from projects.models import FundingLine, Programme, Project, WorkItem
from supervision.overview import services
from tests import factories as f
from tests.conftest import login, screenshot


@pytest.fixture
def rolled_up(world):
    """A small programme of this year over the world's three compounds, rolled up."""
    year = timezone.localdate().year
    with transaction.atomic():  # one refresh for the lot, not one per row
        programme = Programme.objects.create(
            district=world.district, year=year, name="本年计划", target_compounds=4
        )
        programme.compounds.set([world.compound_a, world.compound_b, world.compound_c])
        for compound in (world.compound_a, world.compound_b, world.compound_c):
            building = f.BuildingFactory(compound=compound)
            for k in range(3):
                household = f.HouseholdFactory(building=building)
                if k:
                    Visit.objects.create(household=household, compound=compound, attitude="support")
        project = Project.objects.create(
            name="竹岭片区改造", division=world.street_a, year=year, status="under_construction"
        )
        project.compounds.set([world.compound_a, world.compound_b])
        WorkItem.objects.create(project=project, name="屋面防水", budget=Decimal("300000"), progress=40)
        FundingLine.objects.create(project=project, source="central_subsidy", planned=Decimal("200000"))
    services.refresh(full=True)
    return world


def _drill_down_and_export(page, world, prefix: str, width: int) -> None:
    page.goto(page.base + "/overview/")
    page.locator("#ov-kpis").wait_for()
    assert page.locator(".ov-chart svg").count() >= 5  # ECharts drew the charts (SVG renderer)
    assert page.locator("#ov-as-of").inner_text().startswith("数据截至")
    screenshot(page, f"{prefix}-top")
    page.get_by_role("link", name=world.street_a.name, exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith(world.street_a.name)
    page.get_by_role("link", name=world.community_a.name, exact=True).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith(world.community_a.name)
    # below a community the table lists its compounds
    assert page.locator("#ov-child-table").get_by_text(world.compound_a.name).is_visible()
    if width <= 400:
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    screenshot(page, f"{prefix}-community")
    # back up the breadcrumb
    page.locator(".breadcrumb").get_by_role("link", name=world.street_a.name).click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith(world.street_a.name)
    page.locator("#ov-export").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="下载").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载").click()
    assert download.value.suggested_filename.endswith(".xlsx")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_overview_on_a_desktop(rolled_up, district_admin, browser_page):
    page = browser_page(width=1280, height=900)
    login(page, district_admin.username)
    page.goto(page.base + "/overview/")
    page.get_by_role("link", name=rolled_up.street_a.name, exact=True).wait_for()
    # the district's own page first: sort its streets worst first by visit coverage
    page.locator("#ov-sort").select_option("coverage")
    page.locator("#ov-sort-form button").click()
    page.wait_for_load_state()
    assert "sort=coverage" in page.url
    _drill_down_and_export(page, rolled_up, "overview-desktop", 1280)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_overview_on_a_phone(rolled_up, district_admin, browser_page):
    page = browser_page(width=390, height=844)
    login(page, district_admin.username)
    _drill_down_and_export(page, rolled_up, "overview-phone", 390)

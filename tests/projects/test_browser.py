"""In Chromium, as a street-office user: create a project, add work items from the catalog, plan two
digs of one zone in separate windows and see the dig-once warning, set up the branch, assign a
building and see the coverage."""

import pytest
from django.urls import reverse

from projects import catalog_data
from projects.models import CatalogGroup, CatalogItem, CatalogScheme, Project
from tests import factories as f
from tests.conftest import login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_create_project_work_items_dig_once_and_coverage(world, street_user, browser_page):
    catalog_data.load(CatalogItem, CatalogScheme, CatalogGroup)  # a transactional test may have flushed it
    building = f.BuildingFactory(compound=world.compound_a, name="1栋")
    for unit in ("1", "2"):
        for floor in range(1, 4):
            f.HouseholdFactory(building=building, unit=unit, floor=floor, room=f"{floor}0{unit}")

    page = browser_page()
    login(page, street_user.username)

    # create the project
    page.goto(page.base + reverse("projects:project_create"))
    page.fill("#id_name", "民居巷血防站综合改造")
    page.select_option("#id_division", str(world.street_a.pk))
    page.select_option("#id_compounds", [str(world.compound_a.pk)])
    page.fill("#id_year", "2024")
    page.fill("#id_responsible_leader", "县领导包挂")
    page.click("main button.btn-party[type=submit]")
    page.wait_for_load_state()
    project = Project.objects.get(name="民居巷血防站综合改造")
    assert page.url.endswith(project.get_absolute_url())

    # work items from Wuning's 三清四改五提升 groups
    page.get_by_role("link", name="从目录选择").click()
    page.get_by_role("tab", name="武宁县“三清四改五提升”").click()
    page.locator(".tab-pane.active").get_by_label("清理楼道堆物杂物").check()
    page.locator(".tab-pane.active").get_by_label("雨污分流改造").check()
    page.get_by_role("button", name="添加所选内容").click()
    page.wait_for_load_state()
    assert project.work_items.count() == 2
    assert page.locator("#work-items").get_by_text("雨污分流改造").is_visible()

    # two utilities dig the same zone a month apart
    for kind, start, end in (("water", "2024-05-01", "2024-05-10"), ("gas", "2024-06-10", "2024-06-15")):
        page.goto(page.base + reverse("projects:project_child_add", args=[project.pk, "utility-works"]))
        page.select_option("#id_kind", kind)
        page.fill("#id_zone", "主干道")
        page.fill("#id_window_start", start)
        page.fill("#id_window_end", end)
        page.click("main button.btn-party[type=submit]")
        page.wait_for_load_state()
    warning = page.locator(".dig-once-warning")
    warning.wait_for()
    assert "同一区域将被重复开挖" in warning.inner_text()
    assert "相隔 31 天" in warning.inner_text()

    # set up the temporary branch, add a member, assign unit 1 of 1栋
    page.get_by_role("link", name="组建临时党支部").click()
    page.click("main button.btn-party[type=submit]")
    page.wait_for_load_state()
    page.get_by_role("link", name="添加党员").click()
    page.fill("#id_name", "刘书记")
    page.fill("#id_organization", "竹岭社区党委")
    page.select_option("#id_role", "secretary")
    page.click("main button.btn-party[type=submit]")
    page.wait_for_load_state()
    page.get_by_role("link", name="分户包干").first.click()
    page.select_option("#id_member", label="刘书记")
    page.select_option("#id_building", label="民居巷血防站 1栋")
    page.fill("#id_unit", "1")
    page.get_by_role("button", name="分配").click()
    page.wait_for_load_state()
    assert "3 / 6" in page.locator("h2.coverage-summary").inner_text()
    screenshot(page, "projects-coverage")

    page.goto(page.base + project.get_absolute_url())
    assert "3 / 6" in page.locator(".coverage-summary").first.inner_text()
    screenshot(page, "projects-detail")

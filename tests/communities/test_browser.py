"""In Chromium, as a street-office user on a phone: compound list -> compound -> household grid."""

import pytest
from django.urls import reverse

from communities.models import Household
from tests import factories as f
from tests.conftest import login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_street_user_sees_household_grid(world, street_user, browser_page):
    building = f.BuildingFactory(compound=world.compound_a, name="1栋", unit_count=2, floor_count=6)
    f.BuildingFactory(compound=world.compound_a, name="2栋", unit_count=1, floor_count=5)
    Household.objects.bulk_create(
        Household(
            building=building,
            unit=str(unit),
            floor=floor,
            room=f"{floor}0{pos + (unit - 1) * 2}",
            is_vacant=(floor, pos) == (4, 1),
        )
        for unit in (1, 2)
        for floor in range(1, 7)
        for pos in (1, 2)
    )
    owned = Household.objects.get(building=building, unit="1", room="502")
    f.OwnershipFactory(household=owned, person=f.PersonFactory(division=world.community_a, name="张三"))

    page = browser_page(width=390, height=844)  # a secretary's phone
    login(page, street_user.username)
    page.goto(page.base + reverse("communities:compound_list"))
    assert page.get_by_role("heading", name="小区").is_visible()
    page.get_by_role("link", name=world.compound_a.name).click()
    page.wait_for_load_state()

    grid = page.locator("table.hh-grid").first
    room = grid.get_by_role("link", name="502", exact=True)
    room.wait_for()
    assert room.is_visible()
    assert "1单元" in grid.inner_text() and "2单元" in grid.inner_text()
    assert page.locator("td.hh-vacant").count() == 2  # floor 4, first room of each unit
    screenshot(page, "registry_household_grid")

    room.click()
    page.wait_for_load_state()
    assert "张三" in page.content()
    assert "138****" in page.content()
    # on a phone nothing scrolls the page sideways: the compound page (grids scroll in their own box)
    # and the household page, whose owners become stacked cards
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("table.stack-sm thead").is_hidden()
    screenshot(page, "registry_household_phone")
    page.go_back()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

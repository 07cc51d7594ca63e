"""Browser: the visit ledger's Next and Previous links walk it by cursor and show the rows the numbered
pages would (issue 15: deep pages without OFFSET)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consultations.models import Visit
from tests import factories as f
from tests.conftest import login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_next_three_times_then_previous(browser_page, world, district_admin, monkeypatch):
    import consultations.views

    monkeypatch.setattr(consultations.views, "PAGE_SIZE", 3)
    household = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a))
    at = timezone.now().replace(microsecond=0)
    for i in range(14):  # in threes at the same minute: the id orders them
        Visit.objects.create(
            household=household,
            compound=world.compound_a,
            attitude="support",
            visited_at=at - datetime.timedelta(minutes=i // 3),
        )
    ledger = list(Visit.objects.order_by("-visited_at", "-pk").values_list("pk", flat=True))

    def shown():
        hrefs = page.locator("table tbody a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        return [int(re.search(r"/visits/(\d+)/", h).group(1)) for h in hrefs]

    page = browser_page()
    login(page, "district_admin")
    page.goto(page.base + "/consultations/visits/")
    assert shown() == ledger[:3]
    for number in (2, 3, 4):
        page.locator("a[rel=next]").click()
        page.wait_for_load_state()
        assert "after=" in page.url and f"page={number}" in page.url
        expect(page.locator(".pagination")).to_contain_text(str(number))
        assert shown() == ledger[(number - 1) * 3 : number * 3], number
    page.locator("a[rel=prev]").click()
    page.wait_for_load_state()
    assert "before=" in page.url and "page=3" in page.url
    assert shown() == ledger[6:9]
    screenshot(page, "visit-ledger-page-3-by-cursor")

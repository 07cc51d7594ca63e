"""A resident votes on a phone with the code from a slip; axe-core finds no accessibility violations."""

import json

import pytest
from django.conf import settings
from django.core.cache import cache

from consultations.ballots.models import Vote
from tests.ballots.factories import codes_for, make_ballot, make_households
from tests.conftest import screenshot

AXE = settings.BASE_DIR / "static" / "vendor" / "axe" / "axe.min.js"


def axe_violations(page) -> list:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => JSON.stringify((await axe.run(document)).violations)")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in json.loads(result)]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_resident_votes_on_a_phone(browser_page, world, street_user):
    cache.clear()
    make_households(world.compound_a, building_name="民居巷2栋", unit="2")
    ballot = make_ballot(
        street_user, world.compound_a, title="民居巷血防站2单元加装电梯", question="是否同意本单元加装电梯？"
    )
    code = next(iter(codes_for(ballot, street_user).values()))
    page = browser_page(width=390, height=844, bypass_csp=True, is_mobile=True, has_touch=True)
    page.goto(f"{page.base}/ballots/vote/?b={ballot.pk}")
    page.fill("#id_code", code.lower())
    assert axe_violations(page) == []
    page.click("button[type=submit]")
    page.get_by_text("是否同意本单元加装电梯？").wait_for()
    assert page.locator(".vote-deadline").inner_text().startswith("表决截止")
    assert axe_violations(page) == []
    screenshot(page, "ballots_phone_question")
    page.get_by_label("同意", exact=True).check()
    page.get_by_role("button", name="下一步").click()
    page.locator("#chosen").wait_for()
    assert page.locator("#chosen").inner_text() == "同意"
    assert axe_violations(page) == []
    page.click("#confirm")
    receipt = page.locator("#receipt").inner_text()
    assert receipt == Vote.objects.get(ballot=ballot).receipt
    assert axe_violations(page) == []
    screenshot(page, "ballots_phone_receipt")
    font_size = page.evaluate("() => getComputedStyle(document.body).fontSize")
    assert float(font_size.rstrip("px")) >= 20
    page.get_by_role("link", name="查询此回执").click()
    page.locator("#receipt-result").wait_for()
    assert axe_violations(page) == []

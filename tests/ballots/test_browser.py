"""A resident votes on a phone with the code from a slip; axe-core finds no accessibility violations."""

import json

import pytest
from django.conf import settings
from django.core.cache import cache

from consultations.ballots.models import Vote
from tests.ballots.factories import codes_for, make_ballot, make_households
from tests.conftest import screenshot

AXE = settings.BASE_DIR / "static" / "vendor" / "axe" / "axe.min.js"


def axe_violations(page, within: str = "") -> list:
    """axe-core's violations on the page (or only within a selector: staff pages check their own
    content, the shared navigation bar is checked elsewhere)."""
    page.add_script_tag(path=str(AXE))
    target = f"document.querySelector({within!r})" if within else "document"
    result = page.evaluate(f"async () => JSON.stringify((await axe.run({target})).violations)")
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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_create_a_ballot_say_which_options_count_as_yes_and_confirm_opening(
    browser_page, world, street_user
):
    from consultations.ballots.models import Ballot
    from tests.conftest import login

    make_households(world.compound_a, building_name="2栋", unit="1")
    page = browser_page()  # the page's own CSP: the form script is a static file
    login(page, street_user.username)
    checker = browser_page(bypass_csp=True)  # axe-core is injected inline
    login(checker, street_user.username)
    page.goto(f"{page.base}/ballots/new/?compound={world.compound_a.pk}")
    assert page.input_value("input[name=opt-0-label]") == "同意"
    assert page.is_checked("input[name=opt-0-counts_as_yes]")
    # the page script offers the kind's usual options when the kind changes (rows not edited yet)
    page.select_option("select[name=kind]", "acceptance_satisfaction")
    assert [page.input_value(f"input[name=opt-{i}-label]") for i in range(3)] == [
        "满意",
        "基本满意",
        "不满意",
    ]
    assert page.is_checked("input[name=opt-1-counts_as_yes]") and not page.is_checked(
        "input[name=opt-2-counts_as_yes]"
    )
    page.fill("#id_title", "楼道照明满意度")
    page.fill("input[name=opt-0-label]", "很满意")
    page.fill("input[name=opt-1-label]", "还可以")
    page.click("#add-option")
    rows = page.locator("tr.option-row").count()
    page.fill(f"input[name=opt-{rows - 1}-label]", "说不清")
    page.check(f"input[name=opt-{rows - 1}-is_abstention]")
    screenshot(page, "ballots_form_options")
    checker.goto(f"{page.base}/ballots/new/?compound={world.compound_a.pk}")
    assert axe_violations(checker, "main") == []
    page.click("form#ballot-form button.btn-party")
    page.locator("#open-ballot").wait_for()
    ballot = Ballot.objects.get(title="楼道照明满意度")
    assert [(o.label, o.counts_as_yes, o.is_abstention) for o in ballot.options.all()] == [
        ("很满意", True, False),
        ("还可以", True, False),
        ("不满意", False, False),
        ("说不清", False, True),
    ]
    page.click("#open-ballot")
    page.locator("#confirm-options").wait_for()
    assert "计为同意" in page.locator("#confirm-options").inner_text()
    assert "2/3" in page.locator("#confirm-rule").inner_text()
    checker.goto(page.url)
    assert axe_violations(checker, "main") == []
    screenshot(page, "ballots_open_confirm")
    page.click("#confirm-open-button")
    page.locator("#turnout").wait_for()
    ballot.refresh_from_db()
    assert ballot.status == "open"

"""Browser: long choice lists are searchable (Tom Select, vendored), the header search works from the
keyboard, and the home page lists the to-dos (screenshots under the test artifacts)."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from consultations.ballots.models import Vote
from tests.ballots.factories import make_ballot, make_households
from tests.conftest import login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_paper_vote_household_list_is_searchable(browser_page, world, secretary_a):
    make_households(world.compound_a, building_name="1栋", areas=(Decimal("80.00"),) * 12)
    make_households(world.compound_a, building_name="2栋", areas=(Decimal("80.00"),) * 12)
    ballot = make_ballot(secretary_a, world.compound_a, title="改造意愿征询")
    page = browser_page()
    login(page, "secretary_a")
    page.goto(f"{page.base}/ballots/{ballot.pk}/#enter")
    wrapper = page.locator(".ts-wrapper.searchable-select").first
    wrapper.wait_for()
    wrapper.click()
    # typed in one input event: CJK characters typed key by key reach Tom Select's search unevenly
    # (on a loaded machine the search answered a partial text, and the option never showed)
    wrapper.locator("input").first.fill("2栋 1单元 501")
    # the list narrows to the household typed (24 households + the empty choice before typing); on a
    # loaded machine Tom Select answers the last keystroke late: wait for the typed household's option
    option = page.locator(".ts-dropdown .option:visible", has_text="2栋 1单元 501")
    expect(option).to_have_count(1, timeout=20_000)
    expect(option).to_have_class(re.compile(r"\bactive\b"))
    # chosen from the keyboard (Enter on the one household found, Tab to the next field): a mouse click
    # on an option makes Tom Select refocus its box in a deferred callback, which on a loaded machine
    # ran after the test had moved on and opened the whole list again over the vote's options
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    dropdown = page.locator(".ts-dropdown").first
    expect(dropdown).to_be_hidden()
    expect(page.locator("#id_elector")).to_have_value(
        page.locator("#id_elector option", has_text="2栋 1单元 501").get_attribute("value")
    )
    page.get_by_label("同意", exact=True).check()
    page.fill("#id_paper_serial", "P-0001")
    screenshot(page, "workday_searchable_elector")
    with page.expect_navigation():
        page.click("#enter-vote")
    vote = Vote.objects.get(ballot=ballot)
    assert vote.elector.building_name == "2栋" and vote.elector.room == "501"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_header_search_from_the_keyboard(browser_page, world, secretary_a):
    make_households(world.compound_a, building_name="3栋", unit="2")
    page = browser_page()
    login(page, "secretary_a")
    page.keyboard.press("/")
    page.keyboard.type("3栋2单元301")
    page.keyboard.press("Enter")
    page.locator("#search-households").wait_for()
    page.keyboard.press("Tab")  # results are plain links: Tab reaches them, Enter opens
    assert "3栋 2单元 301" in page.locator("#search-households").inner_text()
    page.locator("#search-households a").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/households/**")
    screenshot(page, "workday_household_page")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_unsent_visits_on_this_phone_are_counted(browser_page, world, grid_worker_a):
    page = browser_page(width=390, height=844, is_mobile=True, has_touch=True)
    login(page, "grid_a")
    page.goto(page.base + "/")
    expect(page.locator(".todo-drafts")).to_be_hidden()  # nothing kept: no line
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0
    key = "form:/consultations/visits/new/:visit-form-h42"
    page.evaluate(f"""() => localStorage.setItem("{key}", '{{"notes": ["老人在家"]}}')""")
    page.reload()
    expect(page.locator(".todo-drafts")).to_be_visible()
    assert page.locator(".todo-drafts-count").inner_text() == "1"
    assert (
        page.locator(".todo-drafts-links a").get_attribute("href")
        == "/consultations/visits/new/?household=42"
    )
    screenshot(page, "workday_home_grid_phone")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_header_search_live_results(browser_page, world, secretary_a):
    make_households(world.compound_a, building_name="3栋", unit="2")
    page = browser_page()
    login(page, "secretary_a")
    page.locator("#header-search").click()
    page.keyboard.type("3-2-301")
    first = page.locator("#header-search-results a").first
    first.wait_for()
    assert "3栋 2单元 301" in first.inner_text()
    screenshot(page, "workday_live_search")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/households/**")
    page.locator("#header-search").click()
    page.keyboard.type("301")
    page.locator("#header-search-results a").first.wait_for()
    page.keyboard.press("Escape")
    expect(page.locator("#header-search-results a")).to_have_count(0)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_header_fits_a_laptop_screen_in_both_languages(browser_page, world, street_user, locale):
    """The header search made the English menu 1,347 px wide on a 1,280 px laptop: it wraps instead."""
    page = browser_page(width=1280, height=800, locale=locale)
    login(page, street_user.username)
    page.goto(page.base + "/")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0
    expect(page.locator("#header-search")).to_be_visible()
    # the search buttons beside a full-width box stay on one line (the people page's wrapped in two)
    for path in ("/search/?q=301", "/people/"):
        page.goto(page.base + path)
        button = page.locator("main form[role=search] button[type=submit]")
        lines = page.evaluate(
            "(b) => { const r = document.createRange(); r.selectNodeContents(b);"
            " return r.getClientRects().length; }",
            button.element_handle(),
        )
        assert lines == 1, path

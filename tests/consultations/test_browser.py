import pytest

from tests import factories as f
from tests.conftest import login, screenshot
from tests.consultations import factories as cf


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_log_a_visit_with_an_opinion_on_a_phone_and_see_coverage_change(browser_page, world, grid_worker_a):
    building = f.BuildingFactory(compound=world.compound_a, name="2栋", unit_count=1)
    households = [
        f.HouseholdFactory(building=building, unit="1", floor=fl, room=f"{fl}01") for fl in (1, 2, 3)
    ]
    branch = cf.branch_for(world.compound_a)
    me = cf.member(branch, user=grid_worker_a, name="网格员小李")
    for h in households:
        cf.assign(branch, h, me)

    page = browser_page(360, 740)
    login(page, "grid_a")
    coverage_url = page.base + f"/consultations/coverage/?compound={world.compound_a.pk}"
    page.goto(coverage_url)
    assert page.locator("#cv-visited").inner_text().strip() == "0/3"

    page.goto(page.base + "/consultations/")
    assert "我的包联户" in page.content()
    screenshot(page, "consultations-my-households")
    page.get_by_role("link", name="走访", exact=True).first.click()
    page.wait_for_load_state()
    # the building -> unit -> room picker is drawn and already points at the chosen household
    assert page.locator("#cv-building").input_value() == "2栋"
    assert page.locator("#cv-room").input_value() == str(households[0].pk)
    page.get_by_text("支持", exact=True).click()
    page.select_option("#id_op-0-category", "parking")
    page.fill("#id_op-0-content", "晚上停车难，希望划车位")
    screenshot(page, "consultations-visit-form")
    # the signal drops as the form is sent: nothing is saved, and what was typed is still there
    page.route(
        "**/consultations/visits/new/**",
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    page.get_by_role("button", name="保存走访").click()
    page.wait_for_timeout(300)
    page.unroute("**/consultations/visits/new/**")
    page.goto(page.base + f"/consultations/visits/new/?household={households[0].pk}")
    assert page.locator("#id_op-0-content").input_value() == "晚上停车难，希望划车位"
    assert page.locator("input[name=attitude]:checked").get_attribute("value") == "support"
    page.get_by_role("button", name="保存走访").click()
    page.get_by_text("走访已保存").first.wait_for()  # the form is sent by fetch (data-resend), then shown
    assert "走访已保存" in page.content()
    screenshot(page, "consultations-visit-saved")

    page.goto(coverage_url)
    assert page.locator("#cv-visited").inner_text().strip() == "1/3"  # saved once, not twice
    assert page.locator("#cv-visits").inner_text().strip() == "1"
    assert page.locator("#cv-opinions").inner_text().strip() == "1"
    screenshot(page, "consultations-coverage")
    page.goto(page.base + f"/consultations/coverage/buildings/{building.pk}/")
    assert page.locator("td.cv-support").count() == 1
    screenshot(page, "consultations-building-grid")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visit_sent_while_the_database_is_down_is_kept_resent_and_saved_once(
    browser_page, world, grid_worker_a
):
    """The web server loses its database (every new connection of the live server goes to a port
    where nothing listens) just as the grid worker sends a visit: the phone gets the 503, keeps what
    was typed, says so, and sends the same form again once the database is back: one visit."""
    from django.db import connections

    from consultations.models import Visit

    building = f.BuildingFactory(compound=world.compound_a, name="5栋", unit_count=1)
    household = f.HouseholdFactory(building=building, unit="1", floor=1, room="101")
    branch = cf.branch_for(world.compound_a)
    cf.assign(branch, household, cf.member(branch, user=grid_worker_a, name="网格员小李"))

    db = connections.settings["default"]  # what every new connection of the live server reads
    max_age, port = db["CONN_MAX_AGE"], db["PORT"]
    db["CONN_MAX_AGE"] = 0  # a connection per request, even over the browser's keep-alive connection
    page = browser_page(360, 740)
    login(page, "grid_a")
    page.goto(page.base + f"/consultations/visits/new/?household={household.pk}")
    page.get_by_text("支持", exact=True).click()
    page.fill("#id_op-0-content", "楼道灯坏了")
    page.select_option("#id_op-0-category", "lighting")

    db["PORT"] = "5499"  # nothing listens there: the database is gone for the web server
    try:
        page.get_by_role("button", name="保存走访").click()
        notice = page.locator(".resend-notice")
        notice.wait_for(state="visible")
        assert "服务暂时无法使用" in notice.inner_text()
        screenshot(page, "consultations-visit-outage")
        assert page.locator("#id_op-0-content").input_value() == "楼道灯坏了"  # still on the page
    finally:
        db["PORT"], db["CONN_MAX_AGE"] = port, max_age
    assert not Visit.objects.filter(household=household).exists()
    page.locator(".resend-now").click()  # or wait: it resends by itself
    page.get_by_text("走访已保存").first.wait_for()
    assert Visit.objects.filter(household=household).count() == 1
    assert Visit.objects.get(household=household).opinions.get().content == "楼道灯坏了"

"""In Chromium: record an inspection with a photo on a phone; run an acceptance round to its end."""

import pytest
from django.urls import reverse

from consultations.ballots import services as ballots
from consultations.ballots.models import Elector
from supervision import services
from supervision.models import AcceptanceRound, Inspection, Photo
from tests.conftest import login, screenshot
from tests.supervision.factories import full_panel, image_upload


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_inspection_with_photo_on_a_phone(site, street_user, browser_page, tmp_path):
    photo = tmp_path / "site.jpg"
    photo.write_bytes(image_upload(size=(3000, 2000)).read())
    page = browser_page(width=390, height=844)
    login(page, street_user.username)
    page.goto(page.base + reverse("supervision:inspection_new", args=[site.project.pk]))
    page.get_by_label("改造内容").select_option(str(site.work_item.pk))
    page.get_by_label("发现情况").fill("3栋雨水管接口渗漏，需返工")
    page.get_by_label("发现问题").check()
    page.set_input_files("input[name=photos]", str(photo))
    page.get_by_text("下发整改单").first.click()  # open the <details>
    page.get_by_label("整改内容").fill("雨水管接口重新密封")
    page.get_by_label("责任单位").select_option(str(site.builder.pk))
    page.get_by_label("整改期限").fill("2099-01-31")
    screenshot(page, "supervision-inspection-form-phone")
    page.get_by_role("button", name="保存巡查").click()
    page.wait_for_load_state()
    assert page.get_by_text("巡查已记录").is_visible()
    page.locator("img[alt='巡查照片']").first.wait_for()
    screenshot(page, "supervision-inspection-saved-phone")
    inspection = Inspection.objects.get()
    assert inspection.rectifications.count() == 1
    stored = Photo.objects.get(inspection=inspection)
    assert (stored.width, stored.height) == (1600, 1067)
    # the phone page does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_acceptance_round_to_its_end(site, street_user, browser_page):
    page = browser_page()
    login(page, street_user.username)
    page.goto(page.base + reverse("supervision:project", args=[site.project.pk]))
    page.get_by_role("button", name="安排验收").click()
    page.wait_for_load_state()
    # the panel: six seats taken already, the second resident representative added here
    acceptance = AcceptanceRound.objects.get()
    for seat in full_panel(signed=False, residents=["王阿姨"]):
        services.add_panel_seat(user=street_user, acceptance=acceptance, **seat)
    page.reload()
    assert "居民代表" in page.locator("#panel-check").inner_text()  # one resident representative short
    page.locator("#id_seat-role").select_option("resident")
    page.locator("#id_seat-name").fill("居民代表 李大爷")
    page.locator("button[value=seat]").click()
    page.wait_for_load_state()
    assert page.locator("#panel-check").get_attribute("data-complete") == "yes"
    page.locator("input[name=verdict][value=pass]").check()
    for box in page.locator("input[name=signed]").all():
        box.check()
    page.locator("button[value=verdict]").click()
    page.wait_for_load_state()
    page.locator("button[value=open]").click()
    page.wait_for_load_state()
    assert page.locator("#round-status").inner_text() == "满意度测评中"

    # residents' paper forms entered by staff: all 6 satisfied
    acceptance = AcceptanceRound.objects.get()
    yes = acceptance.ballot.options.get(label="满意")
    for i, elector in enumerate(Elector.objects.filter(ballot=acceptance.ballot)):
        ballots.record_staff_vote(user=street_user, elector=elector, option=yes, paper_serial=f"P{i}")

    page.locator("#id_close-reason").fill("问卷已全部收回")  # before its closing time: say why
    page.locator("button[value=close]").click()
    page.wait_for_load_state()
    assert page.locator("#round-status").inner_text() == "通过"
    assert "6 / 6" in page.locator("#round-figures").inner_text()
    page.locator("button[value=file]").click()
    page.wait_for_load_state()
    page.locator("#id_handover-to").select_option("self_management")
    page.locator("#id_handover-recipient").fill("民居巷自管会")
    page.locator("button[value=handover]").click()
    page.wait_for_load_state()
    assert "民居巷自管会" in page.locator("#handover").inner_text()
    screenshot(page, "supervision-acceptance-done")
    page.goto(page.base + reverse("supervision:project", args=[site.project.pk]))
    screenshot(page, "supervision-project-history")
    assert page.get_by_text("6/6 = 100.00%").is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_records_an_inspection_on_a_street_run_project_on_a_phone(site, secretary_a, browser_page):
    """The street runs the project; the secretary of the community its compound is in supervises it
    from her phone (390 px): the page is offered, the form fits, the inspection is hers."""
    assert site.project.division.level == "street"
    page = browser_page(width=390, height=844)
    login(page, secretary_a.username)
    page.goto(page.base + reverse("supervision:project", args=[site.project.pk]))
    page.get_by_role("link", name="记录巡查").first.click()
    page.wait_for_load_state()
    page.get_by_label("改造内容").select_option(str(site.work_item.pk))
    page.get_by_label("发现情况").fill("雨污管道回填到位，路面已恢复")
    page.locator("input[name=result][value=pass]").check()
    screenshot(page, "supervision-secretary-inspection-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="保存巡查").click()
    page.wait_for_load_state()
    assert page.get_by_text("巡查已记录").is_visible()
    screenshot(page, "supervision-secretary-inspection-saved-phone")
    inspection = Inspection.objects.get()
    assert inspection.recorded_by == secretary_a and inspection.project == site.project
    assert inspection.inspector_kind == "government"

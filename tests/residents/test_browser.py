"""A resident on a phone opens the card's QR link, answers the menu, books a visit and reports a problem
with a photo -- with JavaScript switched off -- and axe-core finds no accessibility violations."""

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone
from PIL import Image

from consultations.models import Opinion
from consultations.residents import cards
from consultations.residents.models import MenuAnswer, ReportPhoto
from projects import bookings
from projects.models import VisitBooking, VisitSlot, WorkItem
from tests.ballots.test_browser import axe_violations
from tests.conftest import screenshot
from tests.residents.helpers import card_codes, make_households
from tests.residents.menu_helpers import make_survey

PHONE = {"width": 390, "height": 844, "is_mobile": True, "has_touch": True}


def photo_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (150, 120, 90)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_resident_uses_the_household_page_on_a_phone_without_javascript(browser_page, world, street_user):
    cache.clear()
    households = make_households(world.compound_a, n=3)
    code = card_codes(households)[households[0].pk]
    survey = make_survey(street_user, world.compound_a)
    item = WorkItem.objects.create(project=survey.project, name="更换外窗", needs_home_entry=True)
    day = timezone.localdate() + dt.timedelta(days=1)
    slot = bookings.publish_slots(
        item, street_user, day=day, start=dt.time(9), end=dt.time(11), minutes=60, capacity=2
    )[0]

    page = browser_page(java_script_enabled=False, **PHONE)  # the phone's plain browser, no script at all
    checker = browser_page(bypass_csp=True, **PHONE)  # axe-core is injected inline
    assert cards.page_url(code).endswith(f"/h/{code}/")  # what the card's QR code carries
    url = f"{page.base}/h/{code}/"
    page.goto(url)
    page.locator("#household-label").wait_for()
    assert page.locator("#household-label").inner_text() == "1栋 1单元 101"
    checker.goto(url)
    assert axe_violations(checker) == []
    font = checker.evaluate("() => getComputedStyle(document.body).fontSize")
    assert float(font.rstrip("px")) >= 20
    screenshot(checker, "residents_phone_home")

    # the menu: want / don't want per item
    page.get_by_role("link", name=survey.title).click()
    page.locator("#menu-form").wait_for()
    checker.goto(page.url)
    assert axe_violations(checker) == []
    screenshot(checker, "residents_phone_menu")
    first, second = (i for i in survey.items.all() if not i.is_included)
    page.locator(f"label[for=item-{first.pk}-want]").click()
    page.locator(f"label[for=item-{second.pk}-dont_want]").click()
    page.click("#save-menu")
    page.locator("#message-1").wait_for()
    assert dict(MenuAnswer.objects.values_list("item_id", "choice")) == {
        first.pk: "want",
        second.pk: "dont_want",
    }

    # book a visit
    page.goto(url)
    page.locator(f"label[for=slot-{slot.pk}]").click()
    page.get_by_role("button", name="预约此时间").click()
    page.locator(f"#booking-{item.pk}").wait_for()
    assert VisitBooking.objects.get(household=households[0]).slot == slot
    checker.goto(url)
    assert axe_violations(checker) == []

    # report a problem with a photo
    page.click("#new-report")
    page.select_option("#r-category", "leaks_roofs")
    page.fill("#r-content", "楼道屋顶漏水")
    page.set_input_files(
        "#r-photos", files=[{"name": "leak.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    checker.goto(page.url)
    assert axe_violations(checker) == []
    page.click("#send-report")
    page.locator(".report").first.wait_for()
    opinion = Opinion.objects.get(household=households[0])
    assert opinion.source == "household_page" and ReportPhoto.objects.filter(opinion=opinion).count() == 1
    checker.goto(url)
    assert axe_violations(checker) == []
    screenshot(checker, "residents_phone_after")
    # nothing of the neighbours on the page
    text = page.locator("main").inner_text()
    assert "201" not in text and "301" not in text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_print_cards_run_a_menu_and_the_visits(browser_page, world, street_user, contractor):
    """Staff as a new user would: print cards, create and open a menu survey, enter a paper sheet, close
    it and turn the reached items into work items; the contractor publishes slots and marks a visit.
    axe-core checks each page's own content."""
    from consultations.residents.models import MenuSurvey
    from projects.models import ProjectParty
    from tests.conftest import login
    from tests.residents.menu_helpers import ensure_catalog, make_project

    cache.clear()
    ensure_catalog()
    households = make_households(world.compound_a, n=3)
    project = make_project(street_user, world.compound_a)
    page = browser_page()
    login(page, street_user.username)
    checker = browser_page(bypass_csp=True)
    login(checker, street_user.username)

    page.goto(f"{page.base}/residents/cards/?compound={world.compound_a.pk}")
    checker.goto(page.url)
    assert axe_violations(checker, "main") == []
    page.click("#print-cards")
    page.locator("#job-progress[data-status=succeeded]").wait_for(timeout=30_000)
    assert "3" in page.locator("#job-progress").inner_text()

    page.goto(f"{page.base}/residents/surveys/new/")
    checker.goto(page.url)
    assert axe_violations(checker, "main") == []
    page.fill("#s-title", "菜单式改造征询")
    page.fill("#s-closes", (timezone.localtime() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"))
    from projects.models import CatalogItem

    basic = CatalogItem.objects.get(code="B01")
    greening = CatalogItem.objects.get(code="I05")
    page.check(f"#item-{basic.pk}")
    page.check(f"#item-{greening.pk}")
    page.fill(f"#share-{greening.pk}", "80")
    page.click("#create-survey")
    page.locator("#open-survey").click()
    page.locator("#paper-form").wait_for()
    survey = MenuSurvey.objects.get()
    assert survey.status == "open"
    item = next(i for i in survey.items.all() if not i.is_included)
    for h in households[:2]:
        page.select_option("#p-household", str(h.pk))
        page.check(f"#p-{item.pk}-want")
        page.get_by_role("button", name="保存纸质答卷").click()
        page.locator("#paper-form").wait_for()
    checker.goto(page.url)
    assert axe_violations(checker, "main") == []
    assert "66.66%" in page.locator("#item-results").inner_text()  # 2 of 3 households, rounded down
    page.click("#close-survey")
    page.click("#to-work-items")
    page.locator("#item-results a").first.wait_for()
    screenshot(page, "residents_staff_survey")
    work_item = WorkItem.objects.get(project=project, catalog_item=greening)

    # the contractor publishes a day of slots for a window replacement and marks a visit
    windows = WorkItem.objects.create(project=project, name="更换外窗", needs_home_entry=True)
    ProjectParty.objects.create(project=project, role="construction", name="江西建工").users.add(contractor)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    first = bookings.publish_slots(
        windows, street_user, day=tomorrow, start=dt.time(9), end=dt.time(10), minutes=60, capacity=2
    )[0]
    bookings.book(households[0], first)
    past = dt.timedelta(days=2)  # the visit's time has come (slots are only booked ahead): it may be marked
    VisitSlot.objects.filter(pk=first.pk).update(starts_at=F("starts_at") - past, ends_at=F("ends_at") - past)
    first.refresh_from_db()
    visit_day = timezone.localtime(first.starts_at).date()
    cpage = browser_page()
    login(cpage, contractor.username)
    cpage.goto(f"{cpage.base}/projects/work-items/{windows.pk}/visits/")
    cpage.fill("#v-day", (timezone.localdate() + dt.timedelta(days=2)).isoformat())
    cpage.fill("#v-start", "14:00")
    cpage.fill("#v-end", "16:00")
    cpage.get_by_role("button", name="发布").click()
    cpage.locator("#slots").wait_for()
    assert windows.visit_slots.count() == 3
    cpage.goto(f"{cpage.base}/projects/work-items/{windows.pk}/visits/day/?date={visit_day.isoformat()}")
    cpage.get_by_role("button", name="已完成").click()
    cpage.locator(".visit-status").first.wait_for()
    assert VisitBooking.objects.get(household=households[0]).status == "done"
    checker.goto(cpage.url)
    assert axe_violations(checker, "main") == []
    # a visit whose time has not come: its marks are shown disabled, with the reason beside them
    later = windows.visit_slots.order_by("-starts_at").first()
    bookings.book(households[1], later)
    later_day = timezone.localtime(later.starts_at).date()
    cpage.goto(f"{cpage.base}/projects/work-items/{windows.pk}/visits/day/?date={later_day.isoformat()}")
    assert cpage.get_by_role("button", name="已完成").is_disabled()
    assert "时段开始后才能标记" in cpage.locator("#day-sheet").inner_text()
    checker.goto(cpage.url)
    assert axe_violations(checker, "main") == []
    checker.goto(f"{cpage.base}/projects/work-items/{windows.pk}/visits/unbooked/")
    assert axe_violations(checker, "main") == []
    assert work_item.menu_items.get().survey == survey

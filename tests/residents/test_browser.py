"""A resident on a phone opens the card's QR link, answers the menu, books a visit and reports a problem
with a photo -- with JavaScript switched off -- and axe-core finds no accessibility violations."""

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.utils import timezone
from PIL import Image

from consultations.models import Opinion
from consultations.residents import cards
from consultations.residents.models import MenuAnswer, ReportPhoto
from projects import bookings
from projects.models import VisitBooking, WorkItem
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
    page.locator("#saved").wait_for()
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

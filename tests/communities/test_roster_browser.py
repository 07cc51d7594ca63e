"""In Chromium, as a community secretary on a phone: upload a roster with mistakes, read the row-by-row
report, upload the corrected file, see it imported."""

import pytest
from django.urls import reverse

from communities.models import Household
from tests.communities.test_roster import BAD, GOOD, xlsx_bytes
from tests.conftest import login, screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_imports_a_roster_on_a_phone(world, secretary_a, browser_page, tmp_path):
    bad = tmp_path / "花名册-有误.xlsx"
    bad.write_bytes(xlsx_bytes(GOOD[:1] + BAD))
    good = tmp_path / "花名册.xlsx"
    good.write_bytes(xlsx_bytes(GOOD))

    page = browser_page(width=390, height=844)
    login(page, secretary_a.username)
    url = page.base + reverse("communities:roster_import") + f"?compound={world.compound_a.pk}"
    page.goto(url)
    assert page.get_by_role("heading", name="导入花名册").is_visible()
    screenshot(page, "roster-import-form")

    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_load_state()
    errors = page.locator("#job-errors")
    errors.wait_for()
    assert errors.get_by_text("面积最多保留两位小数").is_visible()
    screenshot(page, "roster-import-errors")
    assert not Household.objects.exists()

    page.goto(url)
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_load_state()
    page.locator("#job-progress[data-status=succeeded]").wait_for()
    assert page.get_by_text("已导入 8 行").is_visible()
    screenshot(page, "roster-import-done")
    assert Household.objects.filter(building__compound=world.compound_a).count() == 6

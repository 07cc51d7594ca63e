"""In Chromium: the probe's page.html + payload.js can't be uploaded as a plan, and a stored HTML file
(however it got there) is only ever downloaded, never rendered on the product's origin."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.conftest import login, screenshot
from tests.projects import factories as pf
from tests.security.test_files import HTML, JS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_uploaded_html_is_refused_and_stored_html_only_downloads(world, street_user, browser_page, tmp_path):
    project = pf.ProjectFactory(
        name="民居巷血防站改造", division=world.street_a, compounds=[world.compound_a]
    )
    page_html = tmp_path / "page.html"
    page_html.write_bytes(HTML)
    (tmp_path / "payload.js").write_bytes(JS)

    page = browser_page()
    ran = []
    page.on("console", lambda msg: ran.append(msg.text))
    login(page, street_user.username)
    page.goto(page.base + reverse("projects:project_edit", args=[project.pk]))
    page.set_input_files("#id_implementation_plan", str(page_html))
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.get_by_text(
        "此处只能上传 PDF、Word、Excel、PowerPoint、WPS 或 OpenDocument 文件。"
    ).is_visible()
    screenshot(page, "security-plan-html-refused")
    project.refresh_from_db()
    assert not project.implementation_plan

    # a file with HTML in it, stored under any name, is sent as an attachment with a sandbox CSP
    project.implementation_plan.save("plan.pdf", ContentFile(HTML), save=True)
    page.goto(page.base + project.get_absolute_url())
    with page.expect_download() as download:
        page.locator(f"a[href='{reverse('projects:project_plan', args=[project.pk])}']").click()
    assert download.value.suggested_filename == f"project-{project.pk}-plan.pdf"
    assert page.url.endswith(project.get_absolute_url())  # still on the project page: nothing rendered
    assert not any("payload" in text for text in ran)

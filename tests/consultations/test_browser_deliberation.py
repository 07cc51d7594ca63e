"""In Chromium: a deliberation procedure (一征三议两公开) completed through its page, step by step, each
linked to its meeting or notice; then the project's checklist shows it met."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations import services
from tests import gate_helpers as g
from tests.conftest import login, screenshot
from tests.consultations.factories import project_for


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_procedure_completed_through_the_page(world, street_user, browser_page):
    project = project_for(world.compound_a, name="民居巷血防站改造")
    matter = services.start_deliberation(
        user=street_user, procedure=g.procedure(), title="民居巷改造方案", project=project
    )
    # the meetings and notices that did the steps, a day apart, recorded as they happened
    start = timezone.now() - timedelta(days=20)
    records = []
    for i, step in enumerate(matter.steps.order_by("order")):
        if step.kind == "notice":
            records.append(
                services.publish_notice(
                    project=project,
                    title=f"{step.name}公告",
                    body="决议及结果公开",
                    user=street_user,
                    kind="decision",
                    starts_at=start + timedelta(days=i),
                )
            )
        else:
            records.append(
                services.create_meeting(
                    user=street_user,
                    kind="residents_council",
                    title=f"{step.name}会议",
                    project=project,
                    held_at=start + timedelta(days=i),
                )
            )
    page = browser_page()
    login(page, street_user.username)
    page.goto(page.base + matter.get_absolute_url())
    for i, (step, record) in enumerate(zip(matter.steps.order_by("order"), records, strict=True)):
        field = "notice" if step.kind == "notice" else "meeting"
        page.locator(f"#id_{field}").select_option(str(record.pk))
        if i == 1:
            screenshot(page, "consultations-deliberation-step")
        page.get_by_role("button", name="标记完成").click()
        page.wait_for_load_state()
        assert page.get_by_text("步骤已记录").is_visible(), page.content()[-3000:]
    assert page.locator(".badge", has_text="已完成").count() >= 1
    screenshot(page, "consultations-deliberation-done")
    matter.refresh_from_db()
    assert matter.status == "done"
    assert [s.done_at for s in matter.steps.order_by("order")] == [
        r.held_at if hasattr(r, "held_at") else r.starts_at for r in records
    ]

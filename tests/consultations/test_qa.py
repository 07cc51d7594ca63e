"""What the QA pass on issue 4 found and fixed: masked exports for every reading role (page and API),
the procedures' API and scoping, project demand lists, the notice period shown from the policy, the
visit draft kept per household, and the demo's demand chain onto real work items."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from communities.errors import DomainError
from communities.models import AccessLog, BackgroundJob
from consultations import services
from consultations.forms import NoticeForm, TransitionForm
from consultations.models import DeliberationProcedure, NoticePolicy
from tests import factories as f
from tests.consultations import factories as cf

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned_visit(world, secretary_a):
    h = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a), unit="1", room="101")
    f.OwnershipFactory(
        household=h, person=f.PersonFactory(name="张建国", phone="13812345678", division=world.community_a)
    )
    visit = services.log_visit(
        user=secretary_a,
        household=h,
        attitude="support",
        opinions=[{"category": "roads", "content": "路面破损"}],
    )
    services.transition_opinion(visit.opinions.get(), "accepted", user=secretary_a)
    return visit


def _rows(job):
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    job.result_file.open("rb")
    return [
        list(r) for r in load_workbook(io.BytesIO(job.result_file.read())).active.iter_rows(values_only=True)
    ]


def test_grid_worker_exports_a_masked_visit_ledger_from_the_page(
    client, grid_worker_a, owned_visit, django_capture_on_commit_callbacks
):
    client.force_login(grid_worker_a)
    assert "导出" in client.get(reverse("consultations:visit_list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("consultations:visit_export"))
    assert r.status_code == 302
    rows = _rows(BackgroundJob.objects.latest("pk"))
    flat = " ".join(str(c) for c in rows[1])
    assert "张*" in flat and "138****5678" in flat and "13812345678" not in flat
    assert AccessLog.objects.filter(user=grid_worker_a, action="export", object_type="visit").exists()


def test_api_export_viewer_masked_secretary_unmasked_contractor_refused(
    api_as, viewer, secretary_a, contractor, owned_visit, django_capture_on_commit_callbacks
):
    url = "/api/v1/consultation-exports/"
    with django_capture_on_commit_callbacks(execute=True):
        r = api_as(viewer).post(url, {"kind": "demand_list"}, format="json")
    assert r.status_code == 202 and r["Location"].startswith("/api/v1/jobs/")
    rows = _rows(BackgroundJob.objects.get(pk=r.json()["id"]))
    assert len(rows) == 2 and "路面破损" in rows[1] and "138****5678" in rows[1]
    with django_capture_on_commit_callbacks(execute=True):
        r = api_as(secretary_a).post(
            url, {"kind": "visit_ledger", "unmask": True, "unmask_reason": "回访"}, format="json"
        )
    assert "13812345678" in _rows(BackgroundJob.objects.get(pk=r.json()["id"]))[1]
    assert api_as(contractor).post(url, {"kind": "visit_ledger"}, format="json").status_code == 403
    assert api_as(viewer).post(url, {"kind": "nope"}, format="json").status_code == 400
    assert api_as(None).post(url, {"kind": "visit_ledger"}, format="json").status_code in (401, 403)


def test_project_demand_export_matches_the_page(
    client, world, secretary_a, owned_visit, django_capture_on_commit_callbacks
):
    """An opinion raised in the project's compound without a project is on the project's demand list
    page; the export of that list carries it too."""
    project = cf.project_for(world.compound_a)
    client.force_login(secretary_a)
    page = client.get(reverse("consultations:demand_list") + f"?project={project.pk}").content.decode()
    assert "路面破损" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("consultations:demand_export"), {"project": project.pk})
    rows = _rows(BackgroundJob.objects.latest("pk"))
    assert len(rows) == 2 and "路面破损" in rows[1]
    # and the status headers say what the statuses are (not the acceptance of works: 已验收)
    assert "已纳入清单" in page and "已验收" not in page


def test_procedures_api_lists_the_standard_ones_and_the_migration_matches_them(api_as, secretary_a):
    import importlib

    from consultations.procedures import STANDARD_PROCEDURES

    migration = importlib.import_module("consultations.migrations.0002_standard_procedures")
    frozen = [(c, n, d, [(s, str(k)) for s, k in steps]) for c, n, d, steps in migration.PROCEDURES]
    assert frozen == [(c, n, d, [(s, str(k)) for s, k in steps]) for c, n, d, steps in STANDARD_PROCEDURES]

    r = api_as(secretary_a).get("/api/v1/deliberation-procedures/")
    assert r.status_code == 200
    names = {p["name"]: p for p in r.json()}
    assert {"一征三议两公开", "四议两公开"} <= set(names)
    assert [s["order"] for s in names["四议两公开"]["steps"]] == [1, 2, 3, 4, 5, 6]


def test_a_local_procedure_of_another_place_cannot_be_used(api_as, world, secretary_a):
    other = DeliberationProcedure.objects.create(name="外地程序", code="local", division=world.community_b)
    other.steps.create(order=1, name="商议", kind="any")
    r = api_as(secretary_a).post(
        "/api/v1/deliberations/",
        {"title": "事项", "procedure": other.pk, "compound": world.compound_a.pk},
        format="json",
    )
    assert r.status_code == 400 and "procedure" in r.json()["errors"]
    own = services.ensure_standard_procedures()[0]
    r = api_as(secretary_a).post(
        "/api/v1/deliberations/",
        {"title": "事项", "procedure": own.pk, "compound": world.compound_a.pk},
        format="json",
    )
    assert r.status_code == 201 and r.json()["current_step"] == 1
    r = api_as(secretary_a).post(
        f"/api/v1/deliberations/{r.json()['id']}/complete-step/", {"order": 9}, format="json"
    )
    assert r.status_code == 404 and r.json()["detail"] == "没有这一步骤。"


def test_notice_form_says_the_default_period_of_the_users_place(world, secretary_a):
    NoticePolicy.objects.create(division=world.district, default_days=10)
    form = NoticeForm(user=secretary_a)
    assert form.fields["period_days"].widget.attrs["placeholder"] == "10"
    notice = services.publish_notice(compound=world.compound_a, title="公示", body="正文", user=secretary_a)
    assert notice.period_days == 10


def test_transition_form_names_each_work_items_project(world, secretary_a, owned_visit):
    a = cf.project_for(world.compound_a, name="一期改造")
    b = cf.project_for(world.compound_a, name="二期改造")
    cf.work_item_for(a, "雨污分流改造")
    cf.work_item_for(b, "雨污分流改造")
    form = TransitionForm(opinion=owned_visit.opinions.get(), user=secretary_a)
    labels = [label for value, label in form.fields["work_item"].choices if value]
    assert sorted(str(x) for x in labels) == ["雨污分流改造 · 一期改造", "雨污分流改造 · 二期改造"]


def test_visit_form_keeps_one_draft_per_household(client, secretary_a, owned_visit):
    client.force_login(secretary_a)
    h = owned_visit.household
    form = client.get(reverse("consultations:visit_create") + f"?household={h.pk}").content.decode()
    assert f'id="visit-form-h{h.pk}"' in form
    plain = client.get(reverse("consultations:visit_create") + f"?compound={h.building.compound_id}")
    assert 'id="visit-form"' in plain.content.decode()
    logged = client.get(reverse("consultations:visit_logged", args=[owned_visit.pk])).content.decode()
    keys = re.findall(r'data-clear-draft="([^"]+)"', logged)
    assert keys == [f"/consultations/visits/new/:visit-form-h{h.pk}", "/consultations/visits/new/:visit-form"]


def test_meeting_form_explains_attendance_and_an_opinion_can_come_from_the_meeting(
    client, world, secretary_a
):
    client.force_login(secretary_a)
    data = {
        "kind": "bench",
        "title": "板凳会",
        "compound": world.compound_a.pk,
        "held_at": "2024-05-01T15:00",
    }
    r = client.post(
        reverse("consultations:meeting_create"), {**data, "households_present": 30, "people_present": 20}
    )
    page = r.content.decode()
    assert r.status_code == 200 and "户数多于人数" in page and "meeting_people_cover_households" not in page
    r = client.post(
        reverse("consultations:meeting_create"), {**data, "households_present": 30, "people_present": 45}
    )
    meeting = world.compound_a.meetings.get()
    assert r.status_code == 302 and "登记意见" in client.get(meeting.get_absolute_url()).content.decode()
    url = reverse("consultations:opinion_create") + f"?meeting={meeting.pk}"
    form = client.get(url).content.decode()
    assert 'value="meeting" selected' in form
    r = client.post(
        url,
        {"compound": world.compound_a.pk, "source": "meeting", "category": "elevator", "content": "加装电梯"},
    )
    assert r.status_code == 302 and meeting.opinions.get().content == "加装电梯"
    # a meeting of another compound cannot carry this compound's opinion
    other = services.create_meeting(user=secretary_a, kind="bench", title="别处", compound=world.compound_a)
    other.compound = f.CompoundFactory(division=world.community_a)
    other.save()
    r = client.post(
        reverse("consultations:opinion_create") + f"?meeting={other.pk}",
        {"compound": world.compound_a.pk, "source": "meeting", "category": "elevator", "content": "x"},
    )
    assert r.status_code == 200 and not other.opinions.exists()


def test_a_visit_form_sent_twice_saves_one_visit(client, world, secretary_a, owned_visit):
    from consultations.models import Visit

    client.force_login(secretary_a)
    h = owned_visit.household
    url = reverse("consultations:visit_create") + f"?household={h.pk}"
    token = re.search(r'name="submission" value="([0-9a-f]+)"', client.get(url).content.decode()).group(1)
    data = {
        "submission": token,
        "household": h.pk,
        "channel": "door",
        "attitude": "neutral",
        "op-TOTAL_FORMS": "2",
        "op-INITIAL_FORMS": "0",
        "op-0-category": "parking",
        "op-0-content": "车位",
    }
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Visit.objects.filter(household=h).count() == 2  # the fixture's visit + this one, once
    data["submission"] = "another-form"
    client.post(url, data)
    assert Visit.objects.filter(household=h).count() == 3


def test_a_visit_form_resent_after_a_server_error_is_saved(
    client, world, secretary_a, owned_visit, monkeypatch
):
    """The first send crashed (nothing saved): sending the same form again saves the visit instead of
    answering "already being saved" for an hour and dropping it."""
    from consultations import views
    from consultations.models import Visit

    client.force_login(secretary_a)
    h = owned_visit.household
    url = reverse("consultations:visit_create") + f"?household={h.pk}"
    token = re.search(r'name="submission" value="([0-9a-f]+)"', client.get(url).content.decode()).group(1)
    data = {
        "submission": token,
        "household": h.pk,
        "channel": "door",
        "attitude": "support",
        "op-TOTAL_FORMS": "0",
        "op-INITIAL_FORMS": "0",
    }
    real = views.services.log_visit

    def crash(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(views.services, "log_visit", crash)
    with pytest.raises(RuntimeError):
        client.post(url, data)
    monkeypatch.setattr(views.services, "log_visit", real)
    r = client.post(url, data)
    assert r.status_code == 302 and "/visits/" in r["Location"]
    assert Visit.objects.filter(household=h).count() == 2  # the fixture's visit + this one


def test_a_step_is_dated_by_the_meeting_or_notice_that_did_it(world, secretary_a):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    held = datetime(2023, 4, 10, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    d = services.start_deliberation(
        user=secretary_a,
        procedure=services.ensure_standard_procedures()[0],
        title="事项",
        compound=world.compound_a,
    )
    first, second, *_ = d.steps.order_by("order")
    services.complete_step(first, user=secretary_a, note="入户征求意见", done_at=held - timedelta(days=20))
    meeting = services.create_meeting(
        user=secretary_a, kind="bench", title="板凳会", compound=world.compound_a, held_at=held
    )
    services.complete_step(second, user=secretary_a, meeting=meeting)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.done_at == held - timedelta(days=20) and second.done_at == held
    d2 = services.start_deliberation(
        user=secretary_a,
        procedure=services.ensure_standard_procedures()[0],
        title="事项2",
        compound=world.compound_a,
    )
    step = d2.steps.get(order=1)
    # never in the future: a step is recorded once it has taken place (issue 10), not dated "now"
    with pytest.raises(DomainError, match=r"请在其举行后再记录本步骤|once it has taken place"):
        services.complete_step(step, user=secretary_a, note="x", done_at=timezone.now() + timedelta(days=3))
    step.refresh_from_db()
    assert step.done_at is None


def test_notice_page_says_why_it_cannot_be_closed_yet_and_each_objection_has_its_own_form(
    client, world, secretary_a
):
    from datetime import timedelta

    from django.utils import timezone

    notice = services.publish_notice(
        compound=world.compound_a, title="公示", body="正文", user=secretary_a, period_days=5
    )
    a = services.submit_objection(notice, text="异议一")
    services.submit_objection(notice, text="异议二")
    client.force_login(secretary_a)
    page = client.get(notice.get_absolute_url()).content.decode()
    assert "还有 2 条异议未处理" in page and 'action="/consultations/notices/' not in page.split("异议二")[1]
    assert f'id="id_o{a.pk}_handling"' in page and page.count('id="id_handling"') == 0
    for o in notice.objections.all():
        services.handle_objection(o, user=secretary_a, status="rejected", handling="已答复")
    page = client.get(notice.get_absolute_url()).content.decode()
    assert "期满后可结束公示" in page
    notice.starts_at = timezone.now() - timedelta(days=6)
    notice.save()
    page = client.get(notice.get_absolute_url()).content.decode()
    assert reverse("consultations:notice_close", args=[notice.pk]) in page


@pytest.mark.skipif(not __import__("os").environ.get("REDIS_URL"), reason="REDIS_URL unset: no real Redis")
def test_objection_limit_is_shared_between_processes_through_redis(client, world, secretary_a, settings):
    """With Redis the limit counts in Redis, so every web process sees the same count: posts made
    "elsewhere" (another connection, like another gunicorn worker) count against this address."""
    import os
    import uuid

    import redis

    prefix = f"qa-{uuid.uuid4().hex[:8]}"
    url = os.environ["REDIS_URL"]
    settings.CACHES = {  # the setting_changed signal drops the cached connections
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
    }
    notice = services.publish_notice(compound=world.compound_a, title="公示", body="正文", user=secretary_a)
    public = notice.get_public_url()
    other = redis.Redis.from_url(url)
    try:
        for i in range(3):
            assert client.post(public, {"text": f"异议{i}"}).status_code == 302
        keys = other.keys(f"{prefix}:*objection-rate*")
        assert len(keys) == 1 and int(other.get(keys[0])) == 3  # in Redis, not in this process
        other.incrby(keys[0], 2)  # two objections through another worker
        r = client.post(public, {"text": "第六条"})
        assert r.status_code == 200 and "频繁" in r.content.decode()
        assert notice.objections.count() == 3
    finally:
        for key in other.keys(f"{prefix}:*"):
            other.delete(key)


def test_an_objection_is_taken_while_redis_is_down(client, world, secretary_a, redis_down):
    """The objection limit counts in the cache; with Redis down (the cache ignores the error and answers
    None) the resident's objection is taken, not answered with a server error."""
    notice = services.publish_notice(compound=world.compound_a, title="公示", body="正文", user=secretary_a)
    redis_down()
    r = client.post(notice.get_public_url(), {"text": "楼道改造方案有异议"})
    assert r.status_code == 302
    assert notice.objections.count() == 1


def test_a_visit_form_is_saved_while_redis_is_down(client, world, secretary_a, owned_visit, redis_down):
    """The double-send guard lives in the cache; with Redis down the cache cannot say "already seen",
    and the visit must be saved rather than refused as "already being saved"."""
    from consultations.models import Visit

    client.force_login(secretary_a)
    h = owned_visit.household
    url = reverse("consultations:visit_create") + f"?household={h.pk}"
    token = re.search(r'name="submission" value="([0-9a-f]+)"', client.get(url).content.decode()).group(1)
    redis_down()
    data = {"submission": token, "household": h.pk, "channel": "door", "attitude": "support",
            "op-TOTAL_FORMS": "0", "op-INITIAL_FORMS": "0"}  # fmt: skip
    r = client.post(url, data)
    assert r.status_code == 302 and "/logged/" in r["Location"]
    assert Visit.objects.filter(household=h).count() == 2  # the fixture's visit + this one

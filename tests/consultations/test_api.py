import io

import pytest
from django.urls import reverse

from communities.models import AccessLog, BackgroundJob
from consultations import services
from consultations.models import Notice, Opinion, Visit
from tests import factories as f
from tests.consultations import factories as cf

ROLES = [
    "district_admin",
    "street_user",
    "secretary_a",
    "secretary_b",
    "grid_worker_a",
    "contractor",
    "viewer",
]
# who sees community A's consultations (A lies under street A, in the district)
SEES_A = {"district_admin", "street_user", "secretary_a", "grid_worker_a", "viewer"}


@pytest.fixture
def data_a(world):
    building = f.BuildingFactory(compound=world.compound_a)
    household = f.HouseholdFactory(building=building)
    f.OwnershipFactory(
        household=household,
        person=f.PersonFactory(name="张建国", phone="13812345678", division=world.community_a),
    )
    visit = cf.VisitFactory(household=household)
    opinion = cf.OpinionFactory(compound=world.compound_a, household=household, visit=visit)
    street = f.UserFactory(username="pub")
    f.RoleAssignmentFactory(user=street, role="district_admin", division=world.district)
    notice = services.publish_notice(compound=world.compound_a, title="公示", body="b", user=street)
    objection = services.submit_objection(notice, text="异议", contact="13900001234")
    meeting = services.create_meeting(
        user=street, kind="courtyard", title="坝坝会", compound=world.compound_a
    )
    procedure = services.ensure_standard_procedures()[0]
    deliberation = services.start_deliberation(
        user=street, procedure=procedure, title="事项", compound=world.compound_a
    )
    return {
        "visits": visit,
        "opinions": opinion,
        "notices": notice,
        "objections": objection,
        "meetings": meeting,
        "deliberations": deliberation,
        "household": household,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "resource", ["visits", "opinions", "notices", "objections", "meetings", "deliberations"]
)
def test_scoping_every_role(request, api_as, data_a, role, resource):
    user = request.getfixturevalue(role)
    client = api_as(user)
    obj = data_a[resource]
    listed = client.get(f"/api/v1/{resource}/")
    assert listed.status_code == 200
    ids = [r["id"] for r in listed.json()["results"]]
    detail = client.get(f"/api/v1/{resource}/{obj.pk}/")
    if role in SEES_A:
        assert ids == [obj.pk]
        assert detail.status_code == 200
    else:
        assert ids == []
        assert detail.status_code == 404


def test_anonymous_is_refused(api_as, data_a):
    assert api_as(None).get("/api/v1/visits/").status_code in (401, 403)


@pytest.mark.parametrize(
    "role,expected",
    [
        ("grid_worker_a", 201),
        ("secretary_a", 201),
        ("viewer", 403),
        ("secretary_b", 400),
        ("contractor", 403),
    ],
)
def test_visit_create_permissions(request, api_as, data_a, role, expected):
    user = request.getfixturevalue(role)
    r = api_as(user).post(
        "/api/v1/visits/",
        {"household": data_a["household"].pk, "attitude": "support", "channel": "phone"},
        format="json",
    )
    assert r.status_code == expected, r.content


def test_visit_create_is_idempotent_and_takes_opinions(api_as, grid_worker_a, data_a):
    client = api_as(grid_worker_a)
    body = {
        "household": data_a["household"].pk,
        "attitude": "oppose",
        "opinions": [{"category": "elevator", "content": "希望加装电梯"}],
    }
    first = client.post("/api/v1/visits/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/visits/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and again.status_code == 201
    assert again.headers.get("Idempotent-Replay") == "true"
    assert first.json()["id"] == again.json()["id"]
    assert Visit.objects.filter(visitor=grid_worker_a).count() == 1
    assert Opinion.objects.filter(content="希望加装电梯", visit_id=first.json()["id"]).count() == 1


def test_opinion_transition_api(api_as, secretary_a, grid_worker_a, data_a):
    opinion = data_a["opinions"]
    url = f"/api/v1/opinions/{opinion.pk}/transition/"
    assert api_as(grid_worker_a).post(url, {"to": "accepted"}, format="json").status_code == 403
    r = api_as(secretary_a).post(url, {"to": "resolved"}, format="json")
    assert r.status_code == 409 and "不能改为" in r.json()["detail"]
    r = api_as(secretary_a).post(url, {"to": "accepted"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = api_as(secretary_a).post(url, {"to": "declined"}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "reason"
    demands = api_as(secretary_a).get("/api/v1/opinions/?demands=true").json()
    assert [o["id"] for o in demands["results"]] == [opinion.pk]


def test_notice_close_blocked_by_objection_api(api_as, secretary_a, data_a):
    notice = data_a["notices"]
    Notice.objects.filter(pk=notice.pk).update(period_days=1, starts_at=notice.starts_at.replace(year=2020))
    r = api_as(secretary_a).post(f"/api/v1/notices/{notice.pk}/close/")
    assert r.status_code == 409
    obj = data_a["objections"]
    r = api_as(secretary_a).post(
        f"/api/v1/objections/{obj.pk}/handle/",
        {"status": "rejected", "handling": "依规划不予采纳"},
        format="json",
    )
    assert r.status_code == 200
    assert api_as(secretary_a).post(f"/api/v1/notices/{notice.pk}/close/").json()["status"] == "closed"


def test_objection_contact_masked_for_grid_worker(api_as, grid_worker_a, secretary_a, data_a):
    pk = data_a["objections"].pk
    assert api_as(grid_worker_a).get(f"/api/v1/objections/{pk}/").json()["contact"] == "139****1234"
    assert api_as(secretary_a).get(f"/api/v1/objections/{pk}/").json()["contact"] == "139****1234"
    assert api_as(secretary_a).get(f"/api/v1/objections/{pk}/?unmask=1").json()["contact"] == "13900001234"


def test_publish_notice_api_uses_default_period(api_as, secretary_a, world):
    r = api_as(secretary_a).post(
        "/api/v1/notices/",
        {"compound": world.compound_a.pk, "title": "方案公示", "body": "正文"},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["period_days"] == 7 and r.json()["public_url"].endswith(
        f"/consultations/n/{Notice.objects.get().slug}/"
    )


def test_coverage_api(api_as, secretary_a, secretary_b, contractor, data_a, world):
    r = api_as(secretary_a).get(f"/api/v1/coverage/?compound={world.compound_a.pk}")
    assert r.status_code == 200
    assert (r.json()["households"], r.json()["visited"], r.json()["visits"], r.json()["opinions"]) == (
        1,
        1,
        1,
        1,
    )
    assert api_as(secretary_b).get(f"/api/v1/coverage/?compound={world.compound_a.pk}").status_code == 404
    assert api_as(contractor).get("/api/v1/coverage/").status_code == 404


@pytest.mark.parametrize(
    "resource", ["visits", "opinions", "notices", "meetings", "deliberations", "objections"]
)
def test_lists_run_constant_queries(
    api_as, secretary_a, world, resource, django_assert_max_num_queries, data_a
):
    client = api_as(secretary_a)
    client.get(f"/api/v1/{resource}/")  # warm
    building = f.BuildingFactory(compound=world.compound_a)
    for i in range(15):
        h = f.HouseholdFactory(building=building)
        v = cf.VisitFactory(household=h)
        cf.OpinionFactory(compound=world.compound_a, household=h, visit=v)
        n = services.publish_notice(compound=world.compound_a, title=f"n{i}", body="b", user=secretary_a)
        services.submit_objection(n, text="x")
        services.create_meeting(user=secretary_a, kind="bench", title=f"m{i}", compound=world.compound_a)
        services.start_deliberation(
            user=secretary_a,
            procedure=services.ensure_standard_procedures()[0],
            title=f"d{i}",
            compound=world.compound_a,
        )
    with django_assert_max_num_queries(8):
        r = client.get(f"/api/v1/{resource}/")
    assert r.json()["count"] >= 16


def _run_export(client, url, data=None):
    r = client.post(url, data or {})
    assert r.status_code == 302
    job = BackgroundJob.objects.order_by("-pk").first()
    assert job.status == "succeeded", job.message
    from openpyxl import load_workbook

    job.result_file.open("rb")
    wb = load_workbook(io.BytesIO(job.result_file.read()))
    return job, [list(row) for row in wb.active.iter_rows(values_only=True)]


@pytest.mark.django_db(transaction=True)
def test_exports_are_masked_by_role_and_logged(client, world, django_capture_on_commit_callbacks):
    from communities.choices import Role

    district = f.UserFactory(username="dist")
    f.RoleAssignmentFactory(user=district, role=Role.DISTRICT_ADMIN, division=world.district)
    h = f.HouseholdFactory(building=f.BuildingFactory(compound=world.compound_a))
    f.OwnershipFactory(
        household=h, person=f.PersonFactory(name="张建国", phone="13812345678", division=world.community_a)
    )
    visit = services.log_visit(
        user=district,
        household=h,
        attitude="support",
        opinions=[{"category": "roads", "content": "路面破损"}],
    )
    services.transition_opinion(visit.opinions.get(), "accepted", user=district)

    client.force_login(district)
    with django_capture_on_commit_callbacks(execute=True):
        job, rows = _run_export(client, reverse("consultations:visit_export"))
    assert rows[0][0] == "时间" and "13812345678" not in rows[1]  # masked by default (issue 11)
    with django_capture_on_commit_callbacks(execute=True):
        job, rows = _run_export(
            client, reverse("consultations:visit_export"), {"unmask": "1", "unmask_reason": "回访核对"}
        )
    assert rows[0][0] == "时间" and "张建国" in rows[1] and "13812345678" in rows[1]

    # a role without unmasked access gets masked data (here: UNMASKED_ROLES narrowed to district admins)
    from django.test import override_settings

    street = f.UserFactory(username="st")
    f.RoleAssignmentFactory(user=street, role=Role.STREET_STAFF, division=world.street_a)
    client.force_login(street)
    with (
        override_settings(UNMASKED_ROLES=["district_admin"]),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job, rows = _run_export(client, reverse("consultations:demand_export"))
    assert len(rows) == 2 and "路面破损" in rows[1]
    assert "张*" in " ".join(str(c) for c in rows[1]) and "138****5678" in rows[1]
    assert "13812345678" not in [str(c) for c in rows[1]]
    assert job.result["masked"] is True
    assert AccessLog.objects.filter(action="export", object_type="opinion").count() >= 2

"""Inspections, progress and photos over the API: validation, idempotency, scoping, query counts."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from communities import photos as photo_rules
from supervision import services
from supervision.models import Inspection, Photo, ProgressReport, Rectification
from tests.projects import factories as pf
from tests.supervision.factories import RectificationFactory, image_upload


def _files(media_root):
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def test_inspection_with_photo_and_order_is_idempotent(site, street_user, api_as, media_root):
    api = api_as(street_user)
    payload = {
        "project": site.project.pk,
        "work_item": site.work_item.pk,
        "findings": "3栋雨水管接口渗漏",
        "result": "problems",
        "upload": [image_upload()],
    }
    first = api.post("/api/v1/inspections/", payload, format="multipart", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["inspector_kind"] == "government" and len(body["photos"]) == 1
    payload["upload"] = [image_upload()]
    again = api.post("/api/v1/inspections/", payload, format="multipart", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert again.headers.get("Idempotent-Replay") == "true"
    assert Inspection.objects.count() == 1 and Photo.objects.count() == 1
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (1600, 1200)
    assert len(_files(media_root)) == 1


def test_inspection_from_a_phone_sends_orders_as_json_text_with_photos(site, street_user, api_as):
    """multipart (photos) + `orders` as one JSON field: the orders are raised, not silently dropped."""
    import json

    deadline = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    orders = [{"description": "空鼓处返工", "responsible_party": site.builder.pk, "deadline": deadline}]
    payload = {
        "project": site.project.pk,
        "findings": "外墙保温层空鼓",
        "result": "problems",
        "upload": [image_upload()],
        "orders": json.dumps(orders, ensure_ascii=False),
    }
    response = api_as(street_user).post("/api/v1/inspections/", payload, format="multipart")
    assert response.status_code == 201, response.content
    assert len(response.json()["rectification_ids"]) == 1 and len(response.json()["photos"]) == 1
    payload["orders"] = "not json"
    payload["upload"] = [image_upload()]
    response = api_as(street_user).post("/api/v1/inspections/", payload, format="multipart")
    assert response.status_code == 400 and "orders" in response.json()["errors"]
    assert Inspection.objects.count() == 1


def test_inspection_raises_orders(site, street_user, api_as):
    deadline = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    response = api_as(street_user).post(
        "/api/v1/inspections/",
        {
            "project": site.project.pk,
            "findings": "外墙空鼓",
            "result": "problems",
            "orders": [
                {"description": "外墙空鼓返工", "responsible_party": site.builder.pk, "deadline": deadline}
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    order = Rectification.objects.get()
    assert order.inspection_id == response.json()["id"] and order.responsible_party == site.builder


@pytest.mark.parametrize(
    "upload,message",
    [
        (lambda: image_upload("a.gif", "GIF", (50, 50)), "JPEG"),
        (
            lambda: SimpleUploadedFile("a.jpg", b"not an image at all", content_type="image/jpeg"),
            "图片",
        ),
    ],
)
def test_photo_wrong_type_refused_nothing_stored(site, street_user, api_as, media_root, upload, message):
    response = api_as(street_user).post(
        "/api/v1/photos/",
        {"project": site.project.pk, "kind": "before", "image": upload()},
        format="multipart",
    )
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Photo.objects.exists() and not _files(media_root)


def test_photo_too_large_refused_nothing_stored(site, street_user, api_as, media_root, monkeypatch):
    monkeypatch.setattr(photo_rules, "MAX_BYTES", 10_000)
    big = image_upload(size=(800, 800))
    big.file = io.BytesIO(big.read() + b"\0" * 20_000)
    big.size = len(big.file.getvalue())
    response = api_as(street_user).post(
        "/api/v1/photos/", {"project": site.project.pk, "kind": "before", "image": big}, format="multipart"
    )
    assert response.status_code == 400
    assert "MB" in response.json()["detail"]
    assert not Photo.objects.exists() and not _files(media_root)


def test_one_bad_photo_of_two_stores_nothing(site, street_user, media_root):
    with pytest.raises(services.DomainError):
        services.record_inspection(
            user=street_user,
            project=site.project,
            findings="x",
            result="pass",
            photos=[image_upload(), image_upload("x.gif", "GIF", (20, 20))],
        )
    assert not Inspection.objects.exists() and not _files(media_root)


def test_progress_report_updates_work_item_and_flags_behind(site, contractor, other_contractor, api_as):
    item = pf.WorkItemFactory(project=site.project, name="外墙保温", progress=0)
    api = api_as(contractor)
    r1 = api.post(
        "/api/v1/progress-reports/", {"work_item": item.pk, "percent": 40, "reported_on": "2024-06-01"}
    )
    assert r1.status_code == 201, r1.content
    assert r1.json()["party"] == site.builder.pk
    # an older report entered later does not roll progress back
    api.post("/api/v1/progress-reports/", {"work_item": item.pk, "percent": 20, "reported_on": "2024-05-01"})
    item.refresh_from_db()
    assert item.progress == 40
    assert ProgressReport.objects.count() == 2
    # the project: items at 100% and 40%, equal budgets -> 70%; the planned period ended in 2024 -> behind
    status = services.schedule_status(site.project)
    assert status.progress == 70 and status.expected == 100 and status.behind
    # a contractor of another (non-construction) party may not report
    response = api_as(other_contractor).post(
        "/api/v1/progress-reports/", {"work_item": item.pk, "percent": 50}
    )
    assert response.status_code == 201  # the other builder is a construction unit too
    site.supervisor_party.users.add(other_contractor)
    site.other_builder.users.remove(other_contractor)
    response = api_as(other_contractor).post(
        "/api/v1/progress-reports/", {"work_item": item.pk, "percent": 60}
    )
    assert response.status_code == 403


def test_expected_progress_is_time_elapsed():
    start, end = datetime.date(2024, 3, 1), datetime.date(2024, 3, 11)
    assert services.expected_progress(start, end, datetime.date(2024, 3, 6)) == 50
    assert services.expected_progress(start, end, datetime.date(2024, 2, 1)) == 0
    assert services.expected_progress(start, end, datetime.date(2024, 4, 1)) == 100
    assert services.expected_progress(None, end) is None


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/rectifications/",
        "/api/v1/inspections/",
        "/api/v1/acceptances/",
        "/api/v1/photos/",
        "/api/v1/disputes/",
        "/api/v1/progress-reports/",
        "/api/v1/supervision-teams/",
    ],
)
def test_lists_run_constant_queries(site, street_user, api_as, django_assert_max_num_queries, url):
    def grow(n):
        for _ in range(n):
            order = RectificationFactory(responsible_party=site.builder)
            services.add_photo(
                user=street_user, project=site.project, upload=image_upload(size=(40, 30)), kind="before"
            )
            services.record_dispute(user=street_user, project=site.project, parties="甲/乙", issue="占道")
            services.report_progress(user=street_user, work_item=site.work_item, percent=100)
            services.add_photo(
                user=street_user,
                project=site.project,
                upload=image_upload(size=(40, 30)),
                inspection=order.inspection,
                rectification=order,
                kind="evidence",
            )

    api = api_as(street_user)
    grow(2)
    with django_assert_max_num_queries(8) as small:
        assert api.get(url).status_code == 200
    grow(8)
    with django_assert_max_num_queries(8) as big:
        assert api.get(url).status_code == 200
    assert len(big.captured_queries) == len(small.captured_queries)


def test_disputes_counted_and_resolved(site, street_user, api_as):
    api = api_as(street_user)
    created = api.post(
        "/api/v1/disputes/",
        {"project": site.project.pk, "parties": "1栋住户 / 施工方", "issue": "夜间施工噪音"},
        format="json",
    )
    assert created.status_code == 201, created.content
    refused = api.patch(f"/api/v1/disputes/{created.json()['id']}/", {"status": "resolved"}, format="json")
    assert refused.status_code == 400
    done = api.patch(
        f"/api/v1/disputes/{created.json()['id']}/",
        {"status": "resolved", "resolution": "调整为8点至18点施工"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["resolved_on"]


def test_disputes_are_not_shown_to_contractors(site, street_user, contractor, api_as):
    """Disputes between residents stay with staff and Party members, not the builders on site."""
    dispute = services.record_dispute(
        user=street_user, project=site.project, parties="101室 与 201室", issue="空调外机位置"
    )
    assert api_as(street_user).get(f"/api/v1/disputes/{dispute.pk}/").status_code == 200
    api = api_as(contractor)
    assert api.get("/api/v1/disputes/").json()["count"] == 0
    assert api.get(f"/api/v1/disputes/{dispute.pk}/").status_code == 404
    response = api.patch(f"/api/v1/disputes/{dispute.pk}/", {"status": "resolved"}, format="json")
    assert response.status_code == 404


def test_dispute_create_goes_through_the_service(site, street_user, api_as, world):
    """The mediator must be a Party member on this project; a mediator puts the dispute in mediation."""
    from projects.choices import ProjectStatus
    from projects.models import Project

    here = pf.BranchMemberFactory(branch=pf.PartyBranchFactory(project=site.project), name="黄建国")
    other_project = pf.ProjectFactory(division=world.street_a, compounds=[world.compound_b])
    Project.objects.filter(pk=other_project.pk).update(status=ProjectStatus.UNDER_CONSTRUCTION)
    elsewhere = pf.BranchMemberFactory(branch=pf.PartyBranchFactory(project=other_project), name="别处党员")
    api = api_as(street_user)
    base = {"project": site.project.pk, "parties": "101室 与 102室", "issue": "空调外机挪位"}
    refused = api.post("/api/v1/disputes/", {**base, "mediator": elsewhere.pk}, format="json")
    assert refused.status_code == 400 and "mediator" in refused.json()["errors"]
    made = api.post("/api/v1/disputes/", {**base, "mediator": here.pk}, format="json")
    assert made.status_code == 201 and made.json()["status"] == "mediating"


def test_photo_public_by_kind_when_not_said(site, street_user, api_as):
    """A multipart upload without is_public lets the rule decide: before/after of the works are public."""
    api = api_as(street_user)
    after = api.post(
        "/api/v1/photos/",
        {"project": site.project.pk, "kind": "after", "image": image_upload()},
        format="multipart",
    )
    assert after.status_code == 201 and after.json()["is_public"] is True
    private = api.post(
        "/api/v1/photos/",
        {"project": site.project.pk, "kind": "after", "is_public": "false", "image": image_upload()},
        format="multipart",
    )
    assert private.json()["is_public"] is False

"""Rectification orders: lifecycle, refusals, who sees what (contractors: own party only), reminders."""

import datetime
import logging
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from communities.errors import Conflict, DomainError
from config.localdb import url_for
from supervision import services, tasks
from supervision.choices import RectificationStatus
from supervision.models import Photo, Rectification, Reminder
from tests.supervision.factories import RectificationFactory, image_upload

TODAY = timezone.localdate


def test_lifecycle_with_rejection(site, contractor, street_user):
    order = RectificationFactory(responsible_party=site.builder)
    with pytest.raises(Conflict, match="cannot be moved"):
        services.submit_rectification(user=contractor, order=order, response="done", photos=[image_upload()])
    services.start_rectification(user=contractor, order=order)
    with pytest.raises(DomainError, match="photo"):
        services.submit_rectification(user=contractor, order=order, response="已返工")
    order.refresh_from_db()
    assert order.status == RectificationStatus.IN_PROGRESS and not order.photos.exists()
    services.submit_rectification(user=contractor, order=order, response="已返工", photos=[image_upload()])
    with pytest.raises(DomainError, match="reason"):
        services.reject_rectification(user=street_user, order=order, reason=" ")
    order = services.reject_rectification(user=street_user, order=order, reason="接口仍渗水")
    assert order.status == RectificationStatus.IN_PROGRESS and order.rejection_count == 1
    services.submit_rectification(user=contractor, order=order, response="重新密封", photos=[image_upload()])
    order = services.verify_rectification(user=street_user, order=order)
    assert order.status == RectificationStatus.VERIFIED and order.verified_by == street_user
    with pytest.raises(Conflict):
        services.start_rectification(user=street_user, order=order)
    # audit history
    statuses = list(
        Rectification.pgh_event_model.objects.filter(pgh_obj_id=order.pk)
        .order_by("pgh_id")
        .values_list("status", flat=True)
    )
    assert statuses == ["open", "in_progress", "submitted", "in_progress", "submitted", "verified"]


def test_contractor_cannot_verify_or_touch_other_partys_order(site, contractor, other_contractor):
    mine = RectificationFactory(responsible_party=site.builder)
    theirs = RectificationFactory(responsible_party=site.other_builder)
    with pytest.raises(services.Forbidden):
        services.start_rectification(user=contractor, order=theirs)
    services.start_rectification(user=contractor, order=mine)
    services.submit_rectification(user=contractor, order=mine, response="x", photos=[image_upload()])
    with pytest.raises(services.Forbidden):
        services.verify_rectification(user=contractor, order=mine)


def test_contractor_sees_evidence_photos_of_own_orders_only(
    site, contractor, other_contractor, api_as, client
):
    from django.urls import reverse

    mine = RectificationFactory(responsible_party=site.builder)
    theirs = RectificationFactory(responsible_party=site.other_builder)
    for user, order in ((contractor, mine), (other_contractor, theirs)):
        services.start_rectification(user=user, order=order)
        services.submit_rectification(user=user, order=order, response="x", photos=[image_upload()])
    mine_photo = Photo.objects.get(rectification=mine)
    theirs_photo = Photo.objects.get(rectification=theirs)
    ids = [row["id"] for row in api_as(contractor).get("/api/v1/photos/").json()["results"]]
    assert ids == [mine_photo.pk]
    assert api_as(contractor).get(f"/api/v1/photos/{theirs_photo.pk}/").status_code == 404
    client.force_login(contractor)
    assert client.get(reverse("supervision:photo_file", args=[mine_photo.pk])).status_code == 200
    assert client.get(reverse("supervision:photo_file", args=[theirs_photo.pk])).status_code == 404


def test_contractor_sees_only_own_orders_over_api(site, contractor, other_contractor, street_user, api_as):
    mine = RectificationFactory(responsible_party=site.builder)
    theirs = RectificationFactory(responsible_party=site.other_builder)
    api = api_as(contractor)
    ids = [row["id"] for row in api.get("/api/v1/rectifications/").json()["results"]]
    assert ids == [mine.pk]
    assert api.get(f"/api/v1/rectifications/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/rectifications/{theirs.pk}/start/").status_code == 404
    response = api.post(f"/api/v1/rectifications/{mine.pk}/start/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    # the other contractor the other way round
    other_ids = [
        row["id"] for row in api_as(other_contractor).get("/api/v1/rectifications/").json()["results"]
    ]
    assert other_ids == [theirs.pk]
    # street staff see both
    assert api_as(street_user).get("/api/v1/rectifications/").json()["count"] == 2


# The project is run by street A on compound A: orders follow the project's read scope
# (projects.querysets.project_q), so community A's secretary sees them too; community B's never does.
@pytest.mark.parametrize(
    "who,expected",
    [("district_admin", 2), ("viewer", 2), ("street_user", 2), ("secretary_a", 2), ("secretary_b", 0)],
)
def test_order_scoping_by_role(site, request, api_as, who, expected):
    RectificationFactory(responsible_party=site.builder)
    RectificationFactory(responsible_party=site.other_builder)
    user = request.getfixturevalue(who)
    assert api_as(user).get("/api/v1/rectifications/").json()["count"] == expected


def test_illegal_moves_refused_over_api(site, contractor, street_user, api_as):
    order = RectificationFactory(responsible_party=site.builder)
    response = api_as(street_user).post(f"/api/v1/rectifications/{order.pk}/verify/")
    assert response.status_code == 409
    assert "cannot be moved" in response.json()["detail"] or "不能" in response.json()["detail"]


def test_overdue_reminders_once_a_day(site, caplog):
    overdue = RectificationFactory(responsible_party=site.builder)
    Rectification.objects.filter(pk=overdue.pk).update(deadline=TODAY() - datetime.timedelta(days=3))
    RectificationFactory(responsible_party=site.builder)  # not yet due
    verified = RectificationFactory(responsible_party=site.other_builder)
    Rectification.objects.filter(pk=verified.pk).update(
        deadline=TODAY() - datetime.timedelta(days=3), status=RectificationStatus.VERIFIED
    )
    with caplog.at_level(logging.INFO, logger="supervision.services"):
        assert tasks.send_overdue_reminders.delay().get() == 1
        assert tasks.send_overdue_reminders.delay().get() == 0  # idempotent within the day
    reminder = Reminder.objects.get()
    assert reminder.rectification == overdue and reminder.party == site.builder and reminder.days_overdue == 3
    assert f"overdue reminder: order={overdue.pk}" in caplog.text
    # the next day: a new reminder
    assert services.send_overdue_reminders(TODAY() + datetime.timedelta(days=1)) == 1


def test_beat_schedule_runs_the_reminders():
    entry = settings.CELERY_BEAT_SCHEDULE["supervision-overdue-reminders"]
    assert entry["task"] == tasks.send_overdue_reminders.name


@pytest.mark.worker
@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no broker for a real worker")
@pytest.mark.django_db(transaction=True)
def test_reminders_through_a_real_worker(site):
    order = RectificationFactory(responsible_party=site.builder)
    Rectification.objects.filter(pk=order.pk).update(deadline=TODAY() - datetime.timedelta(days=1))
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": url_for(db),
        "REDIS_URL": settings.REDIS_URL,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            "celery",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        tasks.send_overdue_reminders.apply_async()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not Reminder.objects.filter(rectification=order).exists():
            time.sleep(0.5)
        assert Reminder.objects.filter(rectification=order).count() == 1
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def test_evidence_photo_is_stored_resized(site, contractor):
    order = RectificationFactory(responsible_party=site.builder)
    services.start_rectification(user=contractor, order=order)
    services.submit_rectification(user=contractor, order=order, response="x", photos=[image_upload()])
    photo = Photo.objects.get(rectification=order)
    assert photo.kind == "evidence" and max(photo.width, photo.height) == 1600 and not photo.is_public


def test_photo_for_an_order_only_by_its_party_or_verifiers_and_on_its_project(
    site, contractor, other_contractor, street_user
):
    from tests.projects import factories as pf

    theirs = RectificationFactory(responsible_party=site.other_builder)
    # the contractor builds on this project too, but the order is the other unit's
    with pytest.raises(services.Forbidden):
        services.add_photo(
            user=contractor,
            project=site.project,
            upload=image_upload(),
            kind="evidence",
            rectification=theirs,
        )
    other_project = pf.ProjectFactory(
        division=site.project.division, compounds=list(site.project.compounds.all())
    )
    with pytest.raises(DomainError, match="another project"):
        services.add_photo(
            user=street_user,
            project=other_project,
            upload=image_upload(),
            kind="evidence",
            rectification=theirs,
        )
    with pytest.raises(DomainError, match="rectification order"):
        services.add_photo(user=street_user, project=site.project, upload=image_upload(), kind="evidence")
    assert not Photo.objects.exists()
    services.add_photo(
        user=other_contractor,
        project=site.project,
        upload=image_upload(),
        kind="evidence",
        rectification=theirs,
    )
    assert Photo.objects.filter(rectification=theirs).count() == 1

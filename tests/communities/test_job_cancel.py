"""Cancelling a job: a waiting one never starts, a running import stops and writes nothing, a finished
one is refused; the page and the API both offer it to the job's owner only."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, connections

from communities import bulk, jobs
from communities.choices import JobStatus
from communities.errors import Conflict
from communities.models import BackgroundJob, Household, Person

from .test_roster import GOOD, csv_text


def _import_job(user, compound) -> BackgroundJob:
    job = BackgroundJob.objects.create(
        kind="roster_import",
        handler="communities.roster.import_roster",
        created_by=user,
        params={"compound": compound.pk, "language": "zh-hans"},
    )
    job.input_file.save("roster.csv", ContentFile(csv_text(GOOD).encode()), save=True)
    return job


@pytest.mark.django_db
def test_a_waiting_job_never_starts(world, secretary_a, monkeypatch):
    job = _import_job(secretary_a, world.compound_a)
    jobs.cancel_job(job, secretary_a)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.is_finished
    monkeypatch.setattr(
        "communities.roster.import_roster", lambda *a: pytest.fail("a cancelled job must not run")
    )
    jobs.run(job.pk)
    assert not Household.objects.exists()
    with pytest.raises(Conflict):
        jobs.cancel_job(job, secretary_a)


@pytest.mark.django_db(transaction=True)
def test_a_running_import_cancelled_half_way_writes_nothing(world, secretary_a, monkeypatch):
    job = _import_job(secretary_a, world.compound_a)
    real = bulk.copy_create_rows

    def cancel_while_writing(model, columns, rows):
        count = real(model, columns, rows)
        if model is Person:
            # the owner presses "cancel" while the people are being written (another connection)
            side = connections.create_connection(DEFAULT_DB_ALIAS)
            try:
                with side.cursor() as cursor:
                    cursor.execute(
                        "UPDATE communities_backgroundjob SET cancel_requested_at = now() WHERE id = %s",
                        [job.pk],
                    )
            finally:
                side.close()
        return count

    monkeypatch.setattr(bulk, "copy_create_rows", cancel_while_writing)
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED, job.message
    assert "nothing was written" in job.message or "没有写入" in job.message
    assert not Household.objects.exists() and not Person.objects.exists()


@pytest.mark.django_db
def test_cancel_over_the_api_and_the_page(world, secretary_a, secretary_b, api_as, client):
    job = _import_job(secretary_a, world.compound_a)
    assert api_as(secretary_b).post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 404
    response = api_as(secretary_a).post(f"/api/v1/jobs/{job.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert api_as(secretary_a).post(f"/api/v1/jobs/{job.pk}/cancel/").status_code == 409

    other = _import_job(secretary_a, world.compound_a)
    client.force_login(secretary_a)
    page = client.get(f"/jobs/{other.pk}/").content.decode()
    assert 'id="job-cancel"' in page
    assert client.post(f"/jobs/{other.pk}/cancel/").status_code == 302
    other.refresh_from_db()
    assert other.status == JobStatus.CANCELLED
    assert 'id="job-cancel"' not in client.get(f"/jobs/{other.pk}/").content.decode()

"""Job progress moves while an import writes inside its transaction (written through a second
connection) and never waits for a locked job row."""

import pytest
from django.db import connection, connections, transaction

from communities import roster
from communities.jobs import Progress
from communities.models import BackgroundJob
from tests import factories as f
from tests.communities.test_roster import GOOD, xlsx_bytes


def _seen_from_outside(job_pk):
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT done, total FROM communities_backgroundjob WHERE id = %s", [job_pk])
            return cursor.fetchone()
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
def test_progress_inside_a_transaction_is_visible_outside_it():
    job = BackgroundJob.objects.create(kind="x", handler="x", created_by=f.UserFactory())
    progress = Progress(job, min_interval=0)
    try:
        with transaction.atomic():
            progress(5, 10)
            assert _seen_from_outside(job.pk) == (5, 10)  # before the work commits
            progress(7)
            assert _seen_from_outside(job.pk) == (7, 10)
        progress(10, 10)  # outside a transaction: the ordinary update
        assert _seen_from_outside(job.pk) == (10, 10)
    finally:
        progress.close()


@pytest.mark.django_db(transaction=True)
def test_progress_never_waits_for_a_locked_job_row(caplog):
    """The row is locked by our own transaction: waiting for it would never end. The progress write
    skips the locked row (it does not wait and time out: no warning is logged) and the work goes on."""
    job = BackgroundJob.objects.create(kind="x", handler="x", created_by=f.UserFactory())
    progress = Progress(job, min_interval=0)
    try:
        with transaction.atomic():
            BackgroundJob.objects.filter(pk=job.pk).update(message="held")  # our own lock on the row
            progress(3, 10)
            assert _seen_from_outside(job.pk) == (0, 0)  # skipped, not written
        assert "progress not written" not in caplog.text
        progress(4, 10)  # once the row is free again, progress is written
        assert _seen_from_outside(job.pk) == (4, 10)
    finally:
        progress.close()


@pytest.mark.django_db
def test_import_reports_progress_during_the_write(world):
    calls = []
    depth = len(connection.atomic_blocks)  # the test's own transaction

    def progress(done, total=None, *, force=False):
        calls.append((done, total, len(connection.atomic_blocks) > depth))

    rows = GOOD * 1  # 8 rows in 2 buildings
    roster.import_file(world.compound_a, xlsx_bytes(rows), "r.xlsx", progress=progress)
    total = calls[0][1]
    inside = [done for done, _t, atomic in calls if atomic]
    # the write (inside its transaction) reports several steps between "checked" and "done"
    assert len(set(inside)) >= 4, calls
    assert all(0 < d < total for d in inside)
    assert inside == sorted(inside)
    assert calls[-1][0] == total


@pytest.mark.django_db
def test_finished_import_keeps_its_counts(world, secretary_a, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from communities.choices import JobStatus
    from communities.jobs import start_job

    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(
            kind="roster_import",
            handler="communities.roster.import_roster",
            user=secretary_a,
            params={"compound": world.compound_a.pk, "language": "zh-hans"},
            input_file=SimpleUploadedFile("r.xlsx", xlsx_bytes(GOOD)),
        )
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.total > 0 and job.done == job.total

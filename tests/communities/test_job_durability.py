"""Jobs survive crashed workers: a heartbeat while they run, one runner at a time (a per-job lock held
by the runner's connection), a beat task that requeues -- or fails, with a clear message -- a job whose
heartbeat stopped, and a page that tells the truth at every moment."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from communities import jobs, locks
from communities.choices import JobStatus
from communities.models import BackgroundJob, OutboxMessage
from tests import factories as f

# --- handlers the tests run (importable by dotted path, as real handlers are) ---------------------------

runs: list[int] = []
gate = threading.Event()


def counting_handler(job, progress):
    runs.append(job.pk)
    job.message = "done"


def gated_handler(job, progress):
    """Counts its runs and, on the first one, waits for the test to open the gate."""
    runs.append(job.pk)
    if runs.count(job.pk) == 1:
        assert gate.wait(60)
    job.message = "done"


@pytest.fixture(autouse=True)
def _reset():
    runs.clear()
    gate.clear()
    yield
    gate.set()


def make_job(handler="tests.communities.test_job_durability.counting_handler", **fields) -> BackgroundJob:
    return BackgroundJob.objects.create(kind="ping", handler=handler, created_by=f.UserFactory(), **fields)


def wait_until(predicate, timeout=30.0):
    """Poll (a deadline only so a broken build cannot hang the suite; nothing is timed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


class Runner(threading.Thread):
    """jobs.run() in its own thread and database connection, as a worker process would."""

    def __init__(self, job_id):
        super().__init__(daemon=True)
        self.job_id = job_id
        self.error = None

    def run(self):
        try:
            jobs.run(self.job_id)
        except BaseException as exc:
            self.error = exc
        finally:
            connections.close_all()


# --- started_at, heartbeat -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_started_at_is_kept_when_the_job_runs():
    job = make_job()
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.started_at is not None and job.started_at <= job.finished_at
    assert job.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_running_job_beats_and_shows_who_runs_it(settings):
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    job = make_job(handler="tests.communities.test_job_durability.gated_handler")
    runner = Runner(job.pk)
    runner.start()
    try:
        assert wait_until(lambda: BackgroundJob.objects.get(pk=job.pk).heartbeat_at is not None)
        first = BackgroundJob.objects.get(pk=job.pk)
        assert first.status == JobStatus.RUNNING and first.worker
        assert wait_until(lambda: BackgroundJob.objects.get(pk=job.pk).heartbeat_at > first.heartbeat_at)
        assert not locks.is_free("job", job.pk)  # the runner holds the job's lock
    finally:
        gate.set()
        runner.join(30)
    assert runner.error is None
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.started_at == first.started_at
    assert locks.is_free("job", job.pk)


# --- one runner at a time ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_job_still_running_elsewhere_is_not_run_again():
    job = make_job(handler="tests.communities.test_job_durability.gated_handler")
    first = Runner(job.pk)
    first.start()
    try:
        assert wait_until(lambda: runs == [job.pk])
        jobs.run(job.pk)  # the broker hands the same message to another worker
        assert runs == [job.pk]  # not run twice at once
        assert BackgroundJob.objects.get(pk=job.pk).status == JobStatus.RUNNING
    finally:
        gate.set()
        first.join(30)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and runs == [job.pk]
    jobs.run(job.pk)  # and once finished, a late redelivery does nothing
    assert runs == [job.pk]


# --- the reaper ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_whose_heartbeat_stopped_is_queued_again(django_capture_on_commit_callbacks):
    long_ago = timezone.now() - timedelta(minutes=10)
    job = make_job(status=JobStatus.RUNNING, started_at=long_ago, heartbeat_at=long_ago, attempts=1, done=5)
    fresh = make_job(status=JobStatus.RUNNING, started_at=long_ago, heartbeat_at=timezone.now(), attempts=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert jobs.reap_stalled() == {"requeued": 1, "failed": 0}
    assert len(callbacks) == 1  # the message to a worker, sent once the decision commits
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING
    assert "已停止" in job.message and "重新排队" in job.message and job.started_at == long_ago
    fresh.refresh_from_db()
    assert fresh.status == JobStatus.RUNNING  # a live heartbeat is left alone


@pytest.mark.django_db(transaction=True)  # the reaper's decision commits, then a worker runs the job
def test_a_requeued_job_runs_to_the_end_and_keeps_its_first_start():
    long_ago = timezone.now() - timedelta(minutes=10)
    job = make_job(status=JobStatus.RUNNING, started_at=long_ago, heartbeat_at=long_ago, attempts=1, done=5)
    assert jobs.reap_stalled() == {"requeued": 1, "failed": 0}  # eager here: runs after commit
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2 and job.started_at == long_ago
    assert runs == [job.pk]


@pytest.mark.django_db
def test_a_job_that_keeps_dying_fails_with_a_clear_message(settings):
    settings.JOB_MAX_ATTEMPTS = 3
    long_ago = timezone.now() - timedelta(minutes=10)
    job = make_job(status=JobStatus.RUNNING, started_at=long_ago, heartbeat_at=long_ago, attempts=3)
    assert jobs.reap_stalled() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert "3 次" in job.message and "已停止" in job.message
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_stale_heartbeat_with_its_runner_alive_is_not_requeued():
    """The lock says the runner is still there (its connection holds it): never start a second one."""
    long_ago = timezone.now() - timedelta(minutes=10)
    job = make_job(status=JobStatus.RUNNING, started_at=long_ago, heartbeat_at=long_ago, attempts=1)
    holder = connections.create_connection("default")
    try:
        assert locks.try_session_lock("job", job.pk, holder)
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            holder_pid = cursor.fetchone()[0]
        assert jobs.reap_stalled() == {"requeued": 0, "failed": 0}
        assert BackgroundJob.objects.get(pk=job.pk).status == JobStatus.RUNNING
    finally:
        holder.close()
    # the server releases the runner's lock when its backend has gone, which on a loaded machine is a
    # moment after the client closed: wait for that (not a duration assertion), then the job is requeued
    for _ in range(100):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [holder_pid])
            if cursor.fetchone() is None:
                break
        time.sleep(0.05)
    assert jobs.reap_stalled() == {"requeued": 1, "failed": 0}


def test_beat_runs_the_reaper_every_half_minute():
    from config.celery import app

    entry = app.conf.beat_schedule["reap-stalled-jobs"]
    assert entry["task"] == "communities.tasks.reap_stalled_jobs" and entry["schedule"] <= 60


# --- the page tells the truth --------------------------------------------------------------------------


@pytest.mark.django_db
def test_job_page_and_api_say_when_a_running_job_shows_no_sign_of_life(client, api_as):
    user = f.UserFactory()
    long_ago = timezone.now() - timedelta(minutes=5)
    job = BackgroundJob.objects.create(
        kind="ping", handler="x", created_by=user, status=JobStatus.RUNNING, started_at=long_ago,
        heartbeat_at=long_ago, attempts=1,
    )  # fmt: skip
    client.force_login(user)
    page = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-stalled="1"' in page
    body = api_as(user).get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["stalled"] is True and body["heartbeat_at"] and body["attempts"] == 1

    BackgroundJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    page = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-stalled="0"' in page
    assert api_as(user).get(f"/api/v1/jobs/{job.pk}/").json()["stalled"] is False

"""The real path once: a Celery worker process on the real Redis runs a job queued through the outbox.

CI sets REDIS_URL (redis://127.0.0.1:6379/5). The worker gets DATABASE_URL pointing at the test
database pytest-django created (transaction=True, so the rows are committed and visible to it) and
listens on a queue no other worker knows, so a stray worker cannot steal the task.
"""

import os
import signal
import subprocess
import time
import uuid

import pytest
from django.conf import settings

from communities import models
from communities.choices import JobStatus
from tests import factories as f
from tests.test_infra import test_database_url

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="REDIS_URL is unset: the real-worker test needs Redis (CI sets redis://127.0.0.1:6379/5)",
    ),
]


@pytest.fixture
def queue(settings):
    name = f"test-worker-{uuid.uuid4().hex[:12]}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_TASK_DEFAULT_QUEUE = name
    yield name
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).delete(name)


def start_worker(queue: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        {
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": os.environ["REDIS_URL"],
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "CONN_MAX_AGE": "0",
        }
    )
    return subprocess.Popen(
        [
            str(settings.BASE_DIR / ".venv" / "bin" / "celery"),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-c",
            "1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "-l",
            "info",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_worker(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(5)
    return worker.stdout.read() if worker.stdout else ""


@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_queued_and_kept_jobs(queue):
    from communities.jobs import start_job

    user = f.UserFactory()
    # queued while the broker is up: published straight after commit
    sent = start_job(kind="ping", handler="communities.jobs.ping_handler", user=user)
    # the broker took the message; its row stays until a worker starts the task
    assert models.OutboxMessage.objects.get().sent_at is not None
    # kept while the broker was down: left in the outbox; the worker drains it when it starts
    kept = models.BackgroundJob.objects.create(
        kind="ping", handler="communities.jobs.ping_handler", created_by=user
    )
    models.OutboxMessage.objects.create(task_name="communities.tasks.run_job", args=[kept.pk], attempts=1)

    worker = start_worker(queue)
    output = ""
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = models.BackgroundJob.objects.filter(
                pk__in=[sent.pk, kept.pk], status=JobStatus.SUCCEEDED
            ).count()
            if done == 2 or worker.poll() is not None:
                break
            time.sleep(0.3)
    finally:
        output = stop_worker(worker)
    for job in (sent, kept):
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, f"job {job.pk}: {job.status}; worker:\n{output[-4000:]}"
        assert job.message == "pong"
    assert not models.OutboxMessage.objects.exists()  # both started: rows gone
    assert queue in output  # it really listened on our queue

"""The outbox never loses a job: the row stays until a worker starts the task, and a message the
broker accepted but nobody started (Redis restarted without its data) is sent again. Redis hung or
down: publishing gives up at once after the first failure, and the log gets one line per change of
state, not a traceback per request."""

import json
import os
import signal
import socket
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
from celery.signals import task_prerun
from django.utils import timezone

from communities import models, outbox
from config.dependencies import REDIS
from tests import factories as f
from tests.test_infra import CLOSED_REDIS, last_json, run_django, test_database_url

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL unset: no real Redis")


@pytest.fixture
def own_queue(settings):
    """Publish for real (not eagerly) to a queue nobody consumes, removed afterwards."""
    import redis

    name = f"test-outbox-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_TASK_DEFAULT_QUEUE = name
    REDIS.reset()
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    yield client, name
    client.delete(name)
    REDIS.reset()


def queued(client, name) -> list[dict]:
    return [json.loads(raw) for raw in client.lrange(name, 0, -1)]


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_the_row_stays_until_a_worker_starts_the_task(own_queue):
    from communities.jobs import start_job

    client, name = own_queue
    job = start_job(kind="ping", handler="communities.jobs.ping_handler", user=f.UserFactory())
    message = models.OutboxMessage.objects.get()  # the broker took it, and the row is still here
    assert message.args == [job.pk] and message.sent_at is not None and message.sends == 1
    [payload] = queued(client, name)
    task_id = payload["headers"]["id"]
    assert outbox.message_id_from_task_id(task_id) == message.pk
    # what a worker does before running the task (communities.signals)
    task_prerun.send(sender=None, task_id=task_id, task=None, args=[job.pk], kwargs={})
    assert not models.OutboxMessage.objects.exists()


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_job_lost_by_redis_is_sent_again(own_queue):
    """Redis restarted without persistence: the queued message is gone, the row is not."""
    from communities.jobs import start_job

    client, name = own_queue
    job = start_job(kind="ping", handler="communities.jobs.ping_handler", user=f.UserFactory())
    client.delete(name)  # Redis lost its data
    assert outbox.drain() == 0  # just sent: a worker may simply be busy
    models.OutboxMessage.objects.update(sent_at=timezone.now() - timedelta(minutes=3))
    assert outbox.drain() == 1
    [payload] = queued(client, name)
    assert payload["headers"]["task"] == "communities.tasks.run_job"
    message = models.OutboxMessage.objects.get()
    assert message.sends == 2 and message.args == [job.pk]
    # the next resend waits twice as long
    models.OutboxMessage.objects.update(sent_at=timezone.now() - timedelta(minutes=3))
    assert outbox.drain() == 0
    models.OutboxMessage.objects.update(sent_at=timezone.now() - timedelta(minutes=5))
    assert outbox.drain() == 1


@pytest.mark.django_db
def test_drain_resends_only_what_waited_too_long(monkeypatch):
    published = []
    monkeypatch.setattr(outbox, "_publish", lambda message: published.append(message.pk))
    now = timezone.now()
    never = models.OutboxMessage.objects.create(task_name="communities.tasks.ping", args=[1])
    stale = models.OutboxMessage.objects.create(
        task_name="communities.tasks.ping", args=[2], sent_at=now - timedelta(minutes=10), sends=1
    )
    models.OutboxMessage.objects.create(task_name="communities.tasks.ping", args=[3], sent_at=now, sends=1)
    assert outbox.drain() == 2
    assert sorted(published) == sorted([never.pk, stale.pk])
    assert set(models.OutboxMessage.objects.values_list("sends", flat=True)) == {1, 2}


# --- Redis hung and Redis down, seen from a real process ----------------------------------------------

REQUESTS = 12
PROBE = (
    "import json\n"
    "from django.conf import settings\n"
    "from django.contrib.auth import get_user_model\n"
    "from django.core.cache import cache\n"
    "from rest_framework.test import APIClient\n"
    "assert not settings.CELERY_TASK_ALWAYS_EAGER\n"
    "c = APIClient(); c.force_authenticate(get_user_model().objects.get(username='ops'))\n"
    "posts = [c.post('/api/v1/jobs/ping/').status_code for _ in range(N)]\n"
    "reads = [cache.get('k', 'miss') for _ in range(N)]\n"
    "print(json.dumps({'posts': posts, 'reads': reads}))\n"
).replace("range(N)", f"range({REQUESTS})")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HungRedis:
    """A real redis-server on a spare port, stopped with SIGSTOP: it still accepts TCP connections
    (the kernel does) and never answers -- a hung Redis, not a dead one."""

    def __init__(self, tmp_path):
        import redis

        self.port = _free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.client = redis.Redis(port=self.port, socket_timeout=10)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.before = self.client.info("stats")["total_connections_received"]
        self.proc.send_signal(signal.SIGSTOP)

    def resume_and_count_connections(self) -> int:
        """Connections others made while it was stopped (Redis accepts the queued ones on resume)."""
        self.proc.send_signal(signal.SIGCONT)
        time.sleep(0.2)  # let it accept what the kernel queued
        return self.client.info("stats")["total_connections_received"] - self.before

    def stop(self):
        self.proc.send_signal(signal.SIGCONT)
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def hung_redis(tmp_path):
    server = HungRedis(tmp_path)
    yield server
    server.stop()


def _outage_log(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "renovation.dependencies" in line]


@pytest.mark.django_db(transaction=True)
def test_with_redis_hung_writes_answer_and_redis_is_tried_once(hung_redis):
    f.UserFactory(username="ops")
    proc = run_django(
        PROBE, DATABASE_URL=test_database_url(), REDIS_URL=f"redis://127.0.0.1:{hung_redis.port}/0"
    )
    result = last_json(proc)
    assert result["posts"] == [202] * REQUESTS  # every job was accepted ...
    assert result["reads"] == ["miss"] * REQUESTS  # ... the cache answered a miss ...
    assert models.OutboxMessage.objects.filter(sent_at__isnull=True).count() == REQUESTS  # ... kept
    # Redis was tried once (that publish gave up after its short timeout), then left alone for the
    # cool-off instead of once per request; counted by Redis itself once it resumes (a loaded machine
    # may pass one cool-off and try once more)
    assert hung_redis.resume_and_count_connections() <= 3
    assert "Traceback" not in proc.stderr
    assert len(_outage_log(proc.stderr)) == 1, proc.stderr[-3000:]


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_one_log_line_not_a_traceback_per_request():
    f.UserFactory(username="ops")
    proc = run_django(PROBE, DATABASE_URL=test_database_url(), REDIS_URL=CLOSED_REDIS)
    result = last_json(proc)
    assert result["posts"] == [202] * REQUESTS
    assert models.OutboxMessage.objects.count() == REQUESTS
    lines = _outage_log(proc.stderr)
    assert len(lines) == 1 and "redis unavailable" in lines[0], proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr

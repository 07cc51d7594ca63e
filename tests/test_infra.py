"""Platform infrastructure: health endpoints, deploy checks, OpenAPI and Swagger UI, Celery config,
eager tasks, and the outbox keeping work while Redis is down."""

import json
import os
import re
import secrets
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection

from communities import models, outbox
from communities.choices import JobStatus
from tests import factories as f

BASE = settings.BASE_DIR
CLOSED_REDIS = "redis://127.0.0.1:6390/0"  # nothing listens there


def test_database_url() -> str:
    from config.localdb import url_for

    return url_for(connection.settings_dict)


test_database_url.__test__ = False  # a helper, not a test


def run_django(code: str, timeout: int = 60, **env) -> subprocess.CompletedProcess:
    """Run Python in a fresh process with Django set up from the given environment (not pytest's)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TESTING", "DEBUG")}
    full_env.update({"STATIC_MANIFEST": "0", "ALLOWED_HOSTS": "testserver", "PYTHONUNBUFFERED": "1"})
    full_env.update({k: v for k, v in env.items() if v is not None})
    for k, v in env.items():
        if v is None:
            full_env.pop(k, None)
    script = "import django; django.setup()\n" + code
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE,
        env={**full_env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def last_json(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- health -----------------------------------------------------------------------------------------


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_readyz_ok(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True
    assert body["checks"]["database"]["ok"] is True
    assert "redis" in body["checks"]


def test_readyz_with_redis_on_a_closed_port(client, db, settings):
    settings.REDIS_URL = CLOSED_REDIS
    response = client.get("/readyz")
    assert response.status_code == 200  # Redis is optional: the database decides readiness
    assert response.json()["checks"]["redis"]["ok"] is False


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL unset: no real Redis to check")
def test_readyz_sees_real_redis(client, db, settings):
    settings.REDIS_URL = os.environ["REDIS_URL"]
    assert client.get("/readyz").json()["checks"]["redis"]["ok"] is True


def test_readyz_is_503_when_the_database_is_unreachable():
    """A real process whose DATABASE_URL points at a closed port: /readyz says 503."""
    proc = run_django(
        "import json\n"
        "from django.test import Client\n"
        "r = Client().get('/readyz')\n"
        "h = Client().get('/healthz')\n"
        "print(json.dumps({'status': r.status_code, 'body': r.json(), 'healthz': h.status_code}))\n",
        DATABASE_URL="postgres://postgres@127.0.0.1:5499/nothing_here",
        REDIS_URL=None,
    )
    result = last_json(proc)
    assert result["status"] == 503
    assert result["body"]["ready"] is False
    assert result["body"]["checks"]["database"]["ok"] is False
    assert result["healthz"] == 200  # the process itself is up


# --- deployment checks --------------------------------------------------------------------------------


NOT_IN_DEPLOYMENT = ("REDIS_URL", "TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG")


def test_check_deploy_is_clean_with_a_proper_environment():
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env={
            **{k: v for k, v in os.environ.items() if k not in NOT_IN_DEPLOYMENT},
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "reno.example.org",
            "CSRF_TRUSTED_ORIGINS": "https://reno.example.org",
            "HTTPS": "1",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no issues" in proc.stdout + proc.stderr


def test_check_deploy_complains_without_https():
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE,
        env={
            **{k: v for k, v in os.environ.items() if k not in (*NOT_IN_DEPLOYMENT, "HTTPS")},
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "reno.example.org",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "security.W008" in proc.stdout + proc.stderr  # SECURE_SSL_REDIRECT


# --- OpenAPI and Swagger UI ------------------------------------------------------------------------------


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    proc = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", str(out)],
        cwd=BASE,
        env={k: v for k, v in os.environ.items() if k != "TESTING"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    text = out.read_text()
    for path in ("/api/v1/compounds/", "/api/v1/households/", "/api/v1/auth/token/", "/api/v1/jobs/"):
        assert path in text


def test_schema_endpoint(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "tokenAuth" in schema["components"]["securitySchemes"]
    assert "/api/v1/people/" in schema["paths"]


EXTERNAL_URL = re.compile(r"""(?:https?:)?//([a-z0-9.\-]+\.[a-z]{2,}|[0-9.]+)(?::\d+)?""", re.I)


def external_hosts(text: str) -> set[str]:
    return {m.group(1) for m in EXTERNAL_URL.finditer(text)} - {"testserver"}


def test_swagger_ui_uses_only_local_assets_under_the_csp(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert external_hosts(html) == set(), external_hosts(html)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    # every script is a file from this server (no inline code the CSP would block)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    for attrs, body in scripts:
        assert "src=" in attrs and not body.strip(), attrs
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle" in s for s in sources)
    for src in sources:
        if src.startswith(("http://", "https://", "//")):
            pytest.fail(f"external asset {src}")
        if src.startswith(settings.STATIC_URL) or src.startswith("/" + settings.STATIC_URL):
            # a vendored file (drf-spectacular-sidecar) that collectstatic/WhiteNoise serve
            assert finders.find(src.split("?")[0].split(settings.STATIC_URL, 1)[1]), src
        else:
            asset = client.get(src)  # the split view's initialiser script
            assert asset.status_code == 200, src
            assert "javascript" in asset["Content-Type"]
            assert external_hosts(asset.content.decode()) == set(), src


# --- Celery ------------------------------------------------------------------------------------------------


def test_celery_app_is_configured_for_safe_delivery():
    from config.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_publish_retry is False
    assert conf.broker_connection_timeout <= 2
    assert conf.broker_transport_options["socket_connect_timeout"] <= 2
    assert conf.task_default_queue == settings.CELERY_TASK_DEFAULT_QUEUE
    assert "drain-outbox" in conf.beat_schedule
    from communities import tasks

    for task in (tasks.run_job, tasks.ping, tasks.drain_outbox):
        assert task.name in app.tasks


def test_eager_without_redis_and_queued_with_it():
    code = (
        "import json; from django.conf import settings; print(json.dumps(settings.CELERY_TASK_ALWAYS_EAGER))"
    )
    assert last_json(run_django(code, REDIS_URL=None)) is True
    assert last_json(run_django(code, REDIS_URL=CLOSED_REDIS)) is False


def test_job_runs_eagerly_through_start_job(db, django_capture_on_commit_callbacks):
    from communities.jobs import start_job

    assert settings.CELERY_TASK_ALWAYS_EAGER
    user = f.UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="ping", handler="communities.jobs.ping_handler", user=user)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.message == "pong"
    assert not models.OutboxMessage.objects.exists()


def test_ping_task_eagerly(db, django_capture_on_commit_callbacks):
    from communities.tasks import ping

    job = models.BackgroundJob.objects.create(kind="ping", handler="x", created_by=f.UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(ping, job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_ping_job_over_the_api(db, api_as, django_capture_on_commit_callbacks):
    user = f.UserFactory()
    client = api_as(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/jobs/ping/")
    assert response.status_code == 202
    job_id = response.json()["id"]
    body = client.get(f"/api/v1/jobs/{job_id}/").json()
    assert body["status"] == "succeeded" and body["percent"] == 100
    # someone else's job is not there
    assert api_as(f.UserFactory()).get(f"/api/v1/jobs/{job_id}/").status_code == 404


def test_tasks_are_idempotent(db, django_capture_on_commit_callbacks):
    from communities.jobs import run

    job = models.BackgroundJob.objects.create(
        kind="ping", handler="communities.jobs.ping_handler", created_by=f.UserFactory()
    )
    run(job.pk)
    job.refresh_from_db()
    finished = job.finished_at
    run(job.pk)  # redelivered: nothing happens
    job.refresh_from_db()
    assert job.finished_at == finished
    run(999_999)  # a job that is gone: nothing happens


@pytest.mark.django_db(transaction=True)
def test_redis_down_a_write_answers_fast_and_the_outbox_keeps_the_work(settings):
    """A real process with REDIS_URL on a closed port and eager mode off: the request that enqueues
    work answers at once, the message waits in the outbox, and drain() sends it once a broker is back."""
    user = f.UserFactory(username="ops")
    proc = run_django(
        "import json\n"
        "from django.conf import settings\n"
        "from django.contrib.auth import get_user_model\n"
        "from rest_framework.test import APIClient\n"
        "assert not settings.CELERY_TASK_ALWAYS_EAGER\n"
        "c = APIClient(); c.force_authenticate(get_user_model().objects.get(username='ops'))\n"
        "r = c.post('/api/v1/jobs/ping/')\n"
        "h = c.get('/api/v1/compounds/')\n"
        "print(json.dumps({'status': r.status_code, 'job': r.json()['id'], 'read': h.status_code}))\n",
        DATABASE_URL=test_database_url(),
        REDIS_URL=CLOSED_REDIS,
    )
    result = last_json(proc)
    assert result["status"] == 202
    assert result["read"] == 200, result
    job = models.BackgroundJob.objects.get(pk=result["job"], created_by=user)
    assert job.status == JobStatus.PENDING
    message = models.OutboxMessage.objects.get()
    assert message.task_name == "communities.tasks.run_job"
    assert message.args == [job.pk]
    assert message.attempts == 1 and message.last_error

    queue = f"test-drain-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        # the broker is back: drain() publishes the kept message to the real Redis
        import redis

        r = redis.Redis.from_url(redis_url)
        try:
            assert outbox.drain() == 1
            assert r.llen(queue) == 1
            payload = json.loads(r.lindex(queue, 0))
            assert payload["headers"]["task"] == "communities.tasks.run_job"
        finally:
            r.delete(queue)
    else:
        # no Redis here: the in-memory broker stands in for "the broker is back"
        assert outbox.drain() == 1
    # sent, and kept until a worker starts it (tests/test_outbox.py)
    assert models.OutboxMessage.objects.get().sent_at is not None


def test_drain_keeps_messages_while_the_broker_is_down(db, monkeypatch):
    def broker_down(message):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(outbox, "_publish", broker_down)
    models.OutboxMessage.objects.create(task_name="communities.tasks.ping", args=[1])
    assert outbox.drain() == 0
    message = models.OutboxMessage.objects.get()
    assert message.attempts == 1 and "broker down" in message.last_error


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_in_chromium_with_no_outside_request(browser_page):
    from urllib.parse import urlsplit

    from tests.conftest import screenshot

    page = browser_page()
    requests, problems = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(page.base + "/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "老旧小区改造" in page.locator(".swagger-ui .info .title").inner_text()
    screenshot(page, "swagger-ui")
    page.locator(".opblock-summary-path[data-path='/api/v1/auth/token/']").first.wait_for()
    local = urlsplit(page.base).netloc
    outside = {u for u in requests if not u.startswith(("data:", "blob:")) and urlsplit(u).netloc != local}
    assert outside == set()
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []


def test_cache_never_shares_the_brokers_redis_database():
    """cache.clear() is a FLUSHDB: it must not be able to wipe queued tasks."""
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.CACHES['default']['LOCATION'], s.CELERY_BROKER_URL]))"
    )
    cache_url, broker_url = last_json(
        run_django(code, REDIS_URL="redis://127.0.0.1:6379/5", PYTEST_XDIST_WORKER=None)
    )
    assert broker_url == "redis://127.0.0.1:6379/5"
    assert cache_url == "redis://127.0.0.1:6379/6"


def test_each_xdist_worker_has_its_own_cache_database():
    """A test's cache.clear() must not wipe what a test of the other worker is counting (the wrong-code
    throttle): gw0 caches in the broker's database + 1, gw1 in + 2."""
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps(s.CACHES['default']['LOCATION']))"
    )
    for worker, db in (("gw0", 6), ("gw1", 7)):
        cache_url = last_json(
            run_django(code, REDIS_URL="redis://127.0.0.1:6379/5", PYTEST_XDIST_WORKER=worker)
        )
        assert cache_url == f"redis://127.0.0.1:6379/{db}"


def test_autovacuum_never_rewrites_the_test_databases_statistics(db):
    """The tests' plans and timings depend on the statistics a test database starts with. Autovacuum
    (on in the embedded server, off on the CI machine's) analyses tables whenever rows committed by
    live-server tests come and go; what it writes to pg_class and pg_statistic outlives every later
    test's rollback, and the overview's rollup and scoping tests then took minutes instead of seconds
    (make test: 506 s on the embedded server against 289 s with autovacuum off). So every table of the
    test database is out of autovacuum's reach, whatever the server's own setting."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'm')
              AND NOT coalesce('autovacuum_enabled=false' = ANY (c.reloptions), false)
            ORDER BY 1
            """
        )
        reachable = [name for (name,) in cursor.fetchall()]
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
        )
        (tables,) = cursor.fetchone()
    assert tables > 50  # the whole schema is there, so the check can fail
    assert reachable == []

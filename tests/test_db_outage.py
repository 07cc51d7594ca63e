"""A database outage answers as an outage: JSON 503 with Retry-After and a Chinese message from the
API, a friendly Chinese 503 page elsewhere, /readyz naming the dependency that is down without hosts,
ports or error text, and one log line instead of a traceback per request.

A real process whose DATABASE_URL points at a port where nothing listens, with DEBUG off as in
production (the drills against a PostgreSQL stopped under a running gunicorn are in `make chaos`)."""

import json

import pytest

from tests.test_infra import CLOSED_REDIS, last_json, run_django

DOWN_DB = "postgres://reno:secret@127.0.0.1:5499/reno_prod"

PROBE = """
import json
from django.test import Client
c = Client(raise_request_exception=False)  # as gunicorn: an exception becomes the error response
out = {}
def keep(name, r):
    out[name] = {"status": r.status_code, "type": r.get("Content-Type", ""), "retry": r.get("Retry-After"),
                 "body": r.content.decode()}
keep("api_list", c.get("/api/v1/compounds/", HTTP_AUTHORIZATION="Token 0123456789abcdef"))
keep("api_write", c.post("/api/v1/visits/", {"household": 1, "attitude": "support"},
     content_type="application/json", HTTP_AUTHORIZATION="Token 0123456789abcdef",
     HTTP_IDEMPOTENCY_KEY="k-1"))
c.cookies["sessionid"] = "a" * 32  # a logged-in phone: its session is in the database
keep("page", c.get("/"))
keep("form_post", c.post("/consultations/visits/new/", {"household": "1", "submission": "abc"}))
keep("login", c.get("/accounts/login/"))
keep("public_vote", c.get("/ballots/vote/"))
c.cookies.clear()  # the load balancer's probe carries no session
keep("readyz", c.get("/readyz"))
keep("healthz", c.get("/healthz"))
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def outage():
    proc = run_django(PROBE, DATABASE_URL=DOWN_DB, REDIS_URL=None, LANGUAGE_CODE=None)
    return last_json(proc), proc.stderr


def test_api_answers_json_503_with_retry_after_and_a_chinese_message(outage):
    result, _log = outage
    for name in ("api_list", "api_write"):
        r = result[name]
        assert r["status"] == 503, (name, r)
        assert r["type"].startswith("application/json")
        assert int(r["retry"]) > 0
        body = json.loads(r["body"])
        assert body["code"] == "service_unavailable"
        assert "数据库" in body["detail"] and "稍后" in body["detail"]


def test_pages_answer_a_friendly_chinese_503(outage):
    result, _log = outage
    for name in ("page", "form_post", "login", "public_vote"):
        r = result[name]
        assert r["status"] == 503, (name, r["status"], r["body"][:300])
        assert r["type"].startswith("text/html") and int(r["retry"]) > 0
        assert "暂时无法使用" in r["body"] and "稍后" in r["body"]
        assert "Traceback" not in r["body"] and "Server Error" not in r["body"]


def test_readyz_names_the_dependency_without_hosts_ports_or_errors(outage):
    result, _log = outage
    r = result["readyz"]
    assert r["status"] == 503
    body = json.loads(r["body"])
    assert body["ready"] is False and body["checks"]["database"] == {"ok": False}
    for secret in ("5499", "127.0.0.1", "reno_prod", "reno", "connection", "refused"):
        assert secret not in r["body"].replace("ready", ""), secret
    assert result["healthz"]["status"] == 200


def test_an_outage_is_one_log_line_not_a_traceback_per_request(outage):
    _result, log = outage
    lines = [line for line in log.splitlines() if "renovation.dependencies" in line]
    assert len(lines) == 1 and "database unavailable" in lines[0], log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    assert "5499" in lines[0]  # the operator's log keeps the detail the callers do not get


def test_readyz_hides_redis_errors_from_anonymous_callers(client, db, settings):
    settings.REDIS_URL = CLOSED_REDIS
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == {"ok": False}
    assert "6390" not in response.content.decode()


def test_readyz_shows_the_error_to_a_superuser(client, db, settings):
    from tests import factories as f

    settings.REDIS_URL = CLOSED_REDIS
    client.force_login(f.UserFactory(is_superuser=True, is_staff=True))
    assert "error" in client.get("/readyz").json()["checks"]["redis"]

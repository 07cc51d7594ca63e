"""How fast the product answers while a dependency is away (the timings the tests no longer assert).

Each case runs in a fresh process pointed at a dependency that is not there (a closed port) or hung (a
real redis-server stopped with SIGSTOP), and prints the first answer (a cold process: imports, first
connections, and the one try of the dependency) and the median and worst of the 19 after it:

- /readyz, API reads and job starts with Redis on a closed port;
- job starts with Redis hung (accepts connections, never answers);
- pages and API calls with PostgreSQL on a closed port (503s).

    python -m benchmarks outages
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

from django.conf import settings

N = 20
CLOSED = "127.0.0.1:6390"

PROBE = """
N = 20
import json, time
from django.test import Client
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
u, _c = get_user_model().objects.get_or_create(username="benchmark-runner", defaults={"is_active": False})
api = APIClient(); api.force_authenticate(u)
web = Client(raise_request_exception=False)
web.get("/healthz")  # warm up: load the URLconf and views before timing
calls = {"readyz": lambda: web.get("/readyz"), "api read": lambda: api.get("/api/v1/compounds/"),
         "job start": lambda: api.post("/api/v1/jobs/ping/")}
out = {}
for name in NAMES:
    times = []
    for _ in range(N):
        t = time.perf_counter(); r = calls[name](); times.append(time.perf_counter() - t)
    out[name] = {"status": r.status_code, "first": times[0], "worst": max(times[1:]),
                 "median": sorted(times)[N // 2]}
print(json.dumps(out))
"""

DB_DOWN_PROBE = """
N = 20
import json, time
from django.test import Client
c = Client(raise_request_exception=False); c.get("/healthz"); c.cookies["sessionid"] = "a" * 32
out = {}
for name, path in (("page", "/consultations/"), ("api", "/api/v1/compounds/"), ("readyz", "/readyz")):
    times = []
    for _ in range(N):
        t = time.perf_counter(); r = c.get(path, HTTP_AUTHORIZATION="Token x" if name == "api" else "");
        times.append(time.perf_counter() - t)
    out[name] = {"status": r.status_code, "first": times[0], "worst": max(times[1:]),
                 "median": sorted(times)[N // 2]}
print(json.dumps(out))
"""


def _run(code: str, **env) -> dict:
    full = {k: v for k, v in os.environ.items() if k not in ("TESTING", "DEBUG")}
    full.update(STATIC_MANIFEST="0", ALLOWED_HOSTS="testserver", DJANGO_SETTINGS_MODULE="config.settings")
    full.update(env)
    proc = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=settings.BASE_DIR, env=full, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _show(title: str, result: dict) -> None:
    for name, r in result.items():
        print(
            f"{title}: {name:9} HTTP {r['status']}  first {r['first'] * 1000:6.0f} ms (cold process)  "
            f"then median {r['median'] * 1000:5.0f} ms, worst {r['worst'] * 1000:6.0f} ms  ({N} calls)"
        )


def run() -> None:
    from django.db import connection

    from config.localdb import url_for

    db = url_for(connection.settings_dict)
    probe = PROBE.replace("NAMES", repr(["readyz", "api read", "job start"]))
    _show("redis closed", _run(probe, DATABASE_URL=db, REDIS_URL=f"redis://{CLOSED}/0"))

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", tmp],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(0.5)
        server.send_signal(signal.SIGSTOP)
        try:
            hung = PROBE.replace("NAMES", repr(["job start", "api read"]))
            _show("redis hung", _run(hung, DATABASE_URL=db, REDIS_URL=f"redis://127.0.0.1:{port}/0"))
        finally:
            server.send_signal(signal.SIGCONT)
            server.terminate()
            server.wait(10)

    _show(
        "postgres down", _run(DB_DOWN_PROBE, DATABASE_URL="postgres://reno@127.0.0.1:5499/reno", REDIS_URL="")
    )

"""`make chaos`: the fault drills of issue 12, against real processes on this machine.

Starts its OWN PostgreSQL (initdb in a temporary folder, a spare port) and Redis (a spare port) --
never the machine's services -- then gunicorn (DEBUG off), a Celery worker and beat on them, and runs:

  import-vs-visits  a big roster import runs while visits for the same compound are logged: none waits
  worker-killed     the worker is killed (SIGKILL) mid-import: the job is requeued and finishes once
  redis-data-lost   jobs are queued, Redis restarts without its data: every job still runs, once
  redis-hung        Redis is frozen (SIGSTOP) while jobs are started: requests answer, jobs run later
  postgres-down     PostgreSQL stops while phones write: 503s (never an HTML 500), resends land once

and prints a table: drill, lost, duplicated, user-visible errors, recovery time (and a note). Exits
non-zero when something was lost or duplicated, an HTML 500 was seen, or a drill did not recover.

    make chaos                      # or: .venv/bin/python scripts/chaos.py [--households 10000] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
VENV = BASE / ".venv" / "bin"
PASSWORD = "Chaos-drill-2026!"
HEARTBEAT, STALE, RESEND = 2, 10, 5  # seconds: short windows so the drills finish in minutes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def pg_bin(name: str) -> str:
    for folder in (Path("/usr/lib/postgresql/15/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"))):
        if (folder / name).exists():
            return str(folder / name)
    import pgserver

    return str(Path(pgserver.__file__).parent / "pginstall" / "bin" / name)


# --- the cluster -----------------------------------------------------------------------------------------


class Cluster:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.pg_port, self.redis_port, self.web_port = free_port(), free_port(), free_port()
        self.pg_data = tmp / "pg"
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.secret = uuid.uuid4().hex * 2
        self.as_postgres = os.geteuid() == 0  # initdb refuses root: run PostgreSQL as its own user

    # PostgreSQL
    def _pg(self, *args: str) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=True)

    def init_postgres(self) -> None:
        self.pg_data.mkdir()
        if self.as_postgres:
            shutil.chown(self.pg_data, "postgres", "postgres")
            os.chmod(self.tmp, 0o755)
        self._pg(pg_bin("initdb"), "-D", str(self.pg_data), "-A", "trust", "-U", "postgres", "-E", "UTF8")
        self.start_postgres()
        self._pg(pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "chaos")

    def start_postgres(self) -> None:
        opts = f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -k {self.pg_data} -c fsync=off"
        self._pg(
            pg_bin("pg_ctl"),
            "-D",
            str(self.pg_data),
            "-o",
            opts,
            "-l",
            str(self.pg_data / "log"),
            "-w",
            "start",
        )

    def stop_postgres(self) -> None:
        self._pg(pg_bin("pg_ctl"), "-D", str(self.pg_data), "-m", "fast", "-w", "stop")

    # Redis
    def start_redis(self) -> None:
        self.procs["redis"] = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: self.redis("PING") == "PONG", 20)

    def redis(self, *args: str) -> str:
        try:
            out = subprocess.run(
                ["redis-cli", "-p", str(self.redis_port), *args], capture_output=True, text=True, timeout=3
            )
            return out.stdout.strip()
        except subprocess.TimeoutExpired:
            return ""

    # Django processes
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE")}
        env.update(
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{self.pg_port}/chaos",
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            CELERY_TASK_DEFAULT_QUEUE="chaos",
            DEBUG="0",
            SECRET_KEY=self.secret,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            SITE_URL=f"http://127.0.0.1:{self.web_port}",
            STATIC_MANIFEST="0",
            MEDIA_ROOT=str(self.tmp / "media"),
            PRIVATE_ROOT=str(self.tmp / "private"),
            JOB_HEARTBEAT_SECONDS=str(HEARTBEAT),
            JOB_STALE_SECONDS=str(STALE),
            OUTBOX_RESEND_SECONDS=str(RESEND),
            AXES_FAILURE_LIMIT="1000",
            PYTHONUNBUFFERED="1",
        )
        return env

    def manage(self, *args: str, code: str | None = None) -> str:
        cmd = [str(VENV / "python"), "manage.py", *args]
        if code is not None:
            cmd += ["-c", code]
        out = subprocess.run(cmd, cwd=BASE, env=self.env(), capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stderr[-3000:]}")
        return out.stdout

    def _spawn(self, name: str, cmd: list[str]) -> None:
        log = self.tmp / f"{name}.log"
        self.logs[name] = log
        self.procs[name] = subprocess.Popen(
            cmd,
            cwd=BASE,
            env=self.env(),
            stdout=log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_web(self) -> None:
        self._spawn(
            "web",
            [
                str(VENV / "gunicorn"),
                "config.wsgi",
                "-w",
                "3",
                "-b",
                f"127.0.0.1:{self.web_port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
            ],
        )
        wait_for(lambda: call("GET", self.url("/healthz"))[0] == 200, 60)

    def start_worker(self, name: str = "worker") -> None:
        self._spawn(
            name,
            [
                str(VENV / "celery"),
                "-A",
                "config",
                "worker",
                "-Q",
                "chaos",
                "-c",
                "2",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"{name}-{uuid.uuid4().hex[:6]}@%h",
                "-l",
                "warning",
            ],
        )

    def start_beat(self) -> None:
        self._spawn(
            "beat",
            [
                str(VENV / "celery"),
                "-A",
                "config",
                "beat",
                "-l",
                "warning",
                "-s",
                str(self.tmp / "beat-schedule"),
            ],
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.web_port}{path}"

    def sql(self, query: str, *params):
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.pg_port, user="postgres", dbname="chaos") as conn:
            return conn.execute(query, params).fetchall()

    def stop_all(self) -> None:
        for name in list(self.procs):
            if name == "redis":
                self.procs["redis"].send_signal(signal.SIGCONT)
                self.procs.pop("redis").terminate()
            else:
                self.kill(name, signal.SIGTERM)
        with contextlib.suppress(Exception):
            self.stop_postgres()


# --- HTTP ----------------------------------------------------------------------------------------------


def call(method: str, url: str, *, body=None, headers=None, opener=None, timeout: float = 35):
    """(status, content type, body text, seconds). Connection failures are status 0."""
    data = None
    headers = dict(headers or {})
    if isinstance(body, dict):
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(body, bytes):
        data = body
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    started = time.monotonic()
    try:
        response = (opener or urllib.request.build_opener()).open(request, timeout=timeout)
        status, ctype, text = (
            response.status,
            response.headers.get("Content-Type", ""),
            response.read().decode(),
        )
    except urllib.error.HTTPError as exc:
        status, ctype, text = (
            exc.code,
            exc.headers.get("Content-Type", ""),
            exc.read().decode(errors="replace"),
        )
    except Exception as exc:
        status, ctype, text = 0, "", str(exc)
    return status, ctype, text, time.monotonic() - started


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Tally:
    """What users saw during a drill."""

    statuses: list[int] = field(default_factory=list)
    html_500: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, status: int, ctype: str, seconds: float) -> None:
        self.statuses.append(status)
        self.seconds.append(seconds)
        if status == 500 and "html" in ctype:
            self.html_500 += 1

    def errors(self, allowed=(200, 201, 202, 302)) -> int:
        return sum(1 for s in self.statuses if s not in allowed)

    @property
    def worst(self) -> float:
        return max(self.seconds, default=0.0)


@dataclass
class Row:
    drill: str
    lost: int
    duplicated: int
    errors: str
    recovery: str
    note: str
    ok: bool


# --- the drills ------------------------------------------------------------------------------------------


class Drills:
    def __init__(self, cluster: Cluster, households: int):
        self.c = cluster
        self.households = households
        self.rows: list[Row] = []

    def setup(self) -> None:
        out = self.c.manage(
            "shell",
            code=(
                "import json\n"
                "from django.contrib.auth import get_user_model\n"
                "from knox.models import AuthToken\n"
                "from communities.models import Division, Compound, RoleAssignment, Building, Household\n"
                "from communities.choices import DivisionLevel, Role\n"
                "d = Division.objects.create(name='演练区', level=DivisionLevel.DISTRICT)\n"
                "s = Division.objects.create(name='演练街道', level=DivisionLevel.STREET, parent=d)\n"
                "c = Division.objects.create(name='演练社区', level=DivisionLevel.COMMUNITY, parent=s)\n"
                "compounds = [Compound.objects.create(division=c, name=f'演练小区{i}') for i in range(3)]\n"
                "b = Building.objects.create(compound=compounds[0], name='99栋', unit_count=1,"
                " floor_count=20)\n"
                "hh = [Household.objects.create(building=b, unit='1', floor=1 + i % 20,"
                " room=f'{1 + i % 20}0{i // 20 + 1}') for i in range(40)]\n"
                f"u = get_user_model().objects.create_user('chaos', password='{PASSWORD}')\n"
                "RoleAssignment.objects.create(user=u, role=Role.COMMUNITY_SECRETARY, division=c)\n"
                "_i, token = AuthToken.objects.create(u)\n"
                "print(json.dumps({'token': token, 'compounds': [x.pk for x in compounds],"
                " 'households': [h.pk for h in hh]}))\n"
            ),
        )
        facts = json.loads(out.strip().splitlines()[-1])
        self.token = facts["token"]
        self.compounds = facts["compounds"]
        self.visit_households = facts["households"]
        self.auth = {"Authorization": f"Token {self.token}"}
        path = self.c.tmp / "roster.xlsx"
        out = self.c.manage(
            "shell",
            code=(
                "from benchmarks.roster_import import generate_xlsx\n"
                f"data, rows = generate_xlsx({self.households})\n"
                f"open({str(path)!r}, 'wb').write(data)\n"
                "print(rows)\n"
            ),
        )
        self.roster, self.roster_rows = path.read_bytes(), int(out.strip().splitlines()[-1])

    # helpers
    def api(self, method: str, path: str, body=None, headers=None):
        return call(method, self.c.url(path), body=body, headers={**self.auth, **(headers or {})})

    def start_import(self, compound: int) -> int:
        body, ctype = multipart({"compound": str(compound)}, {"file": ("roster.xlsx", self.roster)})
        status, _ct, text, _s = self.api(
            "POST", "/api/v1/roster-imports/", body=body, headers={"Content-Type": ctype}
        )
        assert status == 202, (status, text[:500])
        return json.loads(text)["id"]

    def job(self, job_id: int) -> dict:
        rows = self.c.sql(
            "SELECT status, done, total, attempts, message FROM communities_backgroundjob WHERE id = %s",
            job_id,
        )
        status, done, total, attempts, message = rows[0]
        return {"status": status, "done": done, "total": total, "attempts": attempts, "message": message}

    def visit(self, key: str, household: int):
        return self.api(
            "POST",
            "/api/v1/visits/",
            body={"household": household, "attitude": "support", "channel": "door"},
            headers={"Idempotency-Key": key},
        )

    def visits_with_keys(self, keys: list[str]) -> tuple[int, int]:
        """(keys whose visit exists, visits more than one per key) -- from the idempotency records."""
        rows = self.c.sql(
            "SELECT key, body->>'id' FROM communities_idempotencyrecord"
            " WHERE key = ANY(%s) AND status_code = 201",
            keys,
        )
        ids = [int(r[1]) for r in rows if r[1]]
        present = self.c.sql("SELECT count(*) FROM consultations_visit WHERE id = ANY(%s)", ids)[0][0]
        return present, len(rows) - len({r[0] for r in rows})

    # 1
    def import_vs_visits(self) -> None:
        job_id = self.start_import(self.compounds[0])
        wait_for(lambda: self.job(job_id)["status"] == "running" and self.job(job_id)["done"] > 0, 120)
        tally, keys, acknowledged, during = Tally(), [], [], 0
        # a stall is a request waiting for a lock the import holds: watch PostgreSQL for lock waits
        waits, watching = [], threading.Event()

        def watch():
            while not watching.is_set():
                rows = self.c.sql(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = 'chaos' AND wait_event_type = 'Lock'"
                )
                waits.append(rows[0][0])
                time.sleep(0.05)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        while self.job(job_id)["status"] == "running":
            key = f"import-{uuid.uuid4().hex}"
            status, ctype, _t, seconds = self.visit(key, self.visit_households[len(keys) % 40])
            tally.add(status, ctype, seconds)
            keys.append(key)
            if status == 201:
                acknowledged.append(key)
            h = call("GET", self.c.url("/healthz"))
            tally.add(h[0], h[1], h[3])
            during += 1
        watching.set()
        watcher.join(5)
        final = self.job(job_id)
        present, duplicated = self.visits_with_keys(acknowledged)
        lock_waits = sum(1 for w in waits if w)
        # a request that waited on a lock stalled; one slowed by a loaded CPU did not (but 10 s is too slow)
        stalled = lock_waits > 0 or tally.worst > 10.0
        self.rows.append(
            Row(
                "import-vs-visits",
                len(acknowledged) - present,
                duplicated,
                str(tally.errors()),
                "-",
                f"{self.roster_rows:,}-row import {final['status']}; {during} visits+healthz during it, "
                f"worst answer {tally.worst:.2f} s, median {statistics.median(tally.seconds or [0]):.2f} s; "
                f"lock waits seen in {lock_waits} of {len(waits)} samples",
                final["status"] == "succeeded"
                and not stalled
                and tally.errors() == 0
                and present == len(acknowledged),
            )
        )

    # 2
    def worker_killed(self) -> None:
        compound = self.compounds[1]
        job_id = self.start_import(compound)
        wait_for(lambda: self.job(job_id)["status"] == "running" and self.job(job_id)["done"] > 0, 120)
        killed_at = time.monotonic()
        self.c.kill("worker", signal.SIGKILL)  # the whole worker, children too: no goodbye
        seen_stuck = self.job(job_id)
        self.c.start_worker("worker2")
        requeued = wait_for(lambda: self.job(job_id)["status"] != "running" or None, STALE + 90)
        requeued_after = time.monotonic() - killed_at
        done = wait_for(lambda: self.job(job_id)["status"] in ("succeeded", "failed") or None, 600)
        recovery = time.monotonic() - killed_at
        final = self.job(job_id)
        households = self.c.sql(
            "SELECT count(*) FROM communities_household h JOIN communities_building b ON b.id = h.building_id"
            " WHERE b.compound_id = %s",
            compound,
        )[0][0]
        expected = self.households
        ok = bool(done) and final["status"] == "succeeded" and households == expected and requeued is not None
        self.rows.append(
            Row(
                "worker-killed",
                0 if final["status"] == "succeeded" else 1,
                max(0, households - expected),
                "0",
                f"{recovery:.0f} s",
                f"killed at {seen_stuck['done'] * 100 // max(seen_stuck['total'], 1)}%; left 'running' for "
                f"{requeued_after:.0f} s (heartbeat window {STALE} s + beat 30 s), "
                f"{final['attempts']} starts; "
                f"{households:,}/{expected:,} households",
                ok,
            )
        )

    # 3
    def redis_data_lost(self, n: int = 20) -> None:
        self.c.kill("worker2", signal.SIGTERM)
        ids = []
        for _ in range(n):
            _status, _ct, text, _s = self.api("POST", "/api/v1/jobs/ping/")
            ids.append(json.loads(text)["id"])
        queued = self.c.redis("LLEN", "chaos")
        self.c.procs["redis"].kill()  # Redis dies, and without persistence its queue with it
        self.c.procs["redis"].wait()
        self.c.start_redis()
        restarted = time.monotonic()
        self.c.start_worker("worker3")

        def all_done():
            rows = self.c.sql(
                "SELECT count(*) FROM communities_backgroundjob WHERE id = ANY(%s) AND status = 'succeeded'",
                ids,
            )
            return rows[0][0] == n

        done = wait_for(all_done, 180, 1)
        recovery = time.monotonic() - restarted
        succeeded = self.c.sql(
            "SELECT count(*) FROM communities_backgroundjob WHERE id = ANY(%s) AND status = 'succeeded'", ids
        )[0][0]
        twice = self.c.sql(
            "SELECT count(*) FROM communities_backgroundjob WHERE id = ANY(%s) AND attempts > 1", ids
        )[0][0]
        self.rows.append(
            Row(
                "redis-data-lost",
                n - succeeded,
                twice,
                "0",
                f"{recovery:.0f} s",
                f"{n} jobs queued ({queued} in Redis), Redis restarted empty; resent from the outbox "
                f"after {RESEND} s + beat",
                bool(done) and twice == 0,
            )
        )

    # 4
    def redis_hung(self, n: int = 20) -> None:
        tally, ids = Tally(), []
        self.c.procs["redis"].send_signal(signal.SIGSTOP)
        try:
            for _ in range(n):
                status, ctype, text, seconds = self.api("POST", "/api/v1/jobs/ping/")
                tally.add(status, ctype, seconds)
                if status == 202:
                    ids.append(json.loads(text)["id"])
                page = self.api("GET", "/api/v1/compounds/")
                tally.add(page[0], page[1], page[3])
        finally:
            self.c.procs["redis"].send_signal(signal.SIGCONT)
        resumed = time.monotonic()

        def all_done():
            rows = self.c.sql(
                "SELECT count(*) FROM communities_backgroundjob WHERE id = ANY(%s) AND status = 'succeeded'",
                ids,
            )
            return rows[0][0] == len(ids)

        done = wait_for(all_done, 180, 1)
        recovery = time.monotonic() - resumed
        lines = self.c.logs["web"].read_text(errors="replace")
        outage_lines = lines.count("redis unavailable")
        tracebacks = lines.count("Traceback")
        self.rows.append(
            Row(
                "redis-hung",
                n - len(ids) + (0 if done else 1),
                0,
                str(tally.errors()),
                f"{recovery:.0f} s",
                f"SIGSTOP during {2 * n} requests: worst {tally.worst:.2f} s, median "
                f"{statistics.median(tally.seconds):.3f} s; "
                f"log: {outage_lines} outage line(s), {tracebacks} tracebacks",
                bool(done) and tally.errors() == 0 and tally.worst < 2.0,
            )
        )

    # 5
    def postgres_down(self, seconds: float = 8.0) -> None:
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        _s, _c, text, _t = call("GET", self.c.url("/accounts/login/"), opener=opener)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)
        login = f"csrfmiddlewaretoken={csrf}&username=chaos&password={PASSWORD}".encode()
        call(
            "POST",
            self.c.url("/accounts/login/"),
            body=login,
            opener=opener,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.c.url("/accounts/login/"),
            },
        )
        tally, acknowledged, failed = Tally(), [], []
        self.c.stop_postgres()
        stopped = time.monotonic()
        readyz = call("GET", self.c.url("/readyz"))
        while time.monotonic() - stopped < seconds:
            key = f"pgdown-{uuid.uuid4().hex}"
            status, ctype, _t, secs = self.visit(key, self.visit_households[len(failed) % 40])
            tally.add(status, ctype, secs)
            (acknowledged if status == 201 else failed).append(key)
            for status, ctype, _t, secs in (
                call("GET", self.c.url("/consultations/"), opener=opener),
                self.api("GET", "/api/v1/visits/"),
            ):
                tally.add(status, ctype, secs)
        statuses = {s: tally.statuses.count(s) for s in sorted(set(tally.statuses))}
        self.c.start_postgres()
        started = time.monotonic()
        recovered = wait_for(lambda: self.api("GET", "/api/v1/compounds/")[0] == 200, 60, 0.2)
        recovery = time.monotonic() - started
        # the phones resend what failed, with the same idempotency keys (twice: a resend may be lost too)
        for _round in range(2):
            for key in list(failed):
                status, *_rest = self.visit(key, self.visit_households[0])
                if status in (200, 201):
                    failed.remove(key)
                    acknowledged.append(key)
        for key in acknowledged[:5]:  # and some of what landed is sent again: replayed, not duplicated
            self.visit(key, self.visit_households[0])
        present, duplicated = self.visits_with_keys(acknowledged)
        leaked = any(x in readyz[2] for x in (str(self.c.pg_port), "127.0.0.1", "connection"))
        self.rows.append(
            Row(
                "postgres-down",
                len(acknowledged) - present + len(failed),
                duplicated,
                f"{tally.errors(allowed=(200, 201, 302, 503))} (+{statuses.get(503, 0)} 503)",
                f"{recovery:.1f} s",
                f"{seconds:.0f} s down: answers {statuses}; HTML 500: {tally.html_500}; /readyz {readyz[0]}"
                f"{' LEAKS' if leaked else ' (no host/port)'}; "
                f"{len(acknowledged)} visits resent and saved once",
                bool(recovered) and tally.html_500 == 0 and not leaked and not failed and duplicated == 0,
            )
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--households", type=int, default=8000, help="size of the roster imported by the drills"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, data)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="chaos-"))
    cluster = Cluster(tmp)
    drills = Drills(cluster, args.households)
    started = time.monotonic()
    try:
        print(
            f"chaos: PostgreSQL on :{cluster.pg_port}, Redis on :{cluster.redis_port}, "
            f"web on :{cluster.web_port}"
        )
        cluster.init_postgres()
        cluster.start_redis()
        cluster.manage("migrate", "--noinput", "-v", "0")
        drills.setup()
        cluster.start_web()
        cluster.start_worker()
        cluster.start_beat()
        for drill in (
            drills.import_vs_visits,
            drills.worker_killed,
            drills.redis_data_lost,
            drills.redis_hung,
            drills.postgres_down,
        ):
            print(f"-- {drill.__name__.replace('_', '-')} …", flush=True)
            try:
                drill()
            except Exception as exc:  # a drill that breaks is a failed drill, and the rest still run
                drills.rows.append(
                    Row(drill.__name__, -1, -1, "?", "-", f"drill error: {exc!r}"[:200], False)
                )
    finally:
        cluster.stop_all()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    header = f"{'drill':18} {'lost':>5} {'dup':>5} {'user-visible errors':>22} {'recovery':>9}  note"
    print("\n" + header + "\n" + "-" * len(header))
    for r in drills.rows:
        print(
            f"{r.drill:18} {r.lost:>5} {r.duplicated:>5} {r.errors:>22} {r.recovery:>9}  "
            f"{'' if r.ok else 'FAIL '}{r.note}"
        )
    ok = all(r.ok for r in drills.rows) and len(drills.rows) == 5
    print(
        f"\nchaos: {'all drills passed' if ok else 'SOME DRILLS FAILED'} "
        f"in {time.monotonic() - started:.0f} s"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

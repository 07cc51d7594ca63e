"""Vote burst: a ballot with 2,000 electors served by gunicorn as in production (DEBUG off, WhiteNoise,
persistent connections), hit over HTTP by 64 concurrent voters; every elector votes once plus 20%
duplicate attempts, in random order (so duplicates race their first vote).

Prints votes/s, p50 and p99 latency, duplicates accepted (must be 0), votes lost (must be 0), and the
throughput of a bare Django view inserting one row (mounted only with BENCHMARK=1) on the same server in
the same run, as a ratio (target >= 0.5). Scratch data is removed at the end.

    python -m benchmarks vote_burst
    python -m benchmarks vote_burst -- --electors 2000 --concurrency 64 --workers 4
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

TARGET_RATIO = 0.5
SERVER_LOG = "/tmp/vote_burst_gunicorn.log"  # the server's output (a 409 is logged per duplicate)
BASE_DIR = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks vote_burst")
    parser.add_argument("--electors", type=int, default=2000)
    parser.add_argument("--duplicates", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 4)))
    parser.add_argument("--worker-class", default=os.environ.get("BENCH_WORKER_CLASS", "sync"))
    parser.add_argument("--keep", action="store_true")
    args, _unknown = parser.parse_known_args(sys.argv[1:])
    return args


# --- scratch data -------------------------------------------------------------------------------------


def make_ballot(electors: int):
    from django.utils import timezone

    from communities.models import Building, Compound, Division, Household
    from consultations.ballots import services

    tag = uuid.uuid4().hex[:8]
    parent = None
    for level in ("province", "city", "district", "street", "community"):
        parent = Division.objects.create(name=f"压测{level}{tag}", level=level, parent=parent)
    compound = Compound.objects.create(division=parent, name=f"压测小区{tag}")
    per_building = 3 * 6 * 2  # 3 units x 6 floors x 2 flats
    buildings = [
        Building(compound=compound, name=f"{i + 1}栋", unit_count=3, floor_count=6)
        for i in range((electors + per_building - 1) // per_building)
    ]
    Building.objects.bulk_create(buildings)
    households = []
    for b in buildings:
        for unit in (1, 2, 3):
            for floor in range(1, 7):
                for flat in (1, 2):
                    if len(households) < electors:
                        households.append(
                            Household(
                                building=b,
                                unit=str(unit),
                                floor=floor,
                                room=f"{floor}0{flat}",
                                exclusive_area=Decimal("75.50"),
                                area_source="register",
                            )
                        )
    Household.objects.bulk_create(households, batch_size=2000)
    now = timezone.now()
    ballot = services.create_ballot(
        user=None,
        kind="renovation_consent",
        title=f"压测表决{tag}",
        compound=compound,
        options=None,
        opens_at=now - timezone.timedelta(minutes=1),
        closes_at=now + timezone.timedelta(hours=2),
    )
    ballot = services.open_ballot(ballot, None)
    codes = [i.code for i in services.issue_codes(ballot, None)]
    options = list(ballot.options.values_list("pk", flat=True))
    return ballot, compound, codes, options


def cleanup(ballot, compound) -> None:
    from django.db import connection

    from communities.models import Division
    from consultations.ballots.models import Ballot, BallotOption, Elector, Vote

    ids = {
        "vote": list(Vote.objects.filter(ballot=ballot).values_list("pk", flat=True)),
        "elector": list(Elector.objects.filter(ballot=ballot).values_list("pk", flat=True)),
        "ballotoption": list(BallotOption.objects.filter(ballot=ballot).values_list("pk", flat=True)),
        "ballot": [ballot.pk],
    }
    division_path = compound.division.path.split("/")[0] + "/"
    Vote.objects.filter(ballot=ballot).delete()  # votes protect their options
    Ballot.objects.filter(pk=ballot.pk).delete()
    compound.delete()
    for division in Division.objects.filter(path__startswith=division_path).order_by("-path"):
        division.delete()  # leaves first: a division protects its children
    with connection.cursor() as cursor:
        for model, pks in ids.items():
            if pks:
                cursor.execute(f"DELETE FROM ballots_{model}event WHERE pgh_obj_id = ANY(%s)", [pks])
        cursor.execute("DROP TABLE IF EXISTS bench_insert")


# --- server -------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, worker_class: str) -> subprocess.Popen:
    from django.conf import settings

    env = {
        **os.environ,
        "BENCHMARK": "1",
        "DEBUG": "0",
        "TESTING": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_MANIFEST": "0",
        "LOG_LEVEL": "ERROR",  # 409s are expected here; logging each would skew the figures
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "SECRET_KEY": settings.SECRET_KEY,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    cmd = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    if worker_class == "gthread":
        cmd += ["--threads", "4"]
    log = open(SERVER_LOG, "w")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, start_new_session=True, stdout=log, stderr=log)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("gunicorn did not start")


def stop_server(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def _database_url(db: dict) -> str:
    from config.localdb import url_for

    return url_for(db)


# --- client: a tiny asyncio HTTP/1.1 client (no dependency; one connection per request, as sync
# gunicorn workers close them) ----------------------------------------------------------------------


async def post(port: int, path: str, body: dict) -> tuple[int, float]:
    payload = json.dumps(body).encode()
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    ).encode() + payload
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    data = await reader.read()
    writer.close()
    elapsed = time.perf_counter() - started
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, elapsed


async def burst(port: int, path: str, bodies: list[dict], concurrency: int):
    queue: asyncio.Queue = asyncio.Queue()
    for i, body in enumerate(bodies):
        queue.put_nowait((i, body))
    results: list[tuple[int, float] | None] = [None] * len(bodies)

    async def worker():
        while True:
            try:
                i, body = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            try:
                results[i] = await asyncio.wait_for(post(port, path, body), timeout=60)
            except (TimeoutError, OSError):
                results[i] = (0, 60.0)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results, time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- run ----------------------------------------------------------------------------------------------


def run() -> None:
    from django.db import connection

    from consultations.ballots.bench import CREATE
    from consultations.ballots.models import Vote

    args = parse_args()
    ballot, compound, codes, options = make_ballot(args.electors)
    with connection.cursor() as cursor:
        cursor.execute(CREATE)
        cursor.execute("TRUNCATE bench_insert")
    connection.close()
    rng = random.Random(278)
    electors = list(range(len(codes)))
    attempts = electors + rng.sample(electors, int(len(codes) * args.duplicates))
    rng.shuffle(attempts)
    vote_bodies = [{"code": codes[e], "option": options[rng.randrange(2)]} for e in attempts]
    bare_bodies = [{"k": f"e{e}", "v": 1} for e in attempts]
    port = free_port()
    proc = start_server(port, args.workers, args.worker_class)
    try:
        print(
            f"gunicorn {args.workers} {args.worker_class} workers on 127.0.0.1:{port}; "
            f"{len(codes)} electors, {len(attempts)} attempts ({len(attempts) - len(codes)} duplicates), "
            f"{args.concurrency} concurrent"
        )
        # warm up every worker (imports, database connections)
        asyncio.run(burst(port, "/ballots/bench/insert/", [{"k": f"w{i}", "v": 0} for i in range(200)], 16))
        asyncio.run(burst(port, "/api/v1/vote/", [{"code": "WARMUP00", "option": options[0]}] * 8, 8))
        bare1, bare1_s = asyncio.run(burst(port, "/ballots/bench/insert/", bare_bodies, args.concurrency))
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE bench_insert")
        connection.close()
        votes, votes_s = asyncio.run(burst(port, "/api/v1/vote/", vote_bodies, args.concurrency))
        bare2, bare2_s = asyncio.run(burst(port, "/ballots/bench/insert/", bare_bodies, args.concurrency))
    finally:
        stop_server(proc)

    accepted: dict[int, int] = {}
    statuses: dict[int, int] = {}
    for e, (status, _t) in zip(attempts, votes, strict=True):
        statuses[status] = statuses.get(status, 0) + 1
        if status == 201:
            accepted[e] = accepted.get(e, 0) + 1
    duplicates_accepted = sum(n - 1 for n in accepted.values() if n > 1)
    stored = Vote.objects.filter(ballot=ballot).count()
    votes_lost = len(codes) - stored + sum(1 for e in electors if e not in accepted)
    latencies = [t for _s, t in votes]
    vote_rate = len(votes) / votes_s
    bare_rate = (len(bare1) + len(bare2)) / (bare1_s + bare2_s)
    bare_lat = [t for _s, t in bare1 + bare2]
    ratio = vote_rate / bare_rate
    print(f"responses: {dict(sorted(statuses.items()))} (201 = vote recorded, 409 = duplicate refused)")
    print(f"server log: {SERVER_LOG}")
    print(
        f"votes:       {vote_rate:8.0f} req/s   p50 {percentile(latencies, 50) * 1000:6.1f} ms   "
        f"p99 {percentile(latencies, 99) * 1000:6.1f} ms"
    )
    print(
        f"bare insert: {bare_rate:8.0f} req/s   p50 {percentile(bare_lat, 50) * 1000:6.1f} ms   "
        f"p99 {percentile(bare_lat, 99) * 1000:6.1f} ms   (mean of a run before and after the votes)"
    )
    print(f"duplicates accepted: {duplicates_accepted} (must be 0)")
    print(f"votes lost:          {votes_lost} (must be 0); stored votes {stored} for {len(codes)} electors")
    verdict = "PASS" if ratio >= TARGET_RATIO and duplicates_accepted == 0 and votes_lost == 0 else "FAIL"
    print(f"ratio votes/bare:    {ratio:.2f} (target >= {TARGET_RATIO}) {verdict}")
    if not args.keep:
        cleanup(ballot, compound)

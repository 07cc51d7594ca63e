"""A big ballot: 20,000 electors (one compound of 20,000 households; --electors N for another size).

Prints how long opening it takes (freezing the electorate), how long and how many bytes its page takes
for staff before and after codes are issued, the electors page, and issuing every code through the
background job (the API's CSV job; the printable slips job with --slips), with its progress reports.
Everything it creates is removed after.

    python -m benchmarks big_ballot
    python -m benchmarks big_ballot -- --electors 5000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from decimal import Decimal

PAGE_TARGET_SECONDS = 1.0  # the bar: "well under a second"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks big_ballot")
    parser.add_argument("--electors", type=int, default=int(os.environ.get("BENCH_ELECTORS", 20_000)))
    parser.add_argument("--slips", action="store_true", help="time the printable slips job (QR codes) too")
    args, _unknown = parser.parse_known_args(sys.argv[1:])
    return args


def _timed_get(client, url: str, repeat: int = 3) -> tuple[float, int, int]:
    """(best seconds, bytes, status) of a GET, best of `repeat` (the first warms caches)."""
    best, size, status = float("inf"), 0, 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        best = min(best, time.perf_counter() - started)
        size, status = len(response.content), response.status_code
    return best, size, status


def run() -> None:
    import pghistory
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from communities.choices import DivisionLevel, Role
    from communities.jobs import Progress
    from communities.models import BackgroundJob, Building, Compound, Division, Household, RoleAssignment
    from consultations.ballots import services
    from consultations.ballots.models import Ballot

    args = parse_args()
    n = args.electors
    tag = f"bench-{uuid.uuid4().hex[:8]}"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    with pghistory.context(benchmark=tag):
        province = Division.objects.create(name=f"基准测试省 {tag}", level=DivisionLevel.PROVINCE)
        street = Division.objects.create(name="基准测试街道", level=DivisionLevel.STREET, parent=province)
        community = Division.objects.create(name="基准测试社区", level=DivisionLevel.COMMUNITY, parent=street)
        compound = Compound.objects.create(division=community, name="基准测试大型小区")
        user, _created = get_user_model().objects.get_or_create(
            username="benchmark-runner", defaults={"is_active": False, "password": "!"}
        )
        RoleAssignment.objects.create(user=user, role=Role.DISTRICT_ADMIN, division=province)
        per_building = 600  # 6 units x 20 floors x 5 rooms
        buildings = Building.objects.bulk_create(
            [
                Building(compound=compound, name=f"{i + 1}栋", unit_count=6, floor_count=20)
                for i in range((n + per_building - 1) // per_building)
            ]
        )
        households = []
        for i in range(n):
            b, k = buildings[i // per_building], i % per_building
            unit, floor, room = 1 + k // 100, 1 + (k % 100) // 5, 1 + k % 5
            households.append(
                Household(building=b, unit=str(unit), floor=floor, room=f"{floor}{room:02d}",
                          exclusive_area=Decimal("75.50"), area_source="register")
            )  # fmt: skip
        Household.objects.bulk_create(households, batch_size=5000)
    ballot = None
    jobs = []
    get_user_model().objects.filter(pk=user.pk).update(is_active=True)
    try:
        ballot = _create(services, user, compound)
        started = time.perf_counter()
        ballot = services.open_ballot(ballot, user)
        print(f"open (freeze {n:,} electors): {time.perf_counter() - started:.2f} s")
        client = Client()
        client.force_login(user)
        url = f"/ballots/{ballot.pk}/"
        seconds, size, status = _timed_get(client, url)
        verdict = "OK" if seconds < PAGE_TARGET_SECONDS and status == 200 else "SLOW"
        print(f"ballot page, {n:,} electors, no codes yet: {seconds * 1000:.0f} ms, {size / 1024:.0f} KB "
              f"(HTTP {status}) {verdict} (target < {PAGE_TARGET_SECONDS:.0f} s)")  # fmt: skip

        kind, handler = (
            ("ballot_slips", "render_slips") if args.slips else ("ballot_codes", "issue_codes_csv")
        )
        job = BackgroundJob.objects.create(
            kind=kind, handler=f"consultations.ballots.slips.{handler}", created_by=user,
            params={"ballot_id": ballot.pk, "reissue": False},
        )  # fmt: skip
        jobs.append(job)
        reports = []

        class Counting(Progress):
            def __call__(self, done, total=None, *, force=False):
                reports.append((done, total))
                super().__call__(done, total, force=force)

        started = time.perf_counter()
        from django.utils.module_loading import import_string

        import_string(job.handler)(job, Counting(job, min_interval=0.5))
        job.save()
        wall = time.perf_counter() - started
        what = "issue codes and print slips with QR codes" if args.slips else "issue codes (CSV)"
        print(f"{what} for {n:,} electors, background job: {wall:.2f} s, {len(reports)} progress reports, "
              f"file {job.result_file.size / 1e6:.1f} MB")  # fmt: skip

        seconds, size, status = _timed_get(client, url)
        verdict = "OK" if seconds < PAGE_TARGET_SECONDS and status == 200 else "SLOW"
        print(f"ballot page with codes issued: {seconds * 1000:.0f} ms, {size / 1024:.0f} KB (HTTP {status}) "
              f"{verdict}")  # fmt: skip
        seconds, size, status = _timed_get(client, f"/ballots/{ballot.pk}/electors/")
        print(f"electors page (first 100 of {n:,}): {seconds * 1000:.0f} ms, {size / 1024:.0f} KB")
        seconds, size, status = _timed_get(client, f"/ballots/{ballot.pk}/electors/?q=7栋")
        print(f"electors page searched: {seconds * 1000:.0f} ms, {size / 1024:.0f} KB")
    finally:
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
        _cleanup(tag, province, compound, ballot and Ballot.objects.filter(pk=ballot.pk), jobs)


def _create(services, user, compound):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    return services.create_ballot(
        user=user,
        kind="renovation_consent",
        compound=compound,
        title="基准测试：两万户改造意愿表决",
        options=None,
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(days=7),
    )


def _cleanup(tag, province, compound, ballots, jobs) -> None:
    import pghistory
    from django.apps import apps
    from django.db import transaction
    from pghistory.models import Context, Event

    from communities import roster
    from communities.models import Division

    started = time.perf_counter()
    with transaction.atomic(), pghistory.context(benchmark=tag):
        roster.quiet_trigger_checks()
        for job in jobs:
            if job.result_file:
                job.result_file.delete(save=False)
            job.delete()
        if ballots is not None:
            ballots.delete()
        compound.delete()
        for division in Division.objects.filter(path__startswith=province.path).order_by("-path"):
            division.delete()
    with transaction.atomic():
        for app in ("communities", "ballots"):
            for model in apps.get_app_config(app).get_models():
                if issubclass(model, Event):
                    model.objects.filter(pgh_context__metadata__benchmark=tag).delete()
        Context.objects.filter(metadata__benchmark=tag).delete()
    print(f"cleaned up in {time.perf_counter() - started:.1f} s")

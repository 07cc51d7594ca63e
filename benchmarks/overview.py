"""Overview at province scale: the page of a province, a city, a district and a street, served from the
rollups, beside the same figures counted live, in one run; queries per page; refresh times.

    python -m benchmarks overview                   # on a tenth of a province (made once, kept)
    python -m benchmarks overview -- --full         # on the whole province (BENCH_SCALE=full too)
    python -m benchmarks overview -- --regenerate   # make the scale database again
    python -m benchmarks overview -- --drop-scale   # drop the scale database and stop

Prints, per place: households below it; page server time (median of 15 GETs through Django's handler,
template rendering included) and the web process's CPU time per page (what it costs on a machine not
shared with other work: compare it when the load average printed first is high); figures read from
the rollup (median); the same figures counted live (each app's aggregate queries); live ÷ rollup and
live ÷ page; SQL queries of the page (one reads every widget's figures, one the child table's).
"""

from __future__ import annotations

import statistics
import sys
import time

PAGE_RUNS = 15


def run() -> None:
    import os

    from . import scale

    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (figures drift with it)", flush=True
    )

    argv = sys.argv[1:]
    if "--drop-scale" in argv:
        scale.drop()
        return
    scale.ensure(full=scale.wants_full(argv), regenerate="--regenerate" in argv)
    scale.run_child("benchmarks.overview", "--measure")


def _median_ms(fn, runs: int, clock=time.perf_counter) -> float:
    times = []
    for _ in range(runs):
        t = clock()
        fn()
        times.append((clock() - t) * 1000)
    return statistics.median(times)


def measure() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from communities.models import Division, Household
    from supervision.overview import querysets, services
    from supervision.overview.live import live_figures

    from .scale import MARK

    province = Division.objects.get(name=MARK, parent__isnull=True)
    year = querysets.this_year()

    def households(d):
        return Household.objects.filter(building__compound__division__path__startswith=d.path).count()

    def biggest_child(d):
        children = list(Division.objects.filter(parent=d))
        return max(children, key=households)

    city = biggest_child(province)
    district = biggest_child(city)
    street = biggest_child(district)
    user, _ = get_user_model().objects.get_or_create(
        username="bench_overview", defaults={"is_superuser": True}
    )
    user.is_superuser = True
    user.save()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    print(f"year {year}; rollups as of {querysets.as_of(year)}")
    header = (
        f"{'place':<10} {'households':>10} {'page ms':>8} {'cpu ms':>7} {'rollup ms':>9} {'live ms':>9} "
        f"{'live/rollup':>11} {'live/page':>9} {'queries':>7} {'≤50 ms':>6} {'≥50×':>5}"
    )
    print(header)
    print("-" * len(header))
    for label, d in (("province", province), ("city", city), ("district", district), ("street", street)):
        url = f"/overview/{d.pk}/?year={year}"
        for _ in range(2):  # warm caches
            assert client.get(url).status_code == 200
        page = _median_ms(lambda url=url: client.get(url), PAGE_RUNS)
        # the web process's own CPU per page: what the page costs when the machine is not shared
        cpu = _median_ms(lambda url=url: client.get(url), PAGE_RUNS, clock=time.process_time)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        rollup = _median_ms(lambda d=d: querysets.division_figures(d, year), PAGE_RUNS)
        live_runs = 1 if label in ("province", "city") else 3
        live = _median_ms(lambda d=d: live_figures(d, year), live_runs)
        same = live_figures(d, year) == querysets.division_figures(d, year).counts
        print(
            f"{label:<10} {households(d):>10,} {page:>8.1f} {cpu:>7.1f} {rollup:>9.2f} {live:>9.0f} "
            f"{live / rollup:>10.0f}× {live / page:>8.0f}× {len(ctx.captured_queries):>7} "
            f"{'yes' if page <= 50 else 'NO':>6} {'yes' if live / page >= 50 else 'NO':>5}"
            + ("" if same else "   (rollup differs from live: refresh pending?)")
        )
    data_queries = [q["sql"] for q in ctx.captured_queries if "overview_" in q["sql"]]
    print(
        f"queries reading rollups on a page: {len(data_queries)} (all 8 sections and the tiles read one row)"
    )

    # refresh: one changed compound, then the hourly full recount
    from communities.models import Compound
    from supervision.overview.models import PendingCompound

    compound = Compound.objects.filter(division__path__startswith=street.path).first()
    PendingCompound.objects.create(compound_id=compound.pk)
    t = time.perf_counter()
    report = services.refresh()
    print(
        f"refresh after one change: {time.perf_counter() - t:.2f} s "
        f"({report.compounds_recounted} compound recounted, {report.rows_written} rows written)"
    )
    t = time.perf_counter()
    report = services.refresh(full=True)
    print(
        f"full recount: {time.perf_counter() - t:.1f} s "
        f"({report.compounds_recounted:,} compounds, {report.rows_written} rows written)"
    )


if __name__ == "__main__":
    from . import setup_django

    setup_django()
    if "--measure" in sys.argv:
        measure()

"""Ledgers (台账) to .xlsx in constant memory: the household ledger of the whole province and the overview
ledger (every project and compound), on the scale database (see benchmarks/scale.py).

    python -m benchmarks ledger                 # a tenth of a province
    python -m benchmarks ledger -- --full       # the whole province (901,400 households)

Each export runs in a fresh process, through the job handler the page uses; it prints rows, seconds,
rows/s and the process's peak memory above what it held before the export. The household ledger is
written three times, with a quarter, half and all of the rows: the peak stays flat while the rows
grow, which is what constant memory means (on the whole province: a tenth, then all of them).
"""

from __future__ import annotations

import sys
import time


def run() -> None:
    import os

    from . import scale

    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (figures drift with it)", flush=True
    )

    argv = sys.argv[1:]
    scale.ensure(full=scale.wants_full(argv), regenerate="--regenerate" in argv)
    total = _child_total()
    full = scale.wants_full(argv)
    for share in (10, 1) if full else (4, 2, 1):
        scale.run_child("benchmarks.ledger", "--measure", "household_ledger", str(total // share))
    scale.run_child("benchmarks.ledger", "--measure", "overview_ledger", "0")


def _child_total() -> int:
    import subprocess

    from . import scale

    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.ledger", "--count"],
        check=True,
        env=scale.child_env(),
        capture_output=True,
    )
    return int(out.stdout.decode().strip().splitlines()[-1])


def _rss_mb() -> float:
    """Resident memory of this process now (Linux: /proc/self/statm, in pages)."""
    import os

    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class SampledProgress:
    """The job's progress callback, also sampling this process's memory each time it is called (every
    2,000 rows): the largest sample is the export's peak."""

    def __init__(self, progress) -> None:
        self.progress = progress
        self.peak = _rss_mb()

    def __call__(self, *args, **kwargs) -> None:
        self.peak = max(self.peak, _rss_mb())
        self.progress(*args, **kwargs)

    def close(self) -> None:
        self.progress.close()


def measure(kind: str, limit: int) -> None:
    import os

    from django.contrib.auth import get_user_model

    from communities.jobs import Progress
    from communities.models import BackgroundJob, Division
    from supervision.overview import ledger, querysets

    from .scale import MARK

    province = Division.objects.get(name=MARK, parent__isnull=True)
    user, _ = get_user_model().objects.get_or_create(username="bench_ledger", defaults={"is_superuser": True})
    user.is_superuser = True
    user.save()
    params = {"division": province.pk, "year": querysets.this_year()}
    if limit:
        params["limit"] = limit
    job = BackgroundJob.objects.create(
        kind=kind, handler=f"supervision.overview.ledger.{kind}", created_by=user, params=params
    )
    handler = getattr(ledger, kind)
    before = _rss_mb()
    progress = SampledProgress(Progress(job))
    t = time.perf_counter()
    handler(job, progress)
    seconds = time.perf_counter() - t
    peak = max(progress.peak, _rss_mb())
    rows = job.result["rows"]
    size = job.result_file.size / 1e6
    print(
        f"{kind:<17} {rows:>9,} rows  {seconds:>6.1f} s  {rows / seconds:>8,.0f} rows/s  "
        f"file {size:>6.1f} MB  memory {before:.0f} MB before, {peak:.0f} MB at most "
        f"(+{peak - before:.1f} MB)",
        flush=True,
    )
    path = job.result_file.path
    job.result_file.delete(save=False)
    job.delete()
    if os.path.exists(path):
        os.unlink(path)


def _province_path(name: str) -> str:
    from communities.models import Division

    return Division.objects.get(name=name, parent__isnull=True).path


if __name__ == "__main__":
    from . import setup_django

    setup_django()
    if "--count" in sys.argv:
        from communities.models import Household

        from .scale import MARK

        print(
            Household.objects.filter(
                building__compound__division__path__startswith=_province_path(MARK)
            ).count()
        )
    elif "--measure" in sys.argv:
        i = sys.argv.index("--measure")
        measure(sys.argv[i + 1], int(sys.argv[i + 2]))

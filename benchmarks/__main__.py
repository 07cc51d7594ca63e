"""`python -m benchmarks [name ...]`: run the named benchmarks (all when none is named).

`python -m benchmarks --list` lists them. Extra flags after `--` go to the benchmarks through
`sys.argv` (e.g. `python -m benchmarks roster_import -- --rows 50000`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from . import BENCHMARKS, setup_django


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all): {', '.join(BENCHMARKS)}")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(BENCHMARKS))
        return 0
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    setup_django()
    _migrate_if_needed()
    sys.argv = [sys.argv[0], *extra]
    for name in args.names or list(BENCHMARKS):
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        importlib.import_module(BENCHMARKS[name]).run()
        print(f"== {name} done in {time.perf_counter() - started:.1f} s", flush=True)
    return 0


def _migrate_if_needed() -> None:
    """A fresh embedded database has no tables yet: apply migrations first (as `make run` would)."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print("applying migrations first …", flush=True)
        call_command("migrate", verbosity=0, interactive=False)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmarks run by `make bench` (`python -m benchmarks [name ...]`).

Each benchmark is a module in this package listed in BENCHMARKS, exposing `run() -> None` that prints
its figures. They run against the configured database (DATABASE_URL, or the embedded PostgreSQL), on
scratch data they create and remove themselves.
"""

# name -> module (relative to this package); add new benchmarks here
BENCHMARKS: dict[str, str] = {
    "roster_import": "benchmarks.roster_import",
    "vote_burst": "benchmarks.vote_burst",
    "big_ballot": "benchmarks.big_ballot",
    "outages": "benchmarks.outages",
    "overview": "benchmarks.overview",
    "ledger": "benchmarks.ledger",
    "lists": "benchmarks.lists",
}


def setup_django() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("STATIC_MANIFEST", "0")  # pages rendered by benchmarks need no collectstatic
    django.setup()

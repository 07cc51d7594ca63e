"""The province-sized database the overview and ledger benchmarks measure on.

It lives beside the configured database, named `<name>_scale` (or BENCH_SCALE_DATABASE_URL), is made
once by `manage.py generate_scale` (a tenth of a province by default; `--full` or BENCH_SCALE=full for
the whole province) and kept for the next run, since writing it takes minutes. `--regenerate` makes it
again; drop it with `dropdb <name>_scale` (or `python -m benchmarks overview -- --drop-scale`).

The measurements run in a child process pointed at that database (Django's settings are read once per
process).
"""

from __future__ import annotations

import os
import subprocess
import sys
from urllib.parse import quote

MARK = "贵州省（规模数据）"


def _settings_db() -> dict:
    from django.conf import settings

    return settings.DATABASES["default"]


def scale_url() -> str:
    if os.environ.get("BENCH_SCALE_DATABASE_URL"):
        return os.environ["BENCH_SCALE_DATABASE_URL"]
    db = _settings_db()
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(db.get("HOST") or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{db['NAME']}_scale"


def _admin_connect():
    """A connection to the server's maintenance database, to create or drop the scale database."""
    import psycopg

    db = _settings_db()
    return psycopg.connect(
        dbname="postgres",
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        autocommit=True,
    )


def scale_name() -> str:
    return scale_url().rsplit("/", 1)[1].split("?")[0]


def exists() -> bool:
    with _admin_connect() as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [scale_name()]).fetchone()
            is not None
        )


def drop() -> None:
    with _admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scale_name()}"')
    print(f"dropped database {scale_name()}", flush=True)


def child_env() -> dict:
    env = dict(os.environ)
    env["DATABASE_URL"] = scale_url()
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env["CELERY_TASK_ALWAYS_EAGER"] = "1"
    # the pages are rendered through Django's handler: plain static storage, a local host name
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    env["STATIC_MANIFEST"] = "0"
    return env


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], check=True, env=child_env())


def ensure(*, full: bool, regenerate: bool = False) -> None:
    """Create, migrate and fill the scale database unless it is there with the wanted size."""
    if regenerate and exists():
        drop()
    if exists():
        size = _generated_size()
        if size == ("full" if full else "small"):
            print(f"scale database {scale_name()} ({size}) is there; reusing it", flush=True)
            return
        print(f"scale database {scale_name()} holds the {size} set; making the other one", flush=True)
        drop()
    with _admin_connect() as conn:
        conn.execute(f'CREATE DATABASE "{scale_name()}"')
    manage("migrate", "--noinput", "-v", "0")
    manage("generate_scale", *([] if full else ["--small"]))


def _generated_size() -> str | None:
    import psycopg

    db = _settings_db()
    try:
        with psycopg.connect(
            dbname=scale_name(),
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
        ) as conn:
            row = conn.execute("SELECT count(*) FROM communities_household").fetchone()
    except psycopg.Error:
        return None
    if not row or not row[0]:
        return None
    return "full" if row[0] > 500_000 else "small"


def run_child(module: str, *args: str) -> None:
    subprocess.run([sys.executable, "-m", module, *args], check=True, env=child_env())


def wants_full(argv: list[str]) -> bool:
    return "--full" in argv or os.environ.get("BENCH_SCALE", "").lower() == "full"

"""Backups that restore everything: the database AND every file root the settings define.

A backup is a folder:

    manifest.json        when, what: row counts of every table and the tally of every closed ballot,
                         taken in the same snapshot as the dump; each file root with its file count
    database.dump        pg_dump custom format of that snapshot
    files/<root>.tar.gz  one archive per file root (MEDIA_ROOT, and every file system storage in
                         STORAGES, e.g. the private root of exports, plans, paper-ballot photos)

`restore` loads it into a database and file roots (the configured ones or others given), then checks
the restored data against the manifest: the same rows in every table, the same tally for every closed
ballot, the same files. `restore_drill` does the round trip into a scratch database and scratch
folders and drops them afterwards. Commands: manage.py backup / restore / restore_drill (README).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

FORMAT = 1


class BackupError(Exception):
    pass


# --- what to back up -----------------------------------------------------------------------------------


def file_roots() -> dict[str, Path]:
    """Every folder where the product keeps files, read from the settings: MEDIA_ROOT and the location
    of every file-system storage in STORAGES (static files excepted: they come with the code)."""
    from django.core.files.storage import storages

    roots: dict[str, Path] = {}

    def add(name: str, location) -> None:
        if not location:
            return
        path = Path(location).resolve()
        if path not in roots.values():
            roots[name] = path

    add("media", settings.MEDIA_ROOT)
    for alias in settings.STORAGES:
        if alias == "staticfiles":
            continue
        location = getattr(storages[alias], "location", None)
        add(alias, location)
    for name in ("PRIVATE_ROOT",):  # a root defined beside the storages, if any
        add(name.removesuffix("_ROOT").lower(), getattr(settings, name, None))
    return roots


# --- PostgreSQL tools ----------------------------------------------------------------------------------


def _pg_env(db: dict) -> dict[str, str]:
    """libpq environment for a Django database settings dict (no password on the command line)."""
    env = dict(os.environ)
    options = db.get("OPTIONS", {})
    host = db.get("HOST") or options.get("host") or ""
    pairs = {
        "PGHOST": host,
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db.get("NAME") or "",
    }
    for key, value in pairs.items():
        if value:
            env[key] = value
        else:
            env.pop(key, None)
    return env


def _server_major(alias: str = "default") -> int:
    connection = connections[alias]
    connection.ensure_connection()
    return connection.pg_version // 10000


def pg_tool(name: str, server_major: int) -> str:
    """The pg_dump / pg_restore able to talk to this server: PG_BIN_DIR if set, else the first of the
    embedded server's, Debian's for that major version and PATH whose version is at least the server's."""
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]) / name)
    try:
        import pgserver

        candidates.append(Path(pgserver.__file__).parent / "pginstall" / "bin" / name)
    except ImportError:  # pragma: no cover - pgserver is a dependency
        pass
    candidates.append(Path(f"/usr/lib/postgresql/{server_major}/bin/{name}"))
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for path in candidates:
        if not path.exists():
            continue
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True).stdout
        match = re.search(r"(\d+)\.", out)
        if match and int(match.group(1)) >= server_major:
            return str(path)
    raise BackupError(f"no {name} for PostgreSQL {server_major} found (set PG_BIN_DIR)")


# --- the facts a restore is checked against -----------------------------------------------------------


def _table_counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def _closed_tallies(cursor) -> dict[str, Any]:
    """Every closed ballot: its stored result and its votes counted per option (open and secret)."""
    cursor.execute("SELECT to_regclass('ballots_ballot') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return {}
    cursor.execute("SELECT id, result::text FROM ballots_ballot WHERE status = 'closed' ORDER BY id")
    tallies: dict[str, Any] = {
        str(pk): {"result": json.loads(result) if result else None, "votes": {}, "box": {}}
        for pk, result in cursor.fetchall()
    }
    if not tallies:
        return tallies
    for table, key in (("ballots_vote", "votes"), ("ballots_ballotboxentry", "box")):
        cursor.execute(
            f"SELECT t.ballot_id, coalesce(t.option_id::text, 'secret'), count(*) FROM {table} t"
            " JOIN ballots_ballot b ON b.id = t.ballot_id WHERE b.status = 'closed'"
            " GROUP BY 1, 2 ORDER BY 1, 2"
        )
        for ballot_id, option, count in cursor.fetchall():
            tallies[str(ballot_id)][key][option] = count
    return tallies


def _file_facts(root: Path) -> dict[str, int]:
    files = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


# --- backup ---------------------------------------------------------------------------------------------


def backup(target: Path, *, alias: str = "default") -> dict[str, Any]:
    """Write a backup folder; returns its manifest. Counts and dump come from one snapshot."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} exists and is not empty")
    (target / "files").mkdir(parents=True, exist_ok=True)
    db = connections[alias].settings_dict
    major = _server_major(alias)
    pg_dump = pg_tool("pg_dump", major)
    snapshot_conn = connections.create_connection(alias)
    try:
        snapshot_conn.ensure_connection()
        raw = snapshot_conn.connection
        raw.autocommit = False
        with raw.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _table_counts(cursor)
            tallies = _closed_tallies(cursor)
            dump = subprocess.run(
                [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                 "--file", str(target / "database.dump")],
                env=_pg_env(db), capture_output=True, text=True,
            )  # fmt: skip
            cursor.execute("ROLLBACK")
    finally:
        snapshot_conn.close()
    if dump.returncode != 0:
        raise BackupError(f"pg_dump failed: {dump.stderr.strip()[-2000:]}")
    roots = {}
    for name, root in file_roots().items():
        with tarfile.open(target / "files" / f"{name}.tar.gz", "w:gz", compresslevel=3) as archive:
            if root.exists():
                archive.add(root, arcname=".")
        roots[name] = {"path": str(root), **_file_facts(root)}
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": {"name": db.get("NAME"), "server_major": major, "tables": counts},
        "closed_ballots": tallies,
        "file_roots": roots,
    }
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
    return manifest


# --- restore --------------------------------------------------------------------------------------------


@dataclass
class Check:
    what: str
    expected: Any
    found: Any

    @property
    def ok(self) -> bool:
        return self.expected == self.found


@dataclass
class RestoreReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def _database_url_settings(url: str) -> dict:
    import dj_database_url

    return dj_database_url.parse(url)


def _connect(db: dict):
    import psycopg

    env = _pg_env(db)
    return psycopg.connect(
        host=env.get("PGHOST"),
        port=env.get("PGPORT"),
        user=env.get("PGUSER"),
        password=env.get("PGPASSWORD"),
        dbname=env.get("PGDATABASE"),
        autocommit=True,
    )


def create_database(db: dict) -> None:
    """CREATE DATABASE db["NAME"] through the server's maintenance database."""
    with _connect({**db, "NAME": "postgres"}) as conn:
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def drop_database(db: dict) -> None:
    with _connect({**db, "NAME": "postgres"}) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}" WITH (FORCE)')


def _has_tables(db: dict) -> bool:
    with _connect(db) as conn:
        return conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] > 0


def restore(
    source: Path,
    *,
    db: dict | None = None,
    roots: dict[str, Path] | None = None,
    force: bool = False,
) -> RestoreReport:
    """Load a backup folder into `db` (a Django database settings dict; default: the configured one)
    and the file roots (default: the configured ones), then check what was restored."""
    source = Path(source)
    manifest = json.loads((source / "manifest.json").read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError("unknown backup format")
    db = db or connections["default"].settings_dict
    targets = {name: Path(path) for name, path in (roots or file_roots()).items()}
    missing = set(manifest["file_roots"]) - set(targets)
    if missing:
        raise BackupError(f"no folder to restore the file root(s) {', '.join(sorted(missing))} into")
    if not force:
        if _has_tables(db):
            raise BackupError(f"database {db['NAME']} is not empty (use --force to replace its content)")
        for name in manifest["file_roots"]:
            if targets[name].exists() and any(targets[name].iterdir()):
                raise BackupError(f"{targets[name]} is not empty (use --force to replace its content)")
    major = manifest["database"]["server_major"]
    pg_restore = pg_tool("pg_restore", major)
    args = [pg_restore, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    if force:
        args += ["--clean", "--if-exists"]
    done = subprocess.run(
        [*args, "--dbname", db["NAME"], str(source / "database.dump")],
        env=_pg_env(db),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[-2000:]}")
    for name in manifest["file_roots"]:
        root = targets[name]
        if force and root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(source / "files" / f"{name}.tar.gz", "r:gz") as archive:
            archive.extractall(root, filter="data")
    return verify(manifest, db=db, roots=targets)


def verify(manifest: dict, *, db: dict, roots: dict[str, Path]) -> RestoreReport:
    report = RestoreReport()
    with _connect(db) as conn, conn.cursor() as cursor:
        counts = _table_counts(cursor)
        tallies = _closed_tallies(cursor)
    expected = manifest["database"]["tables"]
    for table in sorted(set(expected) | set(counts)):
        report.checks.append(Check(f"rows in {table}", expected.get(table), counts.get(table)))
    for ballot_id in sorted(set(manifest["closed_ballots"]) | set(tallies), key=int):
        report.checks.append(
            Check(
                f"tally of closed ballot {ballot_id}",
                manifest["closed_ballots"].get(ballot_id),
                tallies.get(ballot_id),
            )
        )
    for name, facts in manifest["file_roots"].items():
        found = _file_facts(roots[name])
        report.checks.append(Check(f"files in {name}", facts["files"], found["files"]))
        report.checks.append(Check(f"bytes in {name}", facts["bytes"], found["bytes"]))
    return report


# --- the drill ------------------------------------------------------------------------------------------


@contextmanager
def scratch(base: Path) -> Iterator[tuple[dict, dict[str, Path]]]:
    """A new, empty database on the same server and new, empty file roots under `base`; removed after."""
    db = dict(connections["default"].settings_dict)
    db["NAME"] = f"{str(db['NAME'])[:40]}_drill_{uuid.uuid4().hex[:8]}"
    roots = {name: Path(base) / "restored" / name for name in file_roots()}
    create_database(db)
    try:
        yield db, roots
    finally:
        drop_database(db)
        shutil.rmtree(Path(base) / "restored", ignore_errors=True)


def drill(base: Path) -> tuple[dict, RestoreReport]:
    """Back up the configured database and files into `base`, restore into a scratch database and
    scratch folders, check, clean up. Returns (manifest, report)."""
    base = Path(base)
    manifest = backup(base / "backup")
    with scratch(base) as (db, roots):
        report = restore(base / "backup", db=db, roots=roots)
    return manifest, report

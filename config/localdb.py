"""Embedded PostgreSQL for machines without DATABASE_URL.

The `pgserver` wheel ships PostgreSQL 16 binaries. The server is started under `.local/pg` next to
manage.py and outlives the process (cleanup_mode=None), so the next command reuses it in ~0.1 s and the
data persists between runs. It listens only on a Unix socket inside its data directory.
"""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".local" / "pg"


def embedded_database_url(dbname: str = "renovation") -> str:
    import logging
    import warnings

    warnings.filterwarnings("ignore", module="platformdirs")
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    import pgserver

    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(DATA_DIR, cleanup_mode=None)
    # create the application database once
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{dbname}';")
    if "1 row" not in exists:
        server.psql(f'CREATE DATABASE "{dbname}";')
    return server.get_uri(dbname)


def url_for(db: dict) -> str:
    """A DATABASE_URL for a Django database settings dict (e.g. the test database, to hand to a
    worker or server subprocess). Unix-socket hosts (the embedded server) are percent-encoded."""
    from urllib.parse import quote

    host = db.get("HOST") or db.get("OPTIONS", {}).get("host") or "127.0.0.1"
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    if host.startswith("/"):
        return f"postgres://{auth}@{quote(host, safe='')}/{db['NAME']}"
    return f"postgres://{auth}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"

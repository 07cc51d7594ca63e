"""PostgreSQL advisory locks with named namespaces: "one at a time" without locking any row.

A row lock (`SELECT ... FOR UPDATE`) would also block every insert whose foreign key points at the
row; an advisory lock blocks only whoever asks for the same lock. Keys are one bigint: the namespace
in the high 16 bits, the object's id in the low 48.
"""

from __future__ import annotations

from django.db import connection as default_connection

NAMESPACES = {
    "roster_import": 1,  # one roster import per compound (held for the import's transaction)
    "job": 2,  # one runner per background job (held by the runner's own connection while it runs)
}


def key(namespace: str, object_id: int) -> int:
    return (NAMESPACES[namespace] << 48) | int(object_id)


def xact_lock(namespace: str, object_id: int, connection=None) -> None:
    """Wait for the lock; it is released when the current transaction ends."""
    with (connection or default_connection).cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s::bigint)", [key(namespace, object_id)])


def try_session_lock(namespace: str, object_id: int, connection) -> bool:
    """Take the lock for the life of `connection` (or until `session_unlock`) if it is free."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s::bigint)", [key(namespace, object_id)])
        return bool(cursor.fetchone()[0])


def session_unlock(namespace: str, object_id: int, connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s::bigint)", [key(namespace, object_id)])


def is_free(namespace: str, object_id: int) -> bool:
    """True when nobody holds the lock (checked by taking and releasing it at once)."""
    with default_connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_lock(%s::bigint) AND pg_advisory_unlock(%s::bigint)",
            [key(namespace, object_id)] * 2,
        )
        return bool(cursor.fetchone()[0])

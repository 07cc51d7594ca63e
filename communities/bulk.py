"""Set-based writes: COPY for inserting many rows of a model at the speed PostgreSQL itself writes.

`Model.objects.bulk_create` builds one statement with a parameter per value (psycopg splits and
converts a query of 100,000 placeholders in Python), so thousands of rows cost seconds. COPY streams
them. It fires no Django signals and returns no ids: use it for rows nothing reads back by id in the
same step (triggers, pghistory's included, still fire per row)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models


def copy_insert(model: type[models.Model], objs: Iterable[models.Model]) -> int:
    """Insert unsaved `objs` of `model` with COPY (every concrete field but an automatic primary
    key, values as set on the objects, defaults included); returns the number of rows."""
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    n = 0
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            copy.write_row([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields])
            n += 1
    return n

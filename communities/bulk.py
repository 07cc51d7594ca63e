"""Set-based writes: COPY for inserting many rows of a model at the speed PostgreSQL itself writes.

`Model.objects.bulk_create` builds one statement with a parameter per value (psycopg splits and
converts a query of 100,000 placeholders in Python), so thousands of rows cost seconds. COPY streams
them. It fires no Django signals and returns no ids: use it for rows nothing reads back by id in the
same step (triggers, pghistory's included, still fire per row)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

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


# --- staged merges for imports ---------------------------------------------------------------------------
# COPY into a staging table, then one INSERT ... SELECT or UPDATE ... FROM into the real table, inside the
# caller's transaction. The merge is an ordinary statement run through Django's cursor, so pghistory's row
# triggers fire for every row and the events carry the context (job, user) that `pghistory.context`
# attaches to each statement (a COPY straight into the table would bypass it). Ids come from the table's
# sequence before the COPY, so the objects know their ids without relying on the order of RETURNING.

Step = Callable[[float], None]


def _columns(model: type[models.Model], names: Sequence[str] | None) -> list[models.Field]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if names is not None:
        wanted = set(names)
        fields = [f for f in fields if f.name in wanted or f.attname in wanted]
    return fields


def _stage(table: str, columns: list[str], rows) -> str:
    """A temporary table shaped like `table`'s columns (plus id), filled by COPY. Returns its name."""
    stage = f"stage_{table}"
    cols = ", ".join(f'"{c}"' for c in ["id", *columns])
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{stage}"')
        cursor.execute(
            f'CREATE TEMPORARY TABLE "{stage}" ON COMMIT DROP AS SELECT {cols} FROM "{table}" WITH NO DATA'
        )
    with connection.connection.cursor() as raw, raw.copy(f'COPY "{stage}" ({cols}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
    return stage


# fields whose Python value psycopg writes as it is (COPY adapts str, int, bool, Decimal, date, datetime):
# read the attribute, skipping Django's per-value preparation (most of the Python time of a big COPY)
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.DecimalField,
    models.ForeignKey,
)


def _value_getter(field: models.Field, *, add: bool) -> Callable[[models.Model], object]:
    if isinstance(field, _PLAIN) and not getattr(field, "auto_now", False):
        attname = field.attname
        return lambda obj: getattr(obj, attname)
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, add), connection)


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
        )
        return [row[0] for row in cursor.fetchall()]


def copy_create(model: type[models.Model], objs: list[models.Model]) -> int:
    """Insert new objects (pk unset) by COPY + INSERT ... SELECT; sets their pks. Returns the count."""
    if not objs:
        return 0
    fields = _columns(model, None)
    for obj, pk in zip(objs, allocate_ids(model, len(objs)), strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias

    value = [_value_getter(f, add=True) for f in fields]

    def rows():
        for obj in objs:
            yield (obj.pk, *(get(obj) for get in value))

    table = model._meta.db_table
    columns = [f.column for f in fields]
    stage = _stage(table, columns, rows())
    cols = ", ".join(f'"{c}"' for c in ["id", *columns])
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM "{stage}" ORDER BY id')
    return len(objs)


def copy_update(model: type[models.Model], objs: list[models.Model], names: Sequence[str]) -> int:
    """Update `names` of existing objects by COPY + one UPDATE ... FROM. Returns the count."""
    if not objs:
        return 0
    fields = _columns(model, names)

    value = [_value_getter(f, add=False) for f in fields]

    def rows():
        for obj in objs:
            yield (obj.pk, *(get(obj) for get in value))

    table = model._meta.db_table
    columns = [f.column for f in fields]
    stage = _stage(table, columns, rows())
    assignments = ", ".join(f'"{c}" = s."{c}"' for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" t SET {assignments} FROM "{stage}" s WHERE t.id = s.id')
    return len(objs)

"""Set-based writes: COPY for inserting many rows of a model at the speed PostgreSQL itself writes.

`Model.objects.bulk_create` builds one statement with a parameter per value (psycopg splits and
converts a query of 100,000 placeholders in Python), so thousands of rows cost seconds. COPY streams
them. It fires no Django signals and returns no ids: use it for rows nothing reads back by id in the
same step (triggers, pghistory's included, still fire)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import connection, models

# fields whose database value is the Python value itself when that value is of a plain type: COPY
# takes it as it is (Django's get_db_prep_save per field and row cost 2 s for 20,000 electors)
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.BooleanField,
    models.DecimalField,
    models.DateTimeField,
    models.DateField,
    models.ForeignKey,
)
_PLAIN_TYPES = frozenset({str, int, bool, Decimal, datetime.datetime, datetime.date, type(None)})


def copy_insert(model: type[models.Model], objs: Iterable[models.Model]) -> int:
    """Insert unsaved `objs` of `model` with COPY (every concrete field but an automatic primary
    key, values as set on the objects, defaults included); returns the number of rows."""
    fields = [
        f for f in model._meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    # a value of a plain type in a plain field goes as it is; anything else (an enum member of a choices
    # field, a list for an array, a dict for JSON) through the field's own conversion
    reads = [(f.attname, f, isinstance(f, _PLAIN_FIELDS)) for f in fields]
    n = 0
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            row = []
            for attname, field, is_plain in reads:
                value = getattr(obj, attname)
                if not (is_plain and type(value) in _PLAIN_TYPES):
                    value = field.get_db_prep_save(value, connection)
                row.append(value)
            copy.write_row(row)
            n += 1
    return n


# --- staged merges for imports ---------------------------------------------------------------------------
# COPY into a staging table, then one INSERT ... SELECT or UPDATE ... FROM into the real table, inside the
# caller's transaction. The merge is an ordinary statement run through Django's cursor, so pghistory's row
# triggers fire for every row and the events carry the context (job, user) that `pghistory.context`
# attaches to each statement (a COPY straight into the table would bypass it). Ids come from the table's
# sequence before the COPY (`allocate_ids`), so the caller knows them without relying on the order of
# RETURNING. Rows are plain tuples: no model instance is built per row.


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


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` ids from the table's sequence, in one text value: one row, not one per id, and no
    array for the driver to parse element by element (0.4 s for 180,000 ids; this takes 0.05 s)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            "SELECT string_agg(nextval(%s::regclass)::text, ',') FROM generate_series(1, %s)",
            [sequence, count],
        )
        return [int(pk) for pk in cursor.fetchone()[0].split(",")]


def _defaults(model: type[models.Model], given: set[str]) -> tuple[list[str], list[str], list[object]]:
    """The columns of `model` not in `given`, with the SQL that fills each (its Python default as a
    parameter; the statement's time for auto_now/auto_now_add dates) and the parameters."""
    columns, exprs, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in given or f.column in given:
            continue
        columns.append(f.column)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            exprs.append("statement_timestamp()" if isinstance(f, models.DateTimeField) else "current_date")
        else:
            exprs.append("%s")
            params.append(f.get_db_prep_save(f.get_default(), connection))
    return columns, exprs, params


def copy_create_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows given as tuples `(id, *columns)` (ids from `allocate_ids`, column names as in the
    table) by COPY into a staging table and one INSERT ... SELECT; every other column gets the
    field's default. Returns the number of rows."""
    table = model._meta.db_table
    stage = _stage(table, list(columns), rows)
    rest, exprs, params = _defaults(model, {"id", *columns})
    target = ", ".join(f'"{c}"' for c in ["id", *columns, *rest])
    source = ", ".join([*(f's."{c}"' for c in ["id", *columns]), *exprs])
    with connection.cursor() as cursor:
        cursor.execute(f'INSERT INTO "{table}" ({target}) SELECT {source} FROM "{stage}" s', params)
        return cursor.rowcount


def copy_update_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence], *, touch: Sequence[str] = ()
) -> int:
    """Set `columns` of existing rows given as tuples `(id, *columns)` by COPY and one UPDATE ... FROM;
    `touch` columns are set to the statement's time. Returns the number of rows."""
    table = model._meta.db_table
    stage = _stage(table, list(columns), rows)
    assignments = ", ".join(
        [*(f'"{c}" = s."{c}"' for c in columns), *(f'"{c}" = statement_timestamp()' for c in touch)]
    )
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" t SET {assignments} FROM "{stage}" s WHERE t.id = s.id')
        return cursor.rowcount


def analyze_grown(
    written: dict[type[models.Model], int], *, share: float = 0.2, minimum: int = 1000
) -> list[str]:
    """ANALYZE each table that just received more rows than `share` of what the planner believes it
    holds (and at least `minimum`); returns the tables analysed.

    Run inside the writing transaction, before its deferred foreign-key checks: PostgreSQL plans each
    check once from the table's statistics, and a table analysed while (nearly) empty makes every index
    holding `id` look as good as the primary key; a 65,000-row import then checked each row by scanning
    a whole name index (55 s instead of 0.2 s). ANALYZE counts the transaction's own new rows."""
    tables = {model._meta.db_table: n for model, n in written.items() if n >= minimum}
    if not tables:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE oid = ANY(%s::regclass[])", [list(tables)]
        )
        believed = dict(cursor.fetchall())
        grown = [t for t, n in tables.items() if n > share * max(believed.get(t, 0), 0)]
        for table in grown:
            cursor.execute(f'ANALYZE "{table}"')
    return grown

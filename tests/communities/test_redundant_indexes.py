"""No index of a table written by the thousands is a leading part of another index on the same table.

Every index costs each insert and update of its table (a roster import writes tens of thousands of
buildings, households, people and ownerships; opening a ballot writes an elector per household); an
index whose columns begin a wider index answers nothing the wider one does not. Django adds one per
foreign key unless told `db_index=False`, so a composite unique constraint or keyset index starting
with the key makes the key's own index redundant. (Small tables, many-to-many tables among them, keep
Django's defaults: there an extra index costs nothing worth a migration.)"""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

# plain btree indexes: no expression, no predicate; (table, index, unique, [columns], [options])
BULK_TABLES = [
    "communities_building",
    "communities_household",
    "communities_person",
    "communities_ownership",
    "consultations_visit",
    "consultations_opinion",
    "ballots_elector",
    "ballots_vote",
]
INDEXES = """
SELECT t.relname, i.relname, ix.indisunique,
       array_agg(a.attname ORDER BY k.ord), ix.indoption::text, ix.indcollation::text
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
JOIN pg_am am ON am.oid = i.relam AND am.amname = 'btree'
CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
WHERE ix.indpred IS NULL AND ix.indexprs IS NULL
  AND t.relname = ANY(%s)
GROUP BY t.relname, i.relname, ix.indisunique, ix.indoption, ix.indcollation
"""


def redundant_indexes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(INDEXES, [BULK_TABLES])
        rows = cursor.fetchall()
    by_table: dict[str, list[tuple]] = {}
    for table, name, unique, columns, _options, _collation in rows:
        by_table.setdefault(table, []).append((name, unique, list(columns)))
    found = []
    for table, indexes in by_table.items():
        for name, unique, columns in indexes:
            if unique:
                continue  # a unique index enforces something even when a wider one covers its columns
            for other, _other_unique, other_columns in indexes:
                if (
                    other != name
                    and other_columns[: len(columns)] == columns
                    and len(other_columns) > len(columns)
                ):
                    found.append(f"{table}.{name} {columns} begins {other} {other_columns}")
                    break
    return sorted(found)


def test_no_index_is_the_leading_part_of_another():
    assert redundant_indexes() == []


def test_the_check_sees_a_redundant_index():
    with connection.cursor() as cursor:
        cursor.execute('CREATE INDEX test_redundant ON "communities_ownership" ("household_id")')
    assert redundant_indexes() == [
        "communities_ownership.test_redundant ['household_id'] begins ownership_household_keyset "
        "['household_id', 'id']"
    ]

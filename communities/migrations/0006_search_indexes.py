"""Search indexes (issue 15): a household among 901,400 by name, address, room or a phone's last digits.

- trigram GIN indexes (pg_trgm) on UPPER(name) of people and UPPER(name) / UPPER(address) of compounds,
  which serve Django's `icontains` (`UPPER(col::text) LIKE UPPER('%q%')`); created only where the
  server has pg_trgm (PostgreSQL's contrib; the embedded development server lacks it and searches by
  scanning, which is fine at its size);
- a btree on REVERSE(phone) (text_pattern_ops): "the last digits" become a prefix of the reversed
  number (`PersonQuerySet.matching`);
- a btree on UPPER(room): `room__iexact` from the search's "3栋2单元301";
- a btree on UPPER(name) (text_pattern_ops): the start of a name.
"""

from django.db import migrations

ALWAYS = [
    "CREATE INDEX IF NOT EXISTS person_phone_suffix ON communities_person (reverse((phone)::text) text_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS household_room_upper ON communities_household (upper((room)::text))",
    # the start of a name (one or two characters); its statistics also tell the planner how rare a
    # name is, so it reads the few matches instead of walking every name in order
    "CREATE INDEX IF NOT EXISTS person_name_prefix ON communities_person (upper((name)::text) text_pattern_ops)",
]
TRIGRAM = [
    "CREATE INDEX IF NOT EXISTS person_name_trgm ON communities_person USING gin (upper((name)::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS compound_name_trgm ON communities_compound USING gin (upper((name)::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS compound_address_trgm ON communities_compound "
    "USING gin (upper((address)::text) gin_trgm_ops)",
]
NAMES = [
    "person_phone_suffix",
    "household_room_upper",
    "person_name_trgm",
    "compound_name_trgm",
    "compound_address_trgm",
]


def has_trigram(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        return cursor.fetchone() is not None


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    trigram = has_trigram(connection)
    with connection.cursor() as cursor:
        if trigram:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for sql in ALWAYS + (TRIGRAM if trigram else []):
            cursor.execute(sql)


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for name in NAMES:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("communities", "0005_job_keyset_index")]

    operations = [migrations.RunPython(forwards, backwards)]

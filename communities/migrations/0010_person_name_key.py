"""The start of a name at province scale (issue 15): an index on (UPPER(name) COLLATE "C", id).

A one- or two-character search matches the start of a name (`PersonQuerySet.matching`); ordered by
name, the planner walked the (name, id) index over every name before the first 王 (0.3-1.4 s among
1,081,728 people). In the "C" collation (core PostgreSQL, whatever the database's collation) "starts
with 王" is one range of this index, which also gives the matches in order: the first page of a short
search, and each cursor page after it, reads its own rows only (0.1 ms).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("communities", "0009_text_max_lengths")]

    operations = [
        migrations.RunSQL(
            'CREATE INDEX IF NOT EXISTS person_name_key ON communities_person ((upper((name)::text) COLLATE "C"), id)',
            'DROP INDEX IF EXISTS "person_name_key"',
        )
    ]

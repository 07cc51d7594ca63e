"""person_name_prefix (UPPER(name) text_pattern_ops) served "starts with" name searches; those now read
person_name_key (UPPER(name) COLLATE "C", id; migration 0010), which also gives the rows in order. The
old index only cost every write of a person (about 0.1 s per 65,000 imported people)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("communities", "0012_division_path_statistics")]

    operations = [
        migrations.RunSQL(
            "DROP INDEX IF EXISTS person_name_prefix",
            "CREATE INDEX IF NOT EXISTS person_name_prefix ON communities_person (upper((name)::text) text_pattern_ops)",
        )
    ]

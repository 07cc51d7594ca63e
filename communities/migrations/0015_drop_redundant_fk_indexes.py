"""Drop foreign-key indexes that a wider index (unique constraint or keyset index) already starts
with: each only cost every insert and update. Only the indexes go: Django's own AlterField would
also drop and re-add each foreign-key constraint, re-validating every row under an exclusive lock."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    ("communities_building", "compound_id", "communities_building_compound_id_8a0faed8"),
    ("communities_household", "building_id", "communities_household_building_id_f2211d1b"),
    ("communities_ownership", "household_id", "communities_ownership_household_id_1ca58aa5"),
    ("communities_ownership", "person_id", "communities_ownership_person_id_7fa3cae7"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0014_ordering_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")',
                )
                for table, column, name in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="building",
                    name="compound",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="buildings",
                        to="communities.compound",
                        verbose_name="compound",
                    ),
                ),
                migrations.AlterField(
                    model_name="household",
                    name="building",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="households",
                        to="communities.building",
                        verbose_name="building",
                    ),
                ),
                migrations.AlterField(
                    model_name="ownership",
                    name="household",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ownerships",
                        to="communities.household",
                        verbose_name="household",
                    ),
                ),
                migrations.AlterField(
                    model_name="ownership",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="ownerships",
                        to="communities.person",
                        verbose_name="person",
                    ),
                ),
            ],
        ),
    ]

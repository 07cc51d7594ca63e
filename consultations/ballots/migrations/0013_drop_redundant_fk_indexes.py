"""Drop foreign-key indexes that a wider index (unique constraint or keyset index) already starts
with: each only cost every insert and update. Only the indexes go: Django's own AlterField would
also drop and re-add each foreign-key constraint, re-validating every row under an exclusive lock."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    ("ballots_elector", "ballot_id", "ballots_elector_ballot_id_8db2a398"),
    ("ballots_vote", "ballot_id", "ballots_vote_ballot_id_c84e8abf"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("ballots", "0012_ordering_indexes"),
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
                    model_name="elector",
                    name="ballot",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="electors",
                        to="ballots.ballot",
                        verbose_name="ballot",
                    ),
                ),
                migrations.AlterField(
                    model_name="vote",
                    name="ballot",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="votes",
                        to="ballots.ballot",
                        verbose_name="ballot",
                    ),
                ),
            ],
        ),
    ]

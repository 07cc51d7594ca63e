"""Drop foreign-key indexes that a wider index (unique constraint or keyset index) already starts
with: each only cost every insert and update. Only the indexes go: Django's own AlterField would
also drop and re-add each foreign-key constraint, re-validating every row under an exclusive lock."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    ("consultations_opinion", "compound_id", "consultations_opinion_compound_id_745581a5"),
    ("consultations_opinion", "project_id", "consultations_opinion_project_id_b213b431"),
    ("consultations_visit", "compound_id", "consultations_visit_compound_id_676b6921"),
    ("consultations_visit", "household_id", "consultations_visit_household_id_b43b4d94"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0015_drop_redundant_fk_indexes"),
        ("consultations", "0010_ordering_indexes"),
        ("projects", "0006_text_max_lengths"),
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
                    model_name="opinion",
                    name="compound",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="opinions",
                        to="communities.compound",
                        verbose_name="compound",
                    ),
                ),
                migrations.AlterField(
                    model_name="opinion",
                    name="project",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="opinions",
                        to="projects.project",
                        verbose_name="project",
                    ),
                ),
                migrations.AlterField(
                    model_name="visit",
                    name="compound",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="visits",
                        to="communities.compound",
                        verbose_name="compound",
                    ),
                ),
                migrations.AlterField(
                    model_name="visit",
                    name="household",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="visits",
                        to="communities.household",
                        verbose_name="household",
                    ),
                ),
            ],
        ),
    ]

"""How many divisions a subtree holds, as the planner sees it (issue 15).

Every scoped list filters `division.path LIKE '<subtree>/%'`. With the default statistics (a 100-bucket
histogram) a community whose path is a bucket's bound was estimated at one bucket (41 of 4,098
divisions, 1 % of the province): the planner then walked the newest-first index over 3 million visits
to fill that community's first page (150-175 ms) instead of reading its compounds' visits (9 ms). Up to
10,000 values of the path are kept: a province's tree is known division by division.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("communities", "0011_history_statement_level")]

    operations = [
        migrations.RunSQL(
            [
                "ALTER TABLE communities_division ALTER COLUMN path SET STATISTICS 10000",
                "ANALYZE communities_division",
            ],
            ["ALTER TABLE communities_division ALTER COLUMN path SET STATISTICS -1"],
        )
    ]

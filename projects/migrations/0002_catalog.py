"""Ship the national renovation catalog and Wuning's 三清四改五提升 grouping as data."""

from django.db import migrations


def load_catalog(apps, schema_editor):
    from projects.catalog_data import load

    load(
        apps.get_model("projects", "CatalogItem"),
        apps.get_model("projects", "CatalogScheme"),
        apps.get_model("projects", "CatalogGroup"),
    )


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(load_catalog, migrations.RunPython.noop)]

"""The directory's levels read in their order (agencies.selectors.LEVEL_ORDER: folded name, then id) from an index:
the top by (directory_depth, directory_name, id), the agencies under one parent by (parent, directory_name, id), both
of the active agencies only; the second also counts each listed agency's children without reading the table.

Written in SQL, as the trigram index of 0007: built CONCURRENTLY on PostgreSQL (the directory stays readable while
100,000 agencies are indexed), plain elsewhere.
"""

from django.db import migrations

INDEXES = {
    "agency_directory_level_idx": "(directory_depth, directory_name, id)",
    "agency_directory_children_idx": "(parent_id, directory_name, id)",
}


def create(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, columns in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON agencies_agency {columns} "
                              "WHERE is_active")


def drop(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("agencies", "0008_directory_db_defaults"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]

"""The incoming list filtered by a status and a source ("04" and paper): the status index carries the source, so the
list and its count read the agency's documents of that status newest first from the index alone. Without it
PostgreSQL, guessing, chose the open documents' report index (every agency's, by date) and read the table for each
(35× the login page at 10 M documents). Built CONCURRENTLY on PostgreSQL, the old index dropped after."""

from django.db import migrations, models

OLD, NEW = "incoming_list_status_idx", "incoming_status_source_idx"


def create(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    concurrently = "CONCURRENTLY " if postgresql else ""
    include = " INCLUDE (source)" if postgresql else ""
    schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {NEW} ON documents_incoming"
                          f" (agency_id, status, arrived_at){include}")
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {OLD}")


def drop(apps, schema_editor):
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {OLD} ON documents_incoming (agency_id, status, arrived_at)")
    schema_editor.execute(f"DROP INDEX IF EXISTS {NEW}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("documents", "0026_assignment_current_reach_indexes")]
    operations = [migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RunPython(create, drop)],
        state_operations=[
            migrations.RemoveIndex(model_name="incoming", name=OLD),
            migrations.AddIndex(
                model_name="incoming",
                index=models.Index(fields=["agency", "status", "arrived_at"], include=("source",), name=NEW),
            ),
        ],
    )]

"""The documents routed now to a person, and to a unit, each from its own partial index with the document's id
(selectors._routed_ids: a specialist's lists, counts and search read these instead of a bitmap over the assignments'
rows). Built CONCURRENTLY on PostgreSQL (a ministry has millions of assignments, and documents keep being routed
meanwhile), plain elsewhere; the model state is the Meta indexes'."""

from django.db import migrations, models

INDEXES = {"assignment_current_member_idx": "member_id", "assignment_current_unit_idx": "unit_id"}


def create(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    include = " INCLUDE (incoming_id)" if schema_editor.connection.vendor == "postgresql" else ""
    for name, column in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON documents_assignment ({column})"
                              f"{include} WHERE is_current")


def drop(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("documents", "0025_desk_worklist_indexes")]
    operations = [migrations.SeparateDatabaseAndState(
        database_operations=[migrations.RunPython(create, drop)],
        state_operations=[
            migrations.AddIndex(
                model_name="assignment",
                index=models.Index(condition=models.Q(("is_current", True)), fields=["member"], include=("incoming",),
                                   name="assignment_current_member_idx"),
            ),
            migrations.AddIndex(
                model_name="assignment",
                index=models.Index(condition=models.Q(("is_current", True)), fields=["unit"], include=("incoming",),
                                   name="assignment_current_unit_idx"),
            ),
        ],
    )]

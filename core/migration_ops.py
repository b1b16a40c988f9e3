"""Index operations for tables that grow with the documents: built and dropped CONCURRENTLY on PostgreSQL, so an
upgrade at a ministry's scale (millions of rows, documents arriving meanwhile) takes no lock that stops writes
while an index is built; plain on SQLite (`make run`). A migration using them sets ``atomic = False``.

The model state is Django's own AddIndex/RemoveIndex, so makemigrations sees no difference."""

from django.contrib.postgres import operations as pg
from django.db.migrations.operations import AddIndex, RemoveIndex


def _postgresql(schema_editor):
    return schema_editor.connection.vendor == "postgresql"


class AddIndexConcurrently(pg.AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL. An interrupted build leaves an INVALID index of the same name: it is
    dropped first, so running the migration again finishes the work. Django's AddIndex elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _postgresql(schema_editor):
            return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                           "WHERE c.relname = %s AND NOT i.indisvalid", [self.index.name])
            invalid = cursor.fetchone()
        if invalid:
            schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{self.index.name}"')
        return super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not _postgresql(schema_editor):
            return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
        return super().database_backwards(app_label, schema_editor, from_state, to_state)


class RemoveIndexConcurrently(pg.RemoveIndexConcurrently):
    """DROP INDEX CONCURRENTLY on PostgreSQL, Django's RemoveIndex elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if not _postgresql(schema_editor):
            return RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)
        return super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if not _postgresql(schema_editor):
            return RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
        return super().database_backwards(app_label, schema_editor, from_state, to_state)

"""Indexes on the tables that grow with the documents are built and dropped CONCURRENTLY on PostgreSQL
(core.migration_ops), so an upgrade of a ministry's installation does not stop writes while they are built."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddIndex, RemoveIndex

from core.migration_ops import AddIndexConcurrently, RemoveIndexConcurrently

# Every later migration of these apps builds its indexes concurrently (those before were built while the
# installations' tables were small, and cannot be changed where they have run).
CONCURRENT_FROM = {"documents": "0024", "search": "0005"}


def _sql(app, name):
    out = io.StringIO()
    call_command("sqlmigrate", app, name, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)  # CONCURRENTLY refuses a transaction, the tests' own included
@pytest.mark.parametrize("name", ["0024_register_page_indexes", "0025_desk_worklist_indexes"])
def test_register_and_worklist_indexes_are_built_concurrently(name):
    sql = _sql("documents", name)
    creates = [line for line in sql.splitlines() if line.startswith("CREATE INDEX")]
    drops = [line for line in sql.splitlines() if line.startswith("DROP INDEX")]
    assert creates and drops
    assert all(line.startswith("CREATE INDEX CONCURRENTLY") for line in creates), sql
    assert all(line.startswith("DROP INDEX CONCURRENTLY") for line in drops), sql


def test_no_plain_index_operation_after_the_cut():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    plain = []
    for (app, name), migration in loader.disk_migrations.items():
        if app not in CONCURRENT_FROM or name[:4] < CONCURRENT_FROM[app]:
            continue
        for operation in migration.operations:
            if isinstance(operation, (AddIndex, RemoveIndex)) and not isinstance(
                    operation, (AddIndexConcurrently, RemoveIndexConcurrently)):
                plain.append(f"{app}.{name}: {operation.describe()}")
            elif isinstance(operation, (AddIndexConcurrently, RemoveIndexConcurrently)) and migration.atomic:
                plain.append(f"{app}.{name} is atomic")
    assert plain == []


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_build_is_finished_by_running_it_again():
    """A CREATE INDEX CONCURRENTLY stopped half way leaves an INVALID index; the operation drops it and builds it."""
    from django.db import models
    from django.db.migrations.state import ProjectState

    from documents.models import Incoming

    index = models.Index(fields=["agency", "year"], name="incoming_test_concurrent_idx")
    operation = AddIndexConcurrently("incoming", index)
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX incoming_test_concurrent_idx ON documents_incoming (agency_id, year)")
        cursor.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = "
                       "'incoming_test_concurrent_idx'::regclass")
    state = ProjectState.from_apps(Incoming._meta.apps)
    new_state = state.clone()
    operation.state_forwards("documents", new_state)
    try:
        with connection.schema_editor(atomic=False) as editor:
            operation.database_forwards("documents", editor, state, new_state)
        with connection.cursor() as cursor:
            cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = "
                           "'incoming_test_concurrent_idx'::regclass")
            assert cursor.fetchone() == (True,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS incoming_test_concurrent_idx")

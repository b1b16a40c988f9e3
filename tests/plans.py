"""Query plans in tests, as PostgreSQL makes them for a big table."""

from django.db import connection


def index_plan(sql, params=()):
    """The plan of `sql` as PostgreSQL makes it for a big table: with a few test rows (and whatever statistics the
    tests before left) it would rather read them all, or gather them by a bitmap and sort them."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())

"""The desk's list of my work and its three figures (mine, overdue, due within the week) come from one read of the
worklist's head in due-date order; a figure past DESK_COUNT_LIMIT reads "99+"."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents import selectors
from documents.models import Assignment, Incoming

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
OVERDUE = TODAY - datetime.timedelta(days=3)
THIS_WEEK = TODAY + datetime.timedelta(days=2)
LATER = TODAY + datetime.timedelta(days=30)


def give_work(member, dues, role=Assignment.Role.LEAD, status=Incoming.Status.IN_PROGRESS):
    documents = Incoming.objects.bulk_create([
        Incoming(agency=member.agency, source=Incoming.Source.PAPER, doc_type="CV", sender_name="Bộ Nội vụ",
                 summary=f"Việc số {n}", notation=f"{n}/BNV-VP", status=status, due_date=due)
        for n, due in enumerate(dues)])
    Assignment.objects.bulk_create([Assignment(incoming=d, role=role, member=member) for d in documents])
    return documents


def desk(member):
    with CaptureQueriesContext(connection) as ctx:
        work = selectors.dashboard(member)
    worklist_reads = [q for q in ctx.captured_queries
                      if '"documents_assignment"' in q["sql"] and "IN ('04', '05')" in q["sql"]]
    return work, len(worklist_reads)


def figures(work):
    return work["todo_count"], work["overdue_count"], work["due_week_count"]


def test_a_short_worklist_is_listed_in_due_date_order_and_counted_exactly(specialist):
    documents = give_work(specialist, [LATER, None, OVERDUE, THIS_WEEK, OVERDUE])
    work, reads = desk(specialist)
    assert figures(work) == ((5, False), (2, False), (1, False))
    assert [d.due_date for d in work["todo"]] == [OVERDUE, OVERDUE, THIS_WEEK, LATER, None]
    assert {d.pk for d in work["todo"]} == {d.pk for d in documents}
    assert reads == 1


def test_figures_past_the_limit_say_more_and_the_list_keeps_its_length(specialist):
    give_work(specialist, [OVERDUE] * 120 + [THIS_WEEK] * 5 + [None] * 2)
    work, reads = desk(specialist)
    assert figures(work) == ((99, True), (99, True), (5, False))
    assert len(work["todo"]) == selectors.DESK_ROWS
    assert reads == 1


@pytest.mark.parametrize(("overdue", "week"), [(210, 4), (150, 60)])
def test_the_weeks_figure_is_counted_on_its_own_when_overdue_work_fills_the_head(specialist, overdue, week):
    give_work(specialist, [OVERDUE] * overdue + [THIS_WEEK] * week + [LATER] * 3)
    work, reads = desk(specialist)
    assert figures(work) == ((99, True), (99, True), (min(week, 99), week > 99))
    assert reads == 2


def test_the_desk_shows_the_figures(client_for, specialist):
    give_work(specialist, [OVERDUE] * 101 + [THIS_WEEK] * 3)
    page = client_for(specialist).get("/dashboard/").content.decode()
    assert 'data-testid="count-todo">99+<' in page
    assert 'data-testid="count-overdue">99+<' in page
    assert 'data-testid="count-week">3<' in page


def test_the_clerks_desk_costs_the_same_queries_for_2_or_8_rows_in_each_list(client_for, clerk):
    client = client_for(clerk)

    def desk_queries(rows):
        give_work(clerk, [THIS_WEEK] * rows)  # my work
        give_work(clerk, [None] * rows, role=Assignment.Role.INFORM)  # for information
        give_work(clerk, [None] * rows, status=Incoming.Status.ARRIVED)  # to register
        client.get("/dashboard/")
        with CaptureQueriesContext(connection) as ctx:
            page = client.get("/dashboard/").content.decode()
        return len(ctx.captured_queries), page

    few, _page = desk_queries(2)
    more, page = desk_queries(6)
    assert few == more
    assert page.count("Bộ Nội vụ: Việc số") == 8  # to register: notation – sender: summary
    assert 'data-testid="count-week">8<' in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_the_worklist_head_walks_the_open_documents_in_due_date_order_and_stops(specialist):
    """At 10 M documents PostgreSQL would hash (or sort for a merge) every current assignment of the person's unit
    (43,165, a table page each) to find the head; read inside _walking_in_order it walks the agency's open documents
    in due-date order and asks each of the assignments' index, stopping at the head."""
    give_work(specialist, [OVERDUE, THIS_WEEK, LATER])
    with CaptureQueriesContext(connection) as ctx:
        selectors.dashboard(specialist)
    sql = [q["sql"] for q in ctx.captured_queries]
    at = next(i for i, s in enumerate(sql) if f"LIMIT {selectors.WORKLIST_HEAD}" in s and '"due_date"' in s)
    assert {"SET LOCAL enable_hashjoin = off", "SET LOCAL enable_mergejoin = off"} <= set(sql[:at]), sql[:at]
    # ... and the walk is what PostgreSQL then does (with a few rows it might anyway: the settings above are the point).
    head = selectors.worklist(specialist).values_list("pk", "due_date")[:selectors.WORKLIST_HEAD]
    sql, params = head.query.sql_with_params()
    with selectors._walking_in_order(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert [due for _pk, due in head] == [OVERDUE, THIS_WEEK, LATER]
    assert "Nested Loop" in plan and "Hash Join" not in plan and "Hash Semi Join" not in plan and "Merge" not in plan, plan

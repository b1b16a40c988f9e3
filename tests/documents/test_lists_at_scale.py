"""The lists and registers at scale (issue 17): no count of every row, a sort that no index serves sorts only the
newest rows and says there are more, a page read as its rows' ids first (the rows skipped are not joined), the
register's queries the same however many rows it shows."""

import datetime
import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import paging as pagination
from core.tables2 import page_rows_html
from documents.models import Outgoing
from documents.services import outgoing as services
from documents.tables import OutgoingTable
from tests.documents.conftest import approved, make_draft, to_agency
from tests.plans import index_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafts(specialist, leader):
    """Four drafts, the oldest first: "D …", "A …", "C …", "B …" (updated a day apart)."""
    documents = [make_draft(specialist, leader, summary=f"{letter} – V/v thử nghiệm") for letter in "DACB"]
    now = timezone.now()
    for age, outgoing in enumerate(reversed(documents)):
        Outgoing.objects.filter(pk=outgoing.pk).update(updated_at=now - datetime.timedelta(days=age))
    return documents


@pytest.fixture
def issued(certified, specialist, leader, clerk, other_agency):
    return [services.outgoing_issue(membership=clerk, outgoing=approved(
        specialist, leader, to_agency(other_agency), summary=f"V/v số {n}")) for n in range(2)]


def _counts(queries):
    return [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize("path", ["/outgoing/", "/outgoing/?sort=summary", "/incoming/", "/incoming/?sort=summary",
                                  "/registers/outgoing/", "/registers/incoming/"])
def test_a_list_never_counts_every_row(client_for, clerk, drafts, issued, path):
    client = client_for(clerk)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    counts = _counts(queries)
    assert counts, "the page says how many"
    assert all(f"LIMIT {pagination.COUNT_LIMIT + 1}" in sql for sql in counts), counts


def _summaries(page):
    return re.findall(r"([A-D]) – V/v thử nghiệm", page)


def test_an_unindexed_sort_sorts_the_newest_rows_and_says_there_are_more(client_for, clerk, drafts, monkeypatch):
    monkeypatch.setattr(pagination.BoundedPaginator, "limit", 3)
    page = client_for(clerk).get("/outgoing/?sort=summary").content.decode()
    # The newest three ("A", "C", "B"; not the oldest "D") in the order of their summaries.
    assert _summaries(page) == ["A", "B", "C"]
    assert "Hơn 3 văn bản" in page
    page = client_for(clerk).get("/outgoing/?sort=-summary").content.decode()
    assert _summaries(page) == ["C", "B", "A"]


def test_a_short_list_sorts_all_its_rows(client_for, clerk, drafts):
    page = client_for(clerk).get("/outgoing/?sort=summary").content.decode()
    assert _summaries(page) == ["A", "B", "C", "D"]
    assert 'data-testid="list-count">4 văn bản' in page


def _page(table, page, per_page=1, **kwargs):
    request = RequestFactory().get("/outgoing/", {"page": page, **kwargs})
    return pagination.paginate(table, request, per_page=per_page, newest="-updated_at",
                               indexed={"updated_at", "status"})


def test_a_late_page_joins_only_its_own_rows(clerk, drafts):
    table = OutgoingTable(Outgoing.objects.select_related("drafting_unit", "signer__user", "created_by"))
    with CaptureQueriesContext(connection) as queries:
        table = _page(table, 3)
        records = [row.record for row in table.paginated_rows]
    assert [r.summary[0] for r in records] == ["A"]  # newest first: B, C, A, D
    assert records[0].signer.user.full_name  # read with its row, no query more
    joined = [q["sql"] for q in queries.captured_queries if "JOIN" in q["sql"]]
    assert joined and all("OFFSET" not in sql for sql in joined)
    assert any("OFFSET 2" in q["sql"] for q in queries.captured_queries)


def test_a_table_made_with_its_request_is_refused(clerk, drafts):
    request = RequestFactory().get("/outgoing/")
    with pytest.raises(TypeError):
        pagination.paginate(OutgoingTable(Outgoing.objects.all(), request=request), request, per_page=25)


def test_rows_equal_in_the_sort_keep_one_order_across_pages(clerk, drafts, monkeypatch):
    Outgoing.objects.update(summary="Cùng một trích yếu")
    monkeypatch.setattr(pagination.BoundedPaginator, "limit", 3)
    seen = [[row.record.pk for row in _page(OutgoingTable(Outgoing.objects.all()), n, sort="summary").paginated_rows]
            for n in (1, 2, 3)]
    assert len({pk for page in seen for pk in page}) == 3


def _register_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/registers/outgoing/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_register_costs_the_same_queries_for_2_or_4_documents(client_for, clerk, specialist, leader,
                                                                  other_agency, issued):
    client = client_for(clerk)
    few, page = _register_queries(client)
    assert page.count("V/v số") == 2
    issued += [services.outgoing_issue(membership=clerk, outgoing=approved(
        specialist, leader, to_agency(other_agency), summary=f"V/v số {n}")) for n in range(2, 4)]
    many, page = _register_queries(client)
    assert page.count("V/v số") == 4
    assert many == few
    # Newest number first.
    assert page.index(issued[3].notation) < page.index(issued[0].notation)


def _no_display(self, *args, **kwargs):
    raise AssertionError("get_FOO_display() hashes every choice's lazy label: once per cell is too slow")


def test_choice_labels_come_from_a_dict_in_the_page_language(client_for, clerk, issued, monkeypatch):
    from django.utils import translation

    from documents.tables import OutgoingTable

    for name in ("get_doc_type_display", "get_status_display"):
        monkeypatch.setattr(Outgoing, name, _no_display)
    client = client_for(clerk)
    for path in ("/outgoing/", "/outgoing/?sort=doc_type", "/registers/outgoing/"):
        page = client.get(path).content.decode()
        assert "Công văn" in page
    assert "Đã phát hành" in client.get("/outgoing/").content.decode()
    column = OutgoingTable.base_columns["status"]
    with translation.override("en"):
        assert column.render(record=issued[0]) == "Issued"
    with translation.override("vi"):
        assert column.render(record=issued[0]) == "Đã phát hành"



def test_cells_are_written_without_working_out_their_attributes(client_for, clerk, issued, monkeypatch):
    from django_tables2.columns.base import BoundColumn

    asked = []
    attrs = BoundColumn.attrs
    monkeypatch.setattr(BoundColumn, "attrs", property(lambda self: asked.append(self.name) or attrs.fget(self)))
    client = client_for(clerk)
    for path in ("/outgoing/", "/registers/outgoing/"):
        asked.clear()
        page = client.get(path).content.decode()
        assert '<tr class="even"><td >' in page
        # The header's cells ask for theirs; the body's (a row per document) do not.
        assert len(asked) == len(set(asked)), asked


# The loop templates/documents/_table.html had for the page's rows, before core.tables2.page_rows_html.
ROWS_LOOP = Template("{% for attrs, cells in table.page_cells %}<tr {{ attrs }}>{% for cell in cells %}<td >{{ cell }}"
                     "</td>{% endfor %}</tr>{% endfor %}")


def test_page_cells_are_the_cells_django_tables2_gives(clerk, drafts, issued, kontum_staff):
    from documents import registers
    from documents.models import Incoming, Register
    from documents.services import incoming as incoming_services
    from documents.tables import IncomingTable
    from tests.documents.conftest import pdf_upload

    for n in range(2):
        incoming_services.incoming_from_paper(membership=kontum_staff["clerk"], scans=[pdf_upload()],
                                              sender_name="Sở Nội vụ", notation=f"{n}/SNV-TCBC",
                                              summary="V/v tuyển dụng", urgency="khan" if n else "")
    year = timezone.localdate().year
    tables = [
        OutgoingTable(Outgoing.objects.select_related("drafting_unit", "signer__user", "created_by")),
        IncomingTable(Incoming.objects.select_related("sender_agency")),
        registers.OutgoingRegisterTable(registers.outgoing_register_queryset(clerk.agency, year)),
        registers.IncomingRegisterTable(registers.incoming_register_queryset(
            kontum_staff["clerk"].agency, year, Register.Kind.INCOMING)),
    ]
    for table in tables:
        pagination.paginate(table, RequestFactory().get("/"), per_page=25, newest="-pk")
        given = [(row.attrs.as_html(), [str(cell) for cell in row]) for row in table.paginated_rows]
        assert given, type(table).__name__
        assert [(attrs, [str(cell) for cell in cells]) for attrs, cells in table.page_cells] == given
        # The rows' HTML, written by one join, is what the template's loop over those cells wrote.
        context = Context({"table": table})
        assert page_rows_html(table, context) == ROWS_LOOP.render(context)


def test_a_specialist_s_list_counts_what_is_routed_to_them_from_the_assignments_indexes(client_for, kontum_staff):
    """A specialist sees the documents routed now to them or to their unit, and no others; the list's count takes
    them as the join of the two partial indexes gives them (no ORDER BY: sorting a ministry unit's tens of
    thousands first is what made the count slow), and the routed ids come from those indexes alone."""
    from documents.models import Assignment, DocumentType, Incoming

    s = kontum_staff

    def routed(summary, **reach):
        incoming = Incoming.objects.create(agency=s["lead"].agency, source=Incoming.Source.PAPER, summary=summary,
                                           sender_name="Sở Nội vụ", doc_type=DocumentType.CONG_VAN)
        if reach:
            Assignment.objects.create(incoming=incoming, role=Assignment.Role.LEAD, is_current=True, **reach)
        return incoming

    routed("Gửi phòng của tôi", unit=s["culture"])
    routed("Gửi riêng tôi", member=s["lead"])
    both = routed("Gửi cả tôi và phòng", unit=s["culture"])
    Assignment.objects.create(incoming=both, role=Assignment.Role.COOPERATE, is_current=True, member=s["lead"])
    routed("Gửi phòng khác", unit=s["office"])
    routed("Chưa giao")
    old = routed("Đã giao lại", unit=s["culture"])
    Assignment.objects.filter(incoming=old).update(is_current=False)
    with CaptureQueriesContext(connection) as queries:
        page = client_for(s["lead"]).get("/incoming/").content.decode()
    assert "Gửi phòng của tôi" in page and "Gửi riêng tôi" in page and page.count("Gửi cả tôi và phòng") == 1
    assert not any(text in page for text in ("Gửi phòng khác", "Chưa giao", "Đã giao lại"))
    assert re.search(r'data-testid="list-count">\s*3 văn bản', page)  # the one routed twice counted once
    counts = _counts(queries)  # before the next request, which empties the log of queries
    # Unfiltered, the routed ids alone (UNION: once each), no document read to check what no filter asks.
    assert counts and all("ORDER BY" not in sql.upper() and " UNION " in sql.upper() and "UNION ALL" not in sql.upper()
                          and "documents_incoming" not in sql for sql in counts), counts
    plan = index_plan(counts[0])
    assert "Index Only Scan using assignment_current_unit_idx" in plan, plan
    assert "Index Only Scan using assignment_current_member_idx" in plan, plan
    with CaptureQueriesContext(connection) as queries:
        filtered = client_for(s["lead"]).get("/incoming/?q=riêng").content.decode()
    assert "Gửi riêng tôi" in filtered and re.search(r'data-testid="list-count">\s*1 văn bản', filtered)
    counts = _counts(queries)  # a filter is asked of the documents: their routed ids by UNION ALL
    assert counts and all("UNION ALL" in sql.upper() and "documents_incoming" in sql for sql in counts), counts


def test_the_incoming_list_filtered_by_status_and_source_reads_one_index(client_for, clerk):
    """The agency's documents of a status and a source, newest first, from incoming_status_source_idx alone (the
    source is in the index): the list's count reads that range and stops at the limit. At 10 M documents PostgreSQL
    picks it (bench/README.md "Pages"); here the index is checked to be there, carrying the source."""
    from documents.models import DocumentType, Incoming

    for n, (status, source) in enumerate([("04", "paper"), ("04", "portal"), ("06", "paper"), ("04", "paper")]):
        Incoming.objects.create(agency=clerk.agency, source=source, status=status, summary=f"Văn bản {n}",
                                sender_name="Sở Nội vụ", doc_type=DocumentType.CONG_VAN)
    with CaptureQueriesContext(connection) as queries:
        page = client_for(clerk).get("/incoming/?status=04&source=paper").content.decode()
    assert re.search(r'data-testid="list-count">\s*2 văn bản', page)
    with connection.cursor() as cursor:  # which index PostgreSQL picks for 4 rows says nothing of 5 million
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'incoming_status_source_idx'")
        (definition,) = cursor.fetchone()
    assert definition.endswith("(agency_id, status, arrived_at) INCLUDE (source)"), definition
    assert not _counts(queries)[0].count("JOIN")


def test_the_outgoing_page_reads_its_recipients_and_its_revisions_once(client_for, clerk, issued):
    """The recipients' list and the two printed blocks share one read; the revision card, whether a request may be
    made and whether the document was withdrawn share one read of its revisions (each read is a round trip: 0.5 ms
    on a slow machine, more than the query itself)."""
    outgoing = issued[0]
    with CaptureQueriesContext(connection) as queries:
        page = client_for(clerk).get(f"/outgoing/{outgoing.pk}/")
    assert page.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    recipients = [s for s in sql if s.startswith('SELECT "documents_recipient"."id"')]
    # The document's own revisions (not those of other documents replacing it, read by their replacement_id).
    revisions = [s for s in sql if 'FROM "documents_revision"' in s
                 and re.search(r'WHERE \(?"documents_revision"."outgoing_id" =', s)]
    assert len(recipients) == 1, recipients
    assert len(revisions) == 1, revisions

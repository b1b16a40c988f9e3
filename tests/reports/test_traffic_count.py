"""Issue 17: the traffic log's count (reports.paging.TrafficLog.count) reads one half at a time, the incoming documents
first, each only as far as the bound still needs and only the time (what the agency's index on the time holds), and
stops once the bound is reached; the address of a document that came by mail is still shown and searched."""

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.models import Incoming
from intake.models import InboundMessage, Mailbox
from reports import paging, selectors
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(province):
    return factories.make_member(province["p"], "clerk", unit=province["u1"], position="Văn thư")


def test_the_count_is_the_number_of_rows_up_to_any_bound(province, clerk, monkeypatch):
    log = selectors.traffic_list(membership=clerk)
    rows = len(list(log))
    incoming = sum(row["log_direction"] == "in" for row in log)
    assert 0 < incoming < rows
    for bound in range(rows + 3):
        monkeypatch.setattr(paging.TrafficLog, "count_limit", bound)
        assert selectors.traffic_list(membership=clerk).count() == min(rows, bound), bound


def test_once_the_incoming_documents_reach_the_bound_no_delivery_is_read(province, clerk, monkeypatch):
    monkeypatch.setattr(paging.TrafficLog, "count_limit", 2)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.traffic_list(membership=clerk).count() == 2
    [sql] = [q["sql"] for q in queries.captured_queries]
    assert "documents_incoming" in sql and "documents_delivery" not in sql
    # The time alone, no join: the agency's index on (agency, arrival time) answers without the table.
    assert "JOIN" not in sql and '"documents_incoming"."id"' not in sql


def test_with_few_incoming_documents_the_deliveries_fill_what_is_missing(province, clerk):
    with CaptureQueriesContext(connection) as queries:
        count = selectors.traffic_list(membership=clerk).count()
    assert count == len(list(selectors.traffic_list(membership=clerk)))
    sql = [q["sql"] for q in queries.captured_queries]
    incoming = Incoming.objects.filter(agency=province["p"]).count()
    assert len(sql) == 2 and f"LIMIT {paging.COUNT_LIMIT - incoming}" in sql[1] and "documents_delivery" in sql[1]


def test_the_sender_address_of_a_document_that_came_by_mail_is_shown_and_searched(province, clerk):
    mailbox = Mailbox.objects.create(agency=province["p"], host="imap.vidu.gov.vn", username="vp")
    message = InboundMessage.objects.create(agency=province["p"], mailbox=mailbox, uidvalidity=1, uid=7,
                                            raw_sha256=hashlib.sha256(b"7").hexdigest(), raw="m7.eml",
                                            sender_email="vanthu@gui.example.vn", received_at=province["i2"].arrived_at)
    Incoming.objects.filter(pk=province["i2"].pk).update(inbound=message)
    rows = {row["log_incoming"]: row for row in selectors.traffic_list(membership=clerk) if row["log_direction"] == "in"}
    assert rows[province["i2"].pk]["log_address"] == "vanthu@gui.example.vn"
    assert rows[province["i1"].pk]["log_address"] == ""
    found = selectors.traffic_list(membership=clerk, filters={"counterpart": "gui.example"})
    assert [row["log_incoming"] for row in found] == [province["i2"].pk]

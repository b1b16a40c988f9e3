"""Issue 17: the directory's levels are read in the order of their index (folded name, then id), and its exports are
written a batch of agencies at a time, so that 100,000 agencies are neither sorted nor held in memory whole."""

import csv
import io

import pytest
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies import selectors
from tests import factories


def codes(response):
    return [node.agency.code for node in response.context["entries"]]


@pytest.fixture
def province(db):
    top = factories.make_agency("Ủy ban nhân dân tỉnh Gia Lai", code="000.00.00.H21")
    names = ["Văn phòng Ủy ban nhân dân tỉnh", "Ủy ban nhân dân xã Ia Grai", "Sở Nội vụ", "Đài Phát thanh tỉnh"]
    below = [factories.make_agency(name, code=f"000.{n:02d}.00.H21", parent=top) for n, name in enumerate(names, 1)]
    return top, below


def test_a_level_is_in_the_order_of_its_folded_names(client, province):
    # Byte order (the database's C collation) puts "Ủy", "Đài" after "Văn"; folded, they sort as a reader expects.
    top, below = province
    by_name = {agency.name: agency.code for agency in below}
    expected = [by_name[name] for name in ("Đài Phát thanh tỉnh", "Sở Nội vụ", "Ủy ban nhân dân xã Ia Grai",
                                           "Văn phòng Ủy ban nhân dân tỉnh")]
    assert codes(client.get("/directory/", {"parent": top.pk})) == expected
    nested = client.get("/directory/").context["entries"]
    assert [child.agency.code for child in nested[0].children] == expected


def test_the_top_of_the_tree_nests_a_level_only_while_the_page_stays_within_its_budget(client, province,
                                                                                        monkeypatch):
    top, below = province
    monkeypatch.setattr(selectors, "TREE_BUDGET", len(below))  # the top itself and its four do not fit
    entry = client.get("/directory/").context["entries"][0]
    assert entry.children == [] and entry.child_count == len(below)
    monkeypatch.setattr(selectors, "TREE_BUDGET", len(below) + 1)
    assert len(client.get("/directory/").context["entries"][0].children) == len(below)


def test_exports_are_streamed_a_batch_of_agencies_at_a_time_in_the_order_of_the_tree(client, province, monkeypatch):
    top, below = province
    monkeypatch.setattr(selectors, "EXPORT_BATCH", 2)
    with CaptureQueriesContext(connection) as seen:
        response = client.get("/directory/export.csv")
        assert response.streaming and not seen.captured_queries  # nothing read before the body is sent
        chunks = list(response.streaming_content)
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    by_name = {agency.name: agency.code for agency in below}
    order = ["Đài Phát thanh tỉnh", "Sở Nội vụ", "Ủy ban nhân dân xã Ia Grai", "Văn phòng Ủy ban nhân dân tỉnh"]
    assert [row[0] for row in rows[1:]] == [top.code, *(by_name[name] for name in order)]
    agencies_read = [q["sql"] for q in seen.captured_queries if 'FROM "agencies_agency"' in q["sql"]
                     and '"agencies_agency"."id" IN' in q["sql"]]
    assert len(agencies_read) == 3  # five agencies, two at a time

    # A search's export: its matches in the search's order (nearest the top first), streamed as well.
    vcards = client.get("/directory/export.vcf", {"q": "uy ban"})
    assert vcards.streaming
    names = [card.fn.value for card in vobject.readComponents(vcards.getvalue().decode("utf-8"))]
    assert names == [top.name, *order]

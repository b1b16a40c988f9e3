"""Issue 17: the public directory reads a page at a time (a level of the tree, a page of results) and searches an
indexed folded column kept current by signals, so that 100,000 agencies cost what a few do."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies import selectors
from agencies.directory import directory_reindex
from agencies.models import Agency
from tests import factories


def codes(response):
    return [node.agency.code for node in response.context["entries"]]


@pytest.fixture
def province(db):
    top = factories.make_agency("Ủy ban nhân dân tỉnh Gia Lai", code="000.00.00.H21")
    departments = [factories.make_agency(f"Sở thứ {n:02d} tỉnh Gia Lai", code=f"000.{n:02d}.00.H21", parent=top)
                   for n in range(1, 6)]
    return top, departments


def test_a_level_that_does_not_fit_is_a_link_to_its_own_page(client, province, monkeypatch):
    top, departments = province
    monkeypatch.setattr(selectors, "TREE_BUDGET", 3)
    response = client.get("/directory/")
    assert codes(response) == [top.code]
    assert response.context["entries"][0].children == []
    html = response.content.decode()
    assert f"/directory/?parent={top.pk}" in html and "Xem 5 cơ quan trực thuộc" in html
    below = client.get("/directory/", {"parent": top.pk})
    assert codes(below) == [d.code for d in departments]
    assert "Ủy ban nhân dân tỉnh Gia Lai" in below.content.decode()  # the breadcrumb


def test_pages_of_a_level_and_a_page_past_the_last_is_a_404(client, province, monkeypatch):
    top, departments = province
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    first = client.get("/directory/", {"parent": top.pk})
    assert codes(first) == [d.code for d in departments[:2]] and 'data-testid="directory-next"' in first.content.decode()
    assert codes(client.get("/directory/", {"parent": top.pk, "page": 3})) == [departments[4].code]
    assert client.get("/directory/", {"parent": top.pk, "page": 4}).status_code == 404
    assert client.get("/directory/", {"parent": "x"}).status_code == 404
    assert client.get("/directory/", {"q": "gia lai", "page": 9}).status_code == 404
    result = client.get("/directory/", {"q": "gia lai"})
    assert len(codes(result)) == 2 and "Tìm thấy 6 cơ quan" in result.content.decode()


def test_a_page_reads_a_fixed_number_of_queries_whatever_the_number_of_agencies(client, province):
    top, _departments = province

    def queries():
        with CaptureQueriesContext(connection) as seen:
            client.get("/directory/")
            client.get("/directory/", {"q": "so thu"})
        return len(seen)

    before = queries()
    for n in range(6, 30):
        factories.make_agency(f"Sở thứ {n:02d} tỉnh Gia Lai", code=f"000.{n:02d}.00.H21", parent=top)
    assert queries() == before


def test_renaming_a_parent_or_its_people_reaches_the_search(client, province):
    top, departments = province
    top.name = "Ủy ban nhân dân tỉnh Kon Tum"
    top.save()
    assert set(codes(client.get("/directory/", {"q": "kon tum"}))) == {top.code, *(d.code for d in departments)}
    member = factories.make_member(departments[2], "leader", position="Giám đốc",
                                   official_email="gd@so3.gialai.gov.vn", is_public=True)
    member.user.full_name = "Rơ Châm Hiền"
    member.user.save()
    assert codes(client.get("/directory/", {"q": "ro cham hien"})) == [departments[2].code]
    member.is_public = False
    member.save()
    assert codes(client.get("/directory/", {"q": "ro cham hien"})) == []
    top.is_active = False
    top.save()
    assert {d.code for d in departments} <= set(codes(client.get("/directory/")))  # now at the top


def test_reindex_writes_what_bulk_writes_skipped(province):
    top, departments = province
    Agency.objects.filter(pk=top.pk).update(name="Ủy ban nhân dân tỉnh Đắk Lắk", directory_text="")
    directory_reindex()
    found = {node.agency.pk for node in selectors.directory_search("dak lak").entries}
    assert found == {top.pk, *(d.pk for d in departments)}


def test_a_search_counts_its_matches_up_to_a_bound(client, province, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_COUNT_LIMIT", 3)
    html = client.get("/directory/", {"q": "gia lai"}).content.decode()
    assert "Tìm thấy hơn 3 cơ quan khớp với “gia lai”; hãy gõ thêm từ để thu hẹp." in html
    assert "Tìm thấy 1 cơ quan" in client.get("/directory/", {"q": "so thu 03"}).content.decode()

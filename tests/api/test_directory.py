"""Issue 17: GET /api/v1/directory/ reads the directory a page at a time through the page's own selectors (a level of
the tree, or a search counted up to a bound) instead of building the whole tree of 100,000 agencies at every call."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies import selectors
from tests import factories

from .conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def province(agency, other_agency):
    """Quảng Ngãi (other_agency) with five departments and a commune under its first."""
    departments = [factories.make_agency(f"Sở thứ {n} tỉnh Quảng Ngãi", code=f"000.{n:02d}.00.H55", short_name="S",
                                         parent=other_agency) for n in range(1, 6)]
    commune = factories.make_agency("Ủy ban nhân dân xã Tịnh Khê", code="000.01.01.H55", short_name="X",
                                    parent=departments[0])
    return other_agency, departments, commune


def get(client, keys, **params):
    return client.get("/api/v1/directory/", params, **bearer(keys["clerk_read"]))


def codes(answer):
    return [row["code"] for row in answer.json()["results"]]


def test_the_top_level_and_a_level_below_a_parent_page_by_page(client, keys, province, monkeypatch):
    top, departments, commune = province
    monkeypatch.setattr("api.pagination.DirectoryPages.page_size", 2)
    first = get(client, keys).json()
    assert first["count"] == 2 and first["next"] is None  # the roots: Bộ Nội vụ and Quảng Ngãi
    quang_ngai = next(row for row in first["results"] if row["code"] == top.code)
    assert quang_ngai["child_count"] == 5 and quang_ngai["parent_code"] is None

    below = get(client, keys, parent=top.code).json()
    assert below["count"] == 5 and below["previous"] is None
    assert below["next"] == f"http://testserver/api/v1/directory/?page=2&parent={top.code}"
    assert [row["code"] for row in below["results"]] == [d.code for d in departments[:2]]
    assert below["results"][0]["child_count"] == 1 and below["results"][0]["path"] == [top.name]
    assert below["results"][0]["parent_code"] == top.code
    assert codes(get(client, keys, parent=top.code, page=3)) == [departments[4].code]
    assert get(client, keys, parent=top.code, page=4).status_code == 404
    assert codes(get(client, keys, parent=departments[0].code)) == [commune.code]


def test_a_search_pages_and_counts_up_to_the_bound(client, keys, province, monkeypatch):
    top, departments, commune = province
    monkeypatch.setattr("api.pagination.DirectoryPages.page_size", 2)
    monkeypatch.setattr(selectors, "SEARCH_COUNT_LIMIT", 4)
    found = get(client, keys, q="quang ngai").json()  # the province, its five departments, the commune: 7
    assert found["count"] == 4 and len(found["results"]) == 2
    assert codes(get(client, keys, q="quang ngai", page=2)) == [d.code for d in departments[1:3]]
    assert get(client, keys, q="quang ngai", page=3).status_code == 404  # past what the bound lets a reader page
    assert codes(get(client, keys, q="xa")) == [commune.code]  # two letters: a word of the name beginning so


def test_the_page_size_stays_at_most_100(client, keys, province, monkeypatch):
    monkeypatch.setattr("api.pagination.DirectoryPages.page_size", 500)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)  # the pages' size is not the API's
    for n in range(6, 9):
        factories.make_agency(f"Sở thứ {n} tỉnh Quảng Ngãi", code=f"000.{n:02d}.00.H55", parent=province[0])
    from api.pagination import DirectoryPages

    assert DirectoryPages().get_page_size(None) == 100
    assert len(codes(get(client, keys, parent=province[0].code))) == 8


def test_a_page_reads_a_fixed_number_of_queries_whatever_the_directory_holds(client, keys, province):
    top = province[0]

    def queries():
        with CaptureQueriesContext(connection) as seen:
            for params in ({}, {"parent": top.code}, {"q": "quang ngai"}, {"q": "so"}):
                assert get(client, keys, **params).status_code == 200
        return len(seen)

    before = queries()
    for n in range(10, 40):
        factories.make_agency(f"Sở thứ {n} tỉnh Quảng Ngãi", code=f"000.{n:02d}.00.H55", parent=top)
        factories.make_agency(f"Cơ quan gốc {n}", code=f"000.{n:02d}.00.H77")
    assert queries() == before


@pytest.mark.parametrize("params, field", [
    ({"page": "abc"}, "page"), ({"page": "0"}, None), ({"parent": ""}, "parent"), ({"q": "x" * 201}, "q"),
    ({"q": "so", "parent": "000.00.00.H55"}, "parent"),
])
def test_a_query_the_schema_does_not_allow_is_refused(client, keys, province, params, field):
    answer = get(client, keys, **params)
    if field is None:
        assert answer.status_code == 404
    else:
        assert answer.status_code == 400 and field in answer.json()


def test_an_unknown_or_closed_parent_is_not_found_and_the_directory_asks_for_a_token(client, keys, province):
    top, departments, _commune = province
    assert get(client, keys, parent="000.99.99.H99").status_code == 404
    departments[1].is_active = False
    departments[1].save()
    assert get(client, keys, parent=departments[1].code).status_code == 404
    assert client.get("/api/v1/directory/", {"parent": top.code}).status_code == 401

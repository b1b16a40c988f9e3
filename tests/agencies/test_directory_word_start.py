"""Issue 17: a directory search of one or two letters ("xa") is too short for the trigram index and would read every
agency; it finds the agencies with a word of their name or short name beginning so ("Ủy ban nhân dân xã …"), read in
order from DirectoryWord's index, so that a page costs the same however many agencies match."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies import selectors
from agencies.directory import directory_reindex
from agencies.models import Agency, DirectoryWord
from tests import factories
from tests.plans import index_plan


def names(response):
    return [node.agency.name for node in response.context["entries"]]


@pytest.fixture
def province(db):
    top = factories.make_agency("Ủy ban nhân dân tỉnh Gia Lai", short_name="UBND tỉnh", code="000.00.00.H21")
    below = {name: factories.make_agency(name, short_name=short, code=f"000.{n:02d}.00.H21", parent=top,
                                         domain=f"coquanxa{n}.gialai.gov.vn")
             for n, (name, short) in enumerate([
                 ("Ủy ban nhân dân xã Ia Grai", "UBND xã"), ("Sở Xây dựng", "SXD"),
                 ("Ủy ban nhân dân xã Xuân An", "UBND xã"), ("Sở Khoa học và Công nghệ", "SKHCN"),
                 ("Ủy ban nhân dân xã An Khê", "UBND xã")], 1)}
    factories.make_unit(below["Sở Khoa học và Công nghệ"], "Phòng Xã hội hóa", "XHH")
    return top, below


def test_two_letters_find_the_agencies_with_a_word_beginning_so_in_the_order_of_that_word(client, province):
    response = client.get("/directory/", {"q": "Xã"})
    # "xa an khe", "xa ia grai", "xa xuan an", "xay dung"; neither "coquanxa…" (inside a word of the address) nor
    # "Phòng Xã hội hóa" (a unit): three letters or more search those. Xuân An once, though two words begin so.
    assert names(response) == ["Ủy ban nhân dân xã An Khê", "Ủy ban nhân dân xã Ia Grai", "Ủy ban nhân dân xã Xuân An",
                               "Sở Xây dựng"]
    html = response.content.decode()
    assert 'data-testid="directory-word-start"' in html and "bắt đầu bằng “Xã”" in html
    assert names(client.get("/directory/", {"q": "x"}))[-1] == "Sở Xây dựng"
    assert names(client.get("/directory/", {"q": "skh"})) == ["Sở Khoa học và Công nghệ"]  # three: the text, as before
    assert 'data-testid="directory-word-start"' not in client.get("/directory/", {"q": "gia lai"}).content.decode()


def test_a_short_name_and_two_short_words_are_word_beginnings_too(client, province):
    top, below = province
    assert names(client.get("/directory/", {"q": "sx"})) == ["Sở Xây dựng"]
    assert names(client.get("/directory/", {"q": "x a"})) == ["Ủy ban nhân dân xã An Khê", "Ủy ban nhân dân xã Xuân An"]


def test_an_abbreviation_of_two_letters_is_searched_written_out(client, db):
    city = factories.make_agency("Ủy ban nhân dân thành phố Pleiku", short_name="UBND", code="000.00.00.H22")
    factories.make_agency("Sở Tư pháp", short_name="STP", code="000.01.00.H22")
    assert names(client.get("/directory/", {"q": "TP"})) == [city.name]  # "thanh pho", not the word "tp…"


def test_the_words_follow_renaming_closing_and_reopening_an_agency(client, province):
    top, below = province
    agency = below["Sở Xây dựng"]
    agency.name = "Sở Giao thông vận tải"
    agency.save()
    assert "Sở Giao thông vận tải" not in names(client.get("/directory/", {"q": "xa"}))
    assert names(client.get("/directory/", {"q": "gt"})) == []
    assert names(client.get("/directory/", {"q": "ta"})) == ["Sở Giao thông vận tải"]
    agency.is_active = False
    agency.save()
    assert not DirectoryWord.objects.filter(agency=agency).exists()
    agency.is_active = True
    agency.save()
    assert names(client.get("/directory/", {"q": "ta"})) == ["Sở Giao thông vận tải"]


def test_reindex_writes_the_words_of_agencies_written_in_bulk(db, province):
    top, below = province
    Agency.objects.filter(pk=top.pk).update(name="Ủy ban nhân dân tỉnh Kon Tum")
    Agency.objects.filter(pk=below["Sở Xây dựng"].pk).update(is_active=False)
    directory_reindex()
    assert [node.agency.pk for node in selectors.directory_search("ko").entries] == [top.pk]
    assert "Sở Xây dựng" not in {node.agency.name for node in selectors.directory_search("xa").entries}


def test_a_short_search_reads_a_page_in_a_fixed_number_of_queries_and_counts_up_to_the_bound(client, province,
                                                                                            monkeypatch):
    top, _below = province
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "SEARCH_COUNT_LIMIT", 4)

    def read():
        with CaptureQueriesContext(connection) as seen:
            response = client.get("/directory/", {"q": "xa"})
        assert len(response.context["entries"]) == 2
        return len(seen), response

    before, _response = read()
    for n in range(10, 40):
        factories.make_agency(f"Ủy ban nhân dân xã số {n}", code=f"000.{n:02d}.00.H21", parent=top)
    after, response = read()
    assert after == before
    assert "Tìm thấy hơn 4 cơ quan khớp với “xa”" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_a_short_search_reads_its_page_and_its_count_from_the_words_index(province):
    rows = selectors._word_starts("xa")
    for queryset in (rows[:50], rows.order_by()[:selectors.SEARCH_COUNT_LIMIT]):
        plan = index_plan(*queryset.query.sql_with_params())
        assert "agencies_directoryword_text_idx" in plan and "Sort" not in plan, plan


def test_a_short_search_is_exported_as_it_is_listed(client, province):
    body = client.get("/directory/export.csv", {"q": "xa"}).getvalue().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert [row[1] for row in rows[1:] if row[3] == ""] == [
        "Ủy ban nhân dân xã An Khê", "Ủy ban nhân dân xã Ia Grai", "Ủy ban nhân dân xã Xuân An", "Sở Xây dựng"]

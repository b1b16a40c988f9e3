"""The work of one search is bounded whatever the size of the index (docs/search.md, "Bounded work"): the limits are
made small here so that a few documents stand for a ministry's millions."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from documents.models import Secrecy
from search import selectors
from search.models import Entry
from tests.plans import index_plan

from .conftest import make_outgoing

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(selectors, "SCAN_LIMIT", 3)
    monkeypatch.setattr(selectors, "PROBE", 2)
    monkeypatch.setattr(selectors, "WALK", 6)
    monkeypatch.setattr(selectors, "CANDIDATE_LIMIT", 2)
    monkeypatch.setattr(selectors, "CHUNK_MIN", 1)


def dated(documents):
    """The documents' entries dated one day apart, the first the newest."""
    for age, document in enumerate(documents):
        Entry.objects.filter(object_id=document.pk, kind="outgoing").update(
            date=datetime.date(2026, 1, 31) - datetime.timedelta(age))
    return documents


def found(membership, query, **filters):
    result = selectors.search(membership=membership, query_text=query, filters=filters)
    return [entry.object_id for entry in result.page.object_list], result


def test_a_common_word_gives_the_newest_the_person_may_open(staff, small_limits):
    documents = dated([make_outgoing(staff, f"Công văn số {n}",
                                     secrecy=Secrecy.choices[1][0] if n in (0, 2) else "") for n in range(10)])
    ids, result = found(staff["clerk"], "cong van")
    assert ids == [d.pk for d in documents[:3]] and (result.total, result.capped, result.partial) == (3, True, False)
    ids, result = found(staff["specialist"], "cong van")  # the secret ones are passed over, never counted
    assert ids == [documents[1].pk, documents[3].pk, documents[4].pk]
    assert (result.total, result.capped) == (3, True)


def test_a_walk_of_several_chunks_checks_each_chunk_of_its_own(staff, small_limits):
    """The visibility statement is compiled once per search and run with each chunk's ids: the two newest may be
    opened, so the next chunk is two; both are secret, so a third chunk is walked."""
    secret = Secrecy.choices[1][0]
    documents = dated([make_outgoing(staff, f"Công văn số {n}", secrecy=secret if n in (2, 3) else "")
                       for n in range(10)])
    ids, result = found(staff["specialist"], "cong van")
    assert ids == [documents[0].pk, documents[1].pk, documents[4].pk]
    assert (result.total, result.capped) == (3, True)


def test_a_rare_phrase_of_common_words_is_found_beyond_the_newest(staff, small_limits):
    documents = dated([make_outgoing(staff, f"Tân Bình, chính phủ {n}") for n in range(9)])
    old = make_outgoing(staff, "Công văn về xã Tân Phú")
    dated([*documents, old])
    # "tân" and "phú" are each in every document; "tân phú" only in the oldest, outside the WALK newest.
    ids, result = found(staff["clerk"], "tan phu")
    assert ids == [old.pk] and (result.total, result.capped, result.partial) == (1, False, False)


def test_words_in_too_many_documents_search_only_the_newest(staff, small_limits, client):
    documents = dated([make_outgoing(staff, f"Báo cáo {'thiên tai' if n % 4 == 0 else 'tổng kết'} {n}")
                       for n in range(12)])
    ids, result = found(staff["clerk"], "thien tai")
    # Three matches of twelve (more than CANDIDATE_LIMIT), two among the WALK newest: those two, said to be partial.
    assert ids == [documents[0].pk, documents[4].pk] and (result.capped, result.partial) == (False, True)
    client.force_login(staff["clerk"].user)
    page = client.get(reverse("search"), {"q": "thien tai"}).content.decode()
    assert 'data-testid="search-partial"' in page and "chỉ tìm trong 6 văn bản mới nhất" in page


def test_a_number_is_found_from_its_index_in_a_big_agency(staff, small_limits):
    documents = dated([make_outgoing(staff, f"Quyết định {n}", number=700 + n, notation=f"{700 + n}/QĐ-BNV")
                       for n in range(10)])
    ids, result = found(staff["clerk"], "709/QĐ-BNV")
    assert ids == [documents[9].pk] and (result.total, result.partial) == (1, False)


def test_capped_page_says_more_and_facets_count_the_newest(staff, small_limits, client):
    dated([make_outgoing(staff, f"Công văn số {n}", year=2026 - n % 2) for n in range(10)])
    _ids, result = found(staff["clerk"], "cong van")
    years = {option["value"]: option["count"] for facet in result.facets if facet["name"] == "year"
             for option in facet["options"]}
    assert years == {"2026": 2, "2025": 1}
    client.force_login(staff["clerk"].user)
    page = client.get(reverse("search"), {"q": "cong van"}).content.decode()
    assert 'data-testid="search-capped"' in page and "hơn 3 kết quả" in page


def test_an_undated_entry_comes_last(staff):
    undated, newer = make_outgoing(staff, "Thông báo lịch họp"), make_outgoing(staff, "Thông báo kết luận")
    Entry.objects.filter(object_id=undated.pk).update(date=None)
    assert found(staff["clerk"], "thong bao")[0] == [newer.pk, undated.pk]


def test_phrase_candidates_come_from_the_pair_keys_index_of_the_agency_only(staff, other_agency):
    """The word-pairs index (migrations 0005/0006) gives this agency's entries holding the phrase's pairs and no
    other agency's, though both hold the same words; a hash of the pair is asked of the index, not the table."""
    from django.db import connection

    from tests import factories

    mine = make_outgoing(staff, "Công văn về xã Tân Phú")
    make_outgoing(staff, "Công văn về xã Phú Tân")
    theirs_unit = factories.make_unit(other_agency, "Văn phòng", "VP")
    theirs = {"drafter": factories.make_member(other_agency, "specialist", unit=theirs_unit),
              "leader": factories.make_member(other_agency, "leader", unit=theirs_unit)}
    make_outgoing(theirs, "Công văn về xã Tân Phú")
    query = selectors.text.query_parse("tan phu")
    candidates = Entry.objects.filter(selectors._candidates_q(query, mine.agency_id))
    assert list(candidates.values_list("object_id", flat=True)) == [mine.pk]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = candidates.values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "search_entry_pair_keys_idx" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_each_chunk_of_a_walk_reads_the_index_from_where_the_last_one_stopped():
    """A walk reads the agency's entries newest first a chunk at a time; the next chunk starts below the last entry
    read as a range of search_entry_agency_date_idx, not by filtering every entry from the newest down again."""
    walked = (Entry.objects.filter(agency_id=1).filter(selectors._before((datetime.date(2026, 1, 15), 42)))
              .order_by("-date", "-pk").values_list("date", "pk")[:50])
    plan = index_plan(*walked.query.sql_with_params())
    bounds = [line for line in plan.splitlines() if "Index Cond" in line]
    assert "search_entry_agency_date_idx" in plan and any("date <= " in line for line in bounds), plan

"""Vietnamese matching: case and diacritics ignored, numbers exact in any spelling, phrases in order, ranked."""

import pytest

from search import selectors
from search.text import fold, number_key, query_parse, snippet

from .conftest import make_incoming, make_outgoing

pytestmark = pytest.mark.django_db


def found(membership, query, **filters):
    result = selectors.search(membership=membership, query_text=query, filters=filters)
    return [(entry.kind, entry.object_id) for entry in result.page.object_list] if result.page else []


def test_folding_ignores_case_diacritics_and_d_bar():
    assert fold("Quyết Định ĐIỀU ĐỘNG") == "quyet dinh dieu dong"


def test_folding_a_text_folds_each_of_its_characters():
    """fold() translates by a table filled as characters are met: the same as folding each one, for every character
    of the Basic Multilingual Plane (a decomposed text is composed first), and one character for one."""
    import unicodedata

    from search.text import _fold_char

    text = "".join(chr(code) for code in range(0x20, 0xD800))
    composed = unicodedata.normalize("NFC", text)
    assert fold(text) == "".join(_fold_char(char) for char in composed)
    assert fold(unicodedata.normalize("NFD", "Thiên tai ở Đắk Lắk")) == "thien tai o dak lak"
    assert len(fold("Nghị định 30/2020/NĐ-CP")) == len("Nghị định 30/2020/NĐ-CP")
    assert number_key("15/QĐ-BNV") == number_key("15/qd-bnv") == number_key("15 qđ bnv") == "15qdbnv"


def test_words_without_diacritics_find_the_document(staff):
    decision = make_outgoing(staff, "Quyết định về việc phòng, chống thiên tai năm 2026")
    make_outgoing(staff, "Công văn về tổ chức hội nghị")
    assert found(staff["clerk"], "quyet dinh") == [("outgoing", decision.pk)]
    assert found(staff["clerk"], "QUYẾT ĐỊNH") == [("outgoing", decision.pk)]
    assert found(staff["clerk"], "thien tai") == [("outgoing", decision.pk)]
    assert found(staff["clerk"], "Phong chong") == [("outgoing", decision.pk)]


def test_phrase_keeps_word_order(staff):
    disaster = make_outgoing(staff, "Phòng chống thiên tai")
    other = make_outgoing(staff, "Tài liệu tai thiên hạ")
    assert found(staff["clerk"], "thiên tai") == [("outgoing", disaster.pk)]
    assert found(staff["clerk"], "tai thien") == [("outgoing", other.pk)]
    assert found(staff["clerk"], '"tai thien", "thien ha"') == [("outgoing", other.pk)]


def test_number_and_notation_exact_in_any_spelling(staff):
    decision = make_outgoing(staff, "Quyết định khen thưởng", number=15, notation="15/QĐ-BNV")
    make_outgoing(staff, "Quyết định kỷ luật", number=115, notation="115/QĐ-BNV")
    for spelling in ("15/QĐ-BNV", "15/qd-bnv", "15 qđ bnv", "15-QD/BNV"):
        assert found(staff["clerk"], spelling) == [("outgoing", decision.pk)], spelling


def test_words_are_whole_words(staff):
    make_outgoing(staff, "Kế hoạch năm 2026")
    assert found(staff["clerk"], "nam 202") == []
    assert found(staff["clerk"], "ke hoa") == []


def test_ranking_number_then_summary_then_body(staff, bnv):
    in_body = make_incoming(bnv, "Công văn hướng dẫn", text="Thực hiện Quyết định 15/QĐ-BNV về khen thưởng")
    in_summary = make_incoming(bnv, "Triển khai Quyết định 15/QĐ-BNV")
    exact = make_outgoing(staff, "Quyết định khen thưởng", number=15, notation="15/QĐ-BNV")
    assert found(staff["clerk"], "15/qd-bnv") == [
        ("outgoing", exact.pk), ("incoming", in_summary.pk), ("incoming", in_body.pk)]


def test_text_of_the_files_is_searched_and_highlighted(staff, bnv):
    scanned = make_incoming(bnv, "Công văn số 12", text="Đề nghị các đơn vị khắc phục hậu quả bão lũ tại miền Trung")
    result = selectors.search(membership=staff["clerk"], query_text="hau qua bao lu")
    [entry] = result.page.object_list
    assert entry.object_id == scanned.pk
    assert "<mark>hậu quả bão lũ</mark>" in entry.snippet


def test_snippet_escapes_html_and_marks_every_match():
    html = snippet("<b>Thiên tai</b> và thiên tai", query_parse("thien tai"))
    assert html == "&lt;b&gt;<mark>Thiên tai</mark>&lt;/b&gt; và <mark>thiên tai</mark>"


def test_signer_handler_and_issuer_are_searched(staff, bnv):
    document = make_outgoing(staff, "Thông báo kết luận")
    assert found(staff["clerk"], "tran van lanh") == [("outgoing", document.pk)]
    incoming = make_incoming(bnv, "Báo cáo", sender="Sở Tài chính tỉnh Gia Lai")
    assert found(staff["clerk"], "so tai chinh") == [("incoming", incoming.pk)]


def test_filters_and_their_counts(staff, bnv):
    make_outgoing(staff, "Kế hoạch cải cách hành chính")
    make_outgoing(staff, "Kế hoạch số hóa", year=2025)
    incoming = make_incoming(bnv, "Kế hoạch kiểm tra")
    result = selectors.search(membership=staff["clerk"], query_text="ke hoach")
    kinds = {option["value"]: option["count"] for facet in result.facets if facet["name"] == "kind"
             for option in facet["options"]}
    assert kinds == {"outgoing": 2, "incoming": 1}
    assert found(staff["clerk"], "ke hoach", kind="incoming") == [("incoming", incoming.pk)]
    narrowed = selectors.search(membership=staff["clerk"], query_text="ke hoach", filters={"kind": "outgoing"})
    years = {option["value"]: option["count"] for facet in narrowed.facets if facet["name"] == "year"
             for option in facet["options"]}
    assert years == {"2026": 1, "2025": 1}
    assert narrowed.total == 2


def test_the_index_follows_changes_and_deletions(staff):
    document = make_outgoing(staff, "Dự thảo quy chế", status="draft")
    document.summary = "Dự thảo quy định"
    document.save()
    assert found(staff["clerk"], "quy che") == []
    assert found(staff["clerk"], "quy dinh") == [("outgoing", document.pk)]
    document.delete()
    assert found(staff["clerk"], "quy dinh") == []


def test_a_word_in_nearly_everything_ranks_and_counts_the_newest(staff, monkeypatch):
    import datetime

    from search.models import Entry

    documents = [make_outgoing(staff, f"Văn bản thứ {n}") for n in range(5)]
    for age, document in enumerate(documents):
        Entry.objects.filter(object_id=document.pk).update(date=datetime.date(2026, 1, 10) - datetime.timedelta(age))
    monkeypatch.setattr(selectors, "SCAN_LIMIT", 3)
    result = selectors.search(membership=staff["clerk"], query_text="van ban")
    assert (result.total, result.capped) == (3, True)  # the third newest day on
    assert [entry.object_id for entry in result.page.object_list] == [d.pk for d in documents[:3]]

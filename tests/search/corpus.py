"""A small Vietnamese corpus and the queries run on it, for comparing PostgreSQL's search with SQLite's.

`results()` builds the corpus in the current database (any vendor) and returns what each query finds, as
(kind, notation or summary) in rank order; tests/search/test_sqlite_parity.py runs it on both."""

from tests import factories

DOCUMENTS = [
    ("15/QĐ-BNV", "Quyết định về việc phòng, chống thiên tai năm 2026", "Điều 1. Thành lập Ban chỉ huy phòng chống thiên tai"),
    ("115/QĐ-BNV", "Quyết định khen thưởng tập thể", "Khen thưởng các đơn vị thực hiện Quyết định 15/QĐ-BNV"),
    ("22/KH-UBND", "Kế hoạch cải cách hành chính", "Đẩy mạnh chuyển đổi số, đào tạo đội ngũ công chức"),
    ("", "Tài liệu tai thiên hạ", "Đường đi Đà Nẵng"),
    ("07/CV-VP", "Công văn đôn đốc báo cáo", "Đề nghị gửi báo cáo về Văn phòng trước ngày 15"),
]
QUERIES = ["quyet dinh", "QUYẾT ĐỊNH", "thien tai", "tai thien", "15/QĐ-BNV", "15/qd-bnv", "15 qđ bnv",
           "115 qd bnv", "qd-bnv", "da nang", "đà nẵng", "dao tao", "bao cao, van phong", '"thien ha"',
           "chuyen doi so", "nam 202", "cong", "15"]


def results():
    from django.contrib.contenttypes.models import ContentType

    from documents.models import DocumentType, Incoming, IncomingFile
    from ocr.models import FileText
    from ocr.signals import text_ready
    from search import selectors

    agency = factories.make_agency("Bộ Nội vụ", short_name="BNV")
    clerk = factories.make_member(agency, "clerk", unit=factories.make_unit(agency))
    for notation, summary, text in DOCUMENTS:
        incoming = Incoming.objects.create(agency=agency, source=Incoming.Source.PAPER, sender_name="Bộ Nội vụ",
                                           notation=notation, summary=summary, doc_type=DocumentType.CONG_VAN)
        file = IncomingFile.objects.create(incoming=incoming, kind=IncomingFile.Kind.MAIN, name="a.pdf")
        file_text = FileText.objects.create(content_type=ContentType.objects.get_for_model(IncomingFile),
                                            object_id=file.pk, field="file", state="done", pages=[text], text=text)
        text_ready.send(sender=FileText, file_text=file_text)
    found = {}
    for query in QUERIES:
        result = selectors.search(membership=clerk, query_text=query)
        found[query] = [[entry.notation or entry.title, entry.rank, str(entry.snippet)]
                        for entry in result.page.object_list]
    return found

"""The SQL bulk indexing writes the entries the signals write, Vietnamese folding included."""

import datetime

import pytest
from django.core.management import call_command

from documents.models import Assignment, IncomingFile, OutgoingFile
from search.models import Entry

from .conftest import file_text_done, make_incoming, make_outgoing

pytestmark = pytest.mark.django_db
FIELDS = ["kind", "object_id", "agency_id", "doc_type", "year", "date", "status", "secrecy", "issuer", "notation",
          "title", "summary", "body", "number_key", "summary_words", "body_words"]


def snapshot():
    return sorted(Entry.objects.values_list(*FIELDS))


def test_sql_reindex_gives_the_entries_of_the_signals(staff, bnv):
    outgoing = make_outgoing(staff, "Quyết định ĐIỀU ĐỘNG cán bộ – Ưu tiên “đặc biệt”", notation="07/QĐ-BNV")
    OutgoingFile.objects.create(outgoing=outgoing, kind=OutgoingFile.Kind.choices[0][0], name="qd.pdf")
    file_text_done(outgoing.files.get(), "Điều 1. Điều động ông Nguyễn Văn Đức\nĐiều 2. Hiệu lực")
    make_outgoing(staff, "Dự thảo kế hoạch", status="draft")
    incoming = make_incoming(bnv, "Báo cáo tình hình lũ lụt", notation="12/BC-UBND", text="Thiệt hại ước tính 5,2 tỷ đồng")
    IncomingFile.objects.create(incoming=incoming, kind=IncomingFile.Kind.ATTACHMENT, name="phu-luc.pdf")
    Assignment.objects.create(incoming=incoming, role=Assignment.Role.LEAD, member=staff["specialist"])
    Assignment.objects.create(incoming=incoming, role=Assignment.Role.COOPERATE, unit=staff["office"])
    incoming.doc_date = datetime.date(2025, 12, 31)
    incoming.save()
    by_signals = snapshot()
    Entry.objects.all().delete()
    call_command("search_reindex", sql=True, verbosity=0)
    assert snapshot() == by_signals

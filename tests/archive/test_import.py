"""Importing archive batches: refused whole with every bad row by line, duplicates shown, scans stored and read,
never in the live registers."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archive import services
from archive.models import ArchiveBatch, ArchivedDocument
from documents.models import Incoming, Outgoing, Register
from ocr.models import FileText
from tests import factories
from tests.archive.conftest import csv_bytes, package, row, scans_for, xlsx_bytes, zip_bytes

pytestmark = pytest.mark.django_db


def upload(data, name="goi.zip"):
    return SimpleUploadedFile(name, data, content_type="application/zip")


def imported(clerk, data, capture, **kwargs):
    with capture(execute=True):
        return services.batch_import(membership=clerk, title="Phông UBND 1998", package_file=upload(data), **kwargs)


def test_a_good_batch_is_imported_its_scans_stored_and_read(clerk, django_capture_on_commit_callbacks):
    rows = [row(n) for n in range(1, 4)]
    registers_before = list(Register.objects.values_list("pk", flat=True))
    batch = imported(clerk, package(rows), django_capture_on_commit_callbacks)
    batch.refresh_from_db()
    assert batch.status in (ArchiveBatch.Status.READING, ArchiveBatch.Status.DONE)
    assert batch.total == 3 and not batch.errors.exists()
    documents = list(batch.documents.order_by("line"))
    assert [d.line for d in documents] == [2, 3, 4]
    first = documents[0]
    assert (first.full_notation, first.doc_type, first.doc_date) == ("1/QĐ-UBND", "QĐ", datetime.date(1998, 3, 15))
    assert (first.box, first.file_ref, first.issuer) == ("12", "1", "Ủy ban nhân dân tỉnh Kon Tum")
    assert all(d.scan and d.scan_sha256 for d in documents)
    assert FileText.objects.filter(field="scan", object_id__in=[d.pk for d in documents]).count() == 3
    # Never in the live registers: no incoming or outgoing row, no register touched.
    assert not Incoming.objects.exists() and not Outgoing.objects.exists()
    assert list(Register.objects.values_list("pk", flat=True)) == registers_before


def test_every_bad_row_is_reported_by_line_and_nothing_is_imported(clerk, django_capture_on_commit_callbacks):
    rows = [row(1), row(2, **{"Trích yếu": ""}), row(3, **{"Ngày văn bản": "31/02/1998"}),
            row(4, **{"Loại văn bản": "Thư tình"}), row(5, scan="scans/khong-co.pdf"), row(6), row(7),
            row(8, **{"Số": "1"})]
    scans = scans_for([r for r in rows if r["Số"] != "5"])
    scans["scans/vb0006.pdf"] = b"not a scan at all"
    scans["scans/vb0007.pdf"] = scans["scans/vb0001.pdf"]
    rows[6]["Tệp bản quét"] = "scans/vb0001.pdf"
    batch = imported(clerk, package(rows, scans=scans), django_capture_on_commit_callbacks)
    assert batch.status == ArchiveBatch.Status.REJECTED
    errors = {error.line: error.message for error in batch.errors.all()}
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9}, errors
    assert "trích yếu" in errors[3]
    assert "31/02/1998" in errors[4]
    assert "Thư tình" in errors[5]
    assert "khong-co.pdf" in errors[6]
    assert "vb0006.pdf" in errors[7]
    assert "dòng 2" in errors[8]
    assert "dòng 2" in errors[9]
    assert not ArchivedDocument.objects.exists()
    assert not batch.source


def test_a_package_without_a_sheet_is_refused_as_a_whole(clerk, django_capture_on_commit_callbacks):
    batch = imported(clerk, zip_bytes(scans_for([row(1)])), django_capture_on_commit_callbacks)
    assert batch.status == ArchiveBatch.Status.REJECTED
    assert [error.line for error in batch.errors.all()] == [0]


def test_an_xlsx_sheet_given_apart_with_date_cells(clerk, django_capture_on_commit_callbacks):
    rows = [row(1, **{"Ngày văn bản": datetime.datetime(1997, 12, 1), "Loại văn bản": "CV",
                      "Ký hiệu": "UBND-VP"})]
    sheet = SimpleUploadedFile("du-lieu.xlsx", xlsx_bytes(rows))
    batch = imported(clerk, package(rows, metadata=None), django_capture_on_commit_callbacks, metadata_file=sheet)
    assert batch.status != ArchiveBatch.Status.REJECTED, list(batch.errors.values_list("line", "message"))
    document = batch.documents.get()
    assert (document.doc_date, document.doc_type, document.full_notation) == (datetime.date(1997, 12, 1), "CV",
                                                                              "1/UBND-VP")


def test_duplicates_of_registered_and_archived_documents_are_shown(clerk, django_capture_on_commit_callbacks):
    agency = clerk.agency
    registered = Incoming.objects.create(agency=agency, source=Incoming.Source.PAPER,
                                         sender_name="UBND tỉnh Kon Tum", notation="15/QĐ-UBND",
                                         summary="Về phòng chống thiên tai")
    outgoing = Outgoing.objects.create(
        agency=agency, drafting_unit=clerk.unit, created_by=clerk.user,
        signer=clerk, summary="Kế hoạch", status=Outgoing.Status.ISSUED, number=7, year=1998, notation="07/KH-BNV",
        issued_at=timezone.now())
    # Typed without diacritics, number without its zero, spaces for dashes: still the same documents.
    rows = [row(15, **{"Cơ quan ban hành": "UBND tinh Kon Tum", "Ký hiệu": "qd ubnd"}), row(16),
            row(7, **{"Ký hiệu": "KH-BNV", "Cơ quan ban hành": "Bộ Nội vụ", "Loại văn bản": "KH"})]
    first = imported(clerk, package(rows), django_capture_on_commit_callbacks)
    by_line = {d.line: d for d in first.documents.all()}
    assert by_line[2].duplicate_incoming == registered and not by_line[3].is_duplicate
    assert by_line[4].duplicate_outgoing == outgoing
    again = imported(clerk, package([row(16)]), django_capture_on_commit_callbacks)
    assert again.documents.get().duplicate_archived == by_line[3]


def test_a_folder_picked_in_the_browser_is_imported(clerk, client, django_capture_on_commit_callbacks):
    rows = [row(1, scan="vb0001.pdf"), row(2, scan="vb0002.pdf")]
    files = [SimpleUploadedFile(name, data) for name, data in scans_for(rows).items()]
    files.append(SimpleUploadedFile("du-lieu.csv", csv_bytes(rows)))
    factories_login(client, clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/archive/batches/", {"title": "Thư mục", "folder": files})
    batch = ArchiveBatch.objects.get()
    assert response.status_code == 302 and response.url == f"/archive/batches/{batch.pk}/"
    assert batch.status != ArchiveBatch.Status.REJECTED, list(batch.errors.values_list("line", "message"))
    assert batch.documents.count() == 2


def factories_login(client, member):
    from tests.conftest import login

    login(client, member.user)


def test_only_the_agencys_clerks_see_its_batches(clerk, specialist, other_agency, client,
                                                   django_capture_on_commit_callbacks):
    batch = imported(clerk, package([row(1)]), django_capture_on_commit_callbacks)
    document = batch.documents.get()
    factories_login(client, specialist)
    assert client.get("/archive/batches/").status_code == 403
    # Staff of the agency open the archived document and its scan.
    assert client.get(f"/archive/documents/{document.pk}/").status_code == 200
    assert client.get(f"/archive/documents/{document.pk}/scan/").status_code == 200
    outsider = factories.make_member(other_agency, "clerk")
    factories_login(client, outsider)
    assert client.get(f"/archive/batches/{batch.pk}/").status_code == 404
    assert client.get(f"/archive/batches/{batch.pk}/progress/").status_code == 404
    assert client.get(f"/archive/documents/{document.pk}/").status_code == 404
    factories_login(client, clerk)
    progress = client.get(f"/archive/batches/{batch.pk}/progress/").json()
    assert (progress["total"], progress["stored"], progress["read"], progress["percent"]) == (1, 1, 1, 100)
    page = client.get(f"/archive/batches/{batch.pk}/").content.decode()
    assert "data-archive-progress" in page and "<script>" not in page


def test_the_archived_document_page_shows_the_text_of_its_scan(clerk, client, django_capture_on_commit_callbacks):
    batch = imported(clerk, package([row(1)]), django_capture_on_commit_callbacks)
    document = batch.documents.get()
    factories_login(client, clerk)
    page = client.get(f"/archive/documents/{document.pk}/").content.decode()
    assert "1/QĐ-UBND" in page and "phòng chống thiên tai" in page
    assert 'data-testid="archived-text"' in page and "Quyết định số 1:" in page


def test_staff_of_the_agency_list_its_archived_documents_page_by_page(clerk, specialist, other_agency, client,
                                                                       django_capture_on_commit_callbacks, settings):
    from archive import selectors

    batch = imported(clerk, package([row(n, **{"Hộp số": "7" if n % 2 else "8"}) for n in range(1, 8)]),
                     django_capture_on_commit_callbacks)
    factories_login(client, specialist)
    listed = client.get("/archive/documents/?box=7").content.decode()
    assert len(re.findall(r'href="/archive/documents/\d+/"', listed)) == 4
    first, after = selectors.archived_page(user=specialist.user, filters={}, before=None)
    assert len(first) == 7 and after is None
    selectors.PAGE_SIZE, size = 3, selectors.PAGE_SIZE
    try:
        first, after = selectors.archived_page(user=specialist.user, filters={}, before=None)
        second, _ = selectors.archived_page(user=specialist.user, filters={}, before=after)
    finally:
        selectors.PAGE_SIZE = size
    assert [d.line for d in first] == [8, 7, 6] and [d.line for d in second] == [5, 4, 3]
    factories_login(client, factories.make_member(other_agency, "specialist"))
    assert not re.findall(r'href="/archive/documents/\d+/"', client.get("/archive/documents/").content.decode())
    assert batch.documents.count() == 7


def test_archived_documents_take_no_number_of_the_live_registers(clerk, django_capture_on_commit_callbacks):
    from django.db import transaction

    from documents.numbering import number_take, register_for

    registers = [register_for(clerk.agency, kind) for kind in Register.Kind.values]
    with transaction.atomic():
        taken = [number_take(register).value for register in registers]
    this_year = f"01/01/{datetime.date.today().year}"
    imported(clerk, package([row(n, **{"Ngày văn bản": this_year}) for n in range(1, 4)]),
             django_capture_on_commit_callbacks)
    with transaction.atomic():
        assert [number_take(register).value for register in registers] == [n + 1 for n in taken]

"""Files never run: typed from their content, sandboxed inline or downloaded; active content is never signed;
incoming active content is flagged; paper scans are real files; a refused upload leaves nothing on disk."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from core import files as core_files
from documents.models import Incoming, IncomingFile, Outgoing, OutgoingFile, Recipient
from documents.services import incoming as incoming_services
from documents.services import outgoing as services
from tests import factories
from tests.core import samples
from tests.documents.conftest import approved, make_draft, pdf_upload, to_agency

pytestmark = pytest.mark.django_db
ACTIVE = [samples.pdf_open_action_js, samples.pdf_names_javascript, samples.pdf_embedded_file,
          samples.pdf_with_zip_appended, samples.pdf_page_aa_launch, samples.pdf_xfa]


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def assert_served_safely(response, *, content_type, inline):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp and "allow-scripts" not in csp
    assert response["Content-Disposition"].startswith("inline" if inline else "attachment")


@pytest.fixture
def kontum(db):
    agency = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", short_name="UBND", code="000.00.00.H34",
                                   domain="kontum.gov.vn")
    office = factories.make_unit(agency, "Văn phòng", "VP")
    return {"agency": agency, "clerk": factories.make_member(agency, "clerk", unit=office, position="Văn thư"),
            "leader": factories.make_member(agency, "leader", unit=office, position="Chủ tịch")}


def form_data(unit, leader, **files):
    return {"doc_type": "CV", "summary": "V/v thử tệp", "secrecy": "", "urgency": "", "drafting_unit": unit.pk,
            "signer": leader.pk, "archive_copies": 2, **files}


# --- Outgoing: active content is refused at upload and at issue ------------------------------------

@pytest.mark.parametrize("sample", ACTIVE, ids=lambda s: s.__name__)
def test_a_main_file_with_active_content_is_refused_on_the_draft_form(client_for, specialist, leader, unit,
                                                                      sample, settings):
    response = client_for(specialist).post("/outgoing/new/", form_data(
        unit, leader, main_file=pdf_upload("to-trinh.pdf", data=sample())))
    page = response.content.decode()
    assert response.status_code == 200 and not Outgoing.objects.exists()
    assert "có nội dung chủ động" in page and "in lại ra PDF" in page and "to-trinh.pdf" in page
    assert stored_files(settings) == []


@pytest.mark.parametrize("sample", [samples.pdf_open_action_js, samples.pdf_with_zip_appended],
                         ids=lambda s: s.__name__)
def test_an_attachment_with_active_content_is_refused_and_nothing_is_left_on_disk(client_for, specialist,
                                                                                  leader, unit, sample, settings):
    response = client_for(specialist).post("/outgoing/new/", form_data(
        unit, leader, main_file=pdf_upload(), attachments=[pdf_upload("phu-luc-1.pdf"), pdf_upload("phu-luc-2.pdf"),
                                                             pdf_upload("phu-luc-3.pdf", data=sample())]))
    assert response.status_code == 200 and "phu-luc-3.pdf" in response.content.decode()
    assert not Outgoing.objects.exists() and not OutgoingFile.objects.exists()
    # Only the sound main file stays, kept aside for this person's next try (documents/uploads.py, issue 12);
    # none of the attachments, the refused one least of all.
    kept = stored_files(settings)
    assert [path.parent.name for path in kept] == ["kept-uploads"]
    facts = core_files.inspect(kept[0].read_bytes())
    assert facts.kind == core_files.Kind.PDF and not facts.problem and not facts.active


def test_a_refused_attachment_on_edit_keeps_the_draft_and_writes_nothing(client_for, specialist, leader, unit,
                                                                        other_agency, settings):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    before = stored_files(settings)
    response = client_for(specialist).post(f"/outgoing/{outgoing.pk}/edit/", form_data(
        unit, leader, attachments=[pdf_upload("ok.pdf"), pdf_upload("js.pdf", data=samples.pdf_names_javascript())]))
    assert response.status_code == 200 and "js.pdf" in response.content.decode()
    assert outgoing.files.count() == 1 and stored_files(settings) == before


def test_replacing_the_main_file_removes_the_old_one_from_disk(specialist, leader, other_agency, settings,
                                                               django_capture_on_commit_callbacks):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    old = Path(outgoing.files.get().draft.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.outgoing_update(membership=specialist, outgoing=outgoing, main_file=pdf_upload("moi.pdf"))
    assert not old.exists() and len(stored_files(settings)) == 1


@pytest.mark.parametrize("sample", [samples.pdf_open_action_js, samples.pdf_with_zip_appended],
                         ids=lambda s: s.__name__)
@pytest.mark.parametrize("kind", [OutgoingFile.Kind.MAIN, OutgoingFile.Kind.ATTACHMENT])
def test_active_content_that_reached_issue_is_never_signed(certified, specialist, leader, clerk, other_agency,
                                                           sample, kind, settings):
    outgoing = approved(specialist, leader, to_agency(other_agency), attachments=[pdf_upload("phu-luc.pdf")])
    file = outgoing.files.get(kind=kind)
    # What issue seals: the main file as the signer signed it, an attachment as uploaded.
    stored = file.approved if kind == OutgoingFile.Kind.MAIN else file.draft
    data = sample()
    with open(stored.path, "wb") as handle:  # as if it had been stored before the check existed
        handle.write(data)
    if kind == OutgoingFile.Kind.MAIN:  # ...with the digest of those bytes (core.storage checks it)
        OutgoingFile.objects.filter(pk=file.pk).update(approved_sha256=core_files.sha256(data))
    with pytest.raises(ValidationError) as caught:
        services.outgoing_issue(membership=clerk, outgoing=outgoing)
    assert "có nội dung chủ động" in caught.value.messages[0] and file.name in caught.value.messages[0]
    outgoing.refresh_from_db()
    assert outgoing.status == Outgoing.Status.APPROVED and outgoing.number is None
    assert not outgoing.files.exclude(signed="").exists()
    assert not any("BNV" in p.name for p in stored_files(settings))


def test_display_names_are_stored_nfc(specialist, leader, other_agency):
    import unicodedata

    outgoing = services.outgoing_create(
        membership=specialist, main_file=pdf_upload(unicodedata.normalize("NFD", "Tờ trình.pdf")),
        doc_type="CV", summary="x", drafting_unit=specialist.unit, signer=leader, archive_copies=1)
    assert outgoing.files.get().name == "Tờ trình.pdf"


# --- Paper scans ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data"), [
    ("rong.pdf", b""),
    ("15-byte.pdf", samples.FIFTEEN_BYTE_PDF),
    ("cut.pdf", samples.pdf_bytes()[:-300]),
    ("png-header.png", samples.PNG_HEADER_ONLY),
    ("trang.html", b"%PDF-1.4\n<html><script>document.title='x'</script></html>"),
])
def test_a_broken_scan_is_refused_before_a_number_is_taken(client_for, kontum, name, data, settings):
    response = client_for(kontum["clerk"]).post("/incoming/paper/new/", {
        "sender_name": "Sở Nội vụ", "summary": "Bản giấy", "doc_type": "CV",
        "scans": [pdf_upload("dau.pdf"), SimpleUploadedFile(name, data)],
    })
    assert response.status_code == 200 and (name in response.content.decode() or not data)
    assert not Incoming.objects.exists() and stored_files(settings) == []
    # The register was not touched: the next paper document still takes number 1.
    incoming = incoming_services.incoming_from_paper(membership=kontum["clerk"], scans=[pdf_upload()],
                                                     sender_name="Sở Nội vụ", summary="Bản giấy")
    assert incoming.arrival_number == 1


def test_a_scan_refused_after_its_files_were_written_leaves_nothing_behind(kontum, settings):
    fields = {"sender_name": "Sở Tài chính", "summary": "Báo cáo", "notation": "12/BC-STC"}
    incoming_services.incoming_from_paper(membership=kontum["clerk"], scans=[pdf_upload()], **fields)
    before = stored_files(settings)
    with pytest.raises(incoming_services.DuplicateWarning):
        incoming_services.incoming_from_paper(
            membership=kontum["clerk"], scans=[pdf_upload("a.pdf"), pdf_upload("b.pdf"), pdf_upload("c.pdf")], **fields)
    assert stored_files(settings) == before and Incoming.objects.count() == 1


def test_images_and_pdfs_that_open_are_registered(kontum):
    incoming = incoming_services.incoming_from_paper(
        membership=kontum["clerk"], sender_name="Sở Nội vụ", summary="Bản giấy",
        scans=[pdf_upload(), SimpleUploadedFile("trang-2.png", samples.png_bytes()),
               SimpleUploadedFile("trang-3.jpg", samples.png_bytes(fmt="JPEG"))])
    assert [f.content_type for f in incoming.files.order_by("pk")] == ["application/pdf", "image/png", "image/jpeg"]


# --- Incoming active content is kept and flagged ----------------------------------------------------

def test_an_incoming_pdf_with_script_is_kept_and_flagged_on_the_page_and_in_the_register(client_for, kontum):
    clerk, data = kontum["clerk"], samples.pdf_open_action_js()
    incoming = incoming_services.incoming_from_paper(
        membership=clerk, sender_name="Sở Nội vụ", summary="Tờ trình có mã", scans=[pdf_upload("co-ma.pdf", data=data)])
    file = incoming.files.get()
    assert any("JavaScript" in finding for finding in file.active_content)
    with file.file.open("rb") as handle:
        assert handle.read() == data  # the original is the evidence
    client = client_for(clerk)
    page = client.get(f"/incoming/{incoming.pk}/").content.decode()
    assert 'data-testid="active-content"' in page and "Có nội dung chủ động" in page and "JavaScript" in page
    register = client.get("/registers/incoming/").content.decode()
    assert register.count('data-testid="active-content"') == 1
    clean = incoming_services.incoming_from_paper(membership=clerk, sender_name="Sở Nội vụ", summary="Sạch",
                                                  scans=[pdf_upload()])
    assert 'data-testid="active-content"' not in client.get(f"/incoming/{clean.pk}/").content.decode()


# --- Every file view: type from content, nosniff, sandbox, no-store ---------------------------------

def test_outgoing_files_are_served_safely(client_for, specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    url = f"/outgoing/{outgoing.pk}/files/{outgoing.files.get().pk}/"
    client = client_for(leader)
    assert_served_safely(client.get(url), content_type="application/pdf", inline=True)
    assert_served_safely(client.get(url + "?download=1"), content_type="application/pdf", inline=False)
    assert client_for(factories.make_member(other_agency, "leader")).get(url).status_code == 404


def test_a_stored_file_that_is_html_is_a_download_whatever_its_name(client_for, kontum):
    """A file stored before the checks (no content type recorded) is sniffed from its bytes, not its name."""
    clerk = kontum["clerk"]
    incoming = incoming_services.incoming_from_paper(membership=clerk, scans=[pdf_upload()],
                                                     sender_name="Sở Nội vụ", summary="x")
    file = IncomingFile.objects.create(incoming=incoming, kind=IncomingFile.Kind.ATTACHMENT, name="trang.html",
                                       file=ContentFile(b"<script>document.title='pwned'</script>", "trang.html"))
    response = client_for(clerk).get(f"/incoming/{incoming.pk}/files/{file.pk}/")
    assert_served_safely(response, content_type="application/octet-stream", inline=False)
    assert 'filename="trang.html"' in response["Content-Disposition"]


def test_a_scan_named_html_starting_with_pdf_is_never_html(client_for, kontum):
    clerk = kontum["clerk"]
    incoming = incoming_services.incoming_from_paper(membership=clerk, scans=[pdf_upload()],
                                                     sender_name="Sở Nội vụ", summary="x")
    old = IncomingFile.objects.create(incoming=incoming, kind=IncomingFile.Kind.ATTACHMENT, name="scan.html",
                                      file=ContentFile(b"%PDF-1.4\n<html><script>alert(1)</script>", "scan.html"))
    response = client_for(clerk).get(f"/incoming/{incoming.pk}/files/{old.pk}/")
    assert_served_safely(response, content_type="application/pdf", inline=True)


def test_a_pdf_html_polyglot_delivered_through_the_portal_is_not_inline_html(
        client_for, certified, specialist, leader, clerk, kontum, django_capture_on_commit_callbacks):
    outgoing = approved(specialist, leader, to_agency(kontum["agency"], role=Recipient.Role.KINH_GUI))
    with django_capture_on_commit_callbacks(execute=True):
        services.outgoing_issue(membership=clerk, outgoing=outgoing)
    incoming = Incoming.objects.get(agency=kontum["agency"])
    file = incoming.files.get()
    assert (file.content_type, file.active_content) == ("application/pdf", [])  # our signed copy is clean
    with open(file.file.path, "ab") as handle:  # a polyglot issued before the check existed
        handle.write(b"<html><script>document.title='pwned'</script></html>")
    with open(file.file.path, "rb") as handle:  # ...with the digest of those bytes (core.storage checks it)
        IncomingFile.objects.filter(pk=file.pk).update(content_type="", sha256=core_files.sha256(handle.read()))
    response = client_for(kontum["clerk"]).get(f"/incoming/{incoming.pk}/files/{file.pk}/")
    assert_served_safely(response, content_type="application/pdf", inline=True)
    assert "html" not in response["Content-Type"]
    response = client_for(kontum["clerk"]).get(f"/incoming/{incoming.pk}/files/{file.pk}/?download=1")
    assert_served_safely(response, content_type="application/pdf", inline=False)


def test_the_citizens_download_is_served_safely(client, certified, specialist, leader, clerk):
    from public_site.views import SESSION_GRANTS

    citizen = {"kind": Recipient.Kind.CITIZEN, "email": "dan@example.com", "name": "Ông Dân", "dossier": ""}
    outgoing = services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, citizen))
    delivery = outgoing.deliveries.get(email="dan@example.com")
    session = client.session
    session[SESSION_GRANTS] = [delivery.pk]
    session.save()
    response = client.get(f"/lookup/d/{delivery.pk}/files/{outgoing.files.get().pk}/")
    assert_served_safely(response, content_type="application/pdf", inline=False)


def test_the_download_name_is_nfc_even_for_a_name_stored_decomposed(client_for, kontum):
    import unicodedata
    from urllib.parse import quote

    clerk = kontum["clerk"]
    incoming = incoming_services.incoming_from_paper(membership=clerk, scans=[pdf_upload()],
                                                     sender_name="Sở Nội vụ", summary="x")
    IncomingFile.objects.filter(incoming=incoming).update(name=unicodedata.normalize("NFD", "Tờ trình.pdf"))
    file = incoming.files.get()
    response = client_for(clerk).get(f"/incoming/{incoming.pk}/files/{file.pk}/?download=1")
    assert quote("Tờ trình.pdf") in response["Content-Disposition"]
    assert quote(unicodedata.normalize("NFD", "Tờ trình.pdf")) not in response["Content-Disposition"]
    assert client_for(factories.make_member(factories.make_agency("Khác", code="000.00.00.Z99"), "clerk")).get(
        f"/incoming/{incoming.pk}/files/{file.pk}/").status_code == 404

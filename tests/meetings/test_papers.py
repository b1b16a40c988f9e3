"""Meeting papers: taken only when their bytes are a PDF, an image or an office document without active content;
a new version replaces the old one for readers (both kept); read in the portal by those who may see the meeting
and by an invitee's link — never by link for a secret meeting; every opening recorded."""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from meetings.models import PaperOpening
from meetings.services.papers import paper_add, paper_version_add
from meetings.tokens import invitee_token
from tests import factories
from tests.core.samples import pdf_bytes, pdf_open_action_js, png_bytes, zip_bytes

from .meeting_data import invite_agency, invite_email, make_meeting


def office_bytes(*extra):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for name in extra:
            archive.writestr(name, b"\x00vba")
    return buffer.getvalue()


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def meeting(specialist, leader, other_agency):
    meeting = make_meeting(specialist, leader)
    invite_agency(meeting, other_agency)
    return meeting


@pytest.fixture
def guest(other_agency):
    """A staff member of the invited agency on the portal."""
    return factories.make_member(other_agency, "specialist", unit=factories.make_unit(other_agency))


def add(member, meeting, name="du-thao.pdf", data=None, title="Dự thảo báo cáo"):
    return paper_add(membership=member, meeting=meeting, title=title, file=upload(name, pdf_bytes() if data is None else data))


@pytest.mark.parametrize("name,data,kind", [
    ("bao-cao.pdf", pdf_bytes(), "application/pdf"),
    ("so-do.png", png_bytes(), "image/png"),
    ("du-thao.docx", office_bytes(), "application/octet-stream"),
])
def test_pdfs_images_and_office_documents_are_taken_by_their_bytes(meeting, specialist, name, data, kind):
    paper = add(specialist, meeting, name, data)
    version = paper.versions.get()
    assert (version.number, version.name, version.content_type, version.size) == (1, name, kind, len(data))


@pytest.mark.parametrize("name,data,words", [
    ("bao-cao.pdf", pdf_open_action_js(), "nội dung chủ động"),
    ("du-thao.docm", office_bytes("word/vbaProject.bin"), "macro"),
    ("trang.pdf", b"<html><script>alert(1)</script></html>", "không phải PDF, ảnh hay tài liệu văn phòng"),
    ("tai-lieu.zip", zip_bytes(), "không phải PDF, ảnh hay tài liệu văn phòng"),
    ("rong.pdf", b"", "rỗng"),
])
def test_active_content_and_unknown_files_are_refused_with_a_clear_message(meeting, specialist, name, data, words):
    with pytest.raises(ValidationError) as refused:
        add(specialist, meeting, name, data)
    assert words in refused.value.messages[0] and name in refused.value.messages[0]
    assert not meeting.papers.exists()


def test_only_the_organising_side_adds_papers(meeting, specialist, clerk, agency, other_agency, guest):
    other_unit = factories.make_member(agency, "specialist", unit=factories.make_unit(agency, "Vụ Pháp chế", "PC"))
    add(clerk, meeting)  # the organiser's clerk
    paper = add(factories.make_member(agency, "specialist", unit=meeting.organising_unit), meeting)  # the unit
    for outsider in (other_unit, guest, factories.make_member(other_agency, "clerk")):
        with pytest.raises(PermissionDenied):
            add(outsider, meeting)
        with pytest.raises(PermissionDenied):
            paper_version_add(membership=outsider, paper=paper, file=upload("v2.pdf", pdf_bytes()))


def test_a_new_version_replaces_the_old_one_for_readers_and_openings_are_counted(
        meeting, specialist, guest, client_for, client):
    paper = add(specialist, meeting, "v1.pdf", pdf_bytes("Bản 1"))
    old = paper.versions.get()
    client_for(guest)
    assert client.get(f"/meetings/{meeting.pk}/papers/{old.pk}/").status_code == 200
    new = paper_version_add(membership=specialist, paper=paper, file=upload("v2.pdf", pdf_bytes("Bản 2")),
                            note="Sửa số liệu")
    assert client.get(f"/meetings/{meeting.pk}/papers/{old.pk}/").status_code == 404
    response = client.get(f"/meetings/{meeting.pk}/papers/{new.pk}/")
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert list(PaperOpening.objects.values_list("version__number", "user")) == [(2, guest.user.pk),
                                                                                  (1, guest.user.pk)]
    # The organising side keeps both versions and sees who opened what.
    client_for(specialist)
    assert client.get(f"/meetings/{meeting.pk}/papers/{old.pk}/").status_code == 200
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "v2.pdf" in page and "v1.pdf" in page and "Sửa số liệu" in page
    assert "3 lượt mở" in page and guest.user.full_name in page


def test_an_office_document_is_a_download(meeting, specialist, client_for, client):
    version = add(specialist, meeting, "du-thao.docx", office_bytes()).versions.get()
    client_for(specialist)
    response = client.get(f"/meetings/{meeting.pk}/papers/{version.pk}/")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"


def test_staff_of_an_agency_not_invited_get_404(meeting, specialist, client_for, client):
    version = add(specialist, meeting).versions.get()
    stranger_agency = factories.make_agency("Sở Tài chính tỉnh Kon Tum")
    for stranger in (factories.make_member(stranger_agency, "clerk"), factories.make_member(stranger_agency, "leader")):
        client_for(stranger)
        assert client.get(f"/meetings/{meeting.pk}/papers/{version.pk}/").status_code == 404
    assert not PaperOpening.objects.exists()


def test_an_invitee_reads_the_newest_version_by_link_and_the_opening_is_recorded(meeting, specialist, client):
    invitee = invite_email(meeting)
    paper = add(specialist, meeting, "v1.pdf")
    old = paper.versions.get()
    new = paper_version_add(membership=specialist, paper=paper, file=upload("so-do.png", png_bytes()))
    token = invitee_token(invitee)
    response = client.get(f"/m/{token}/papers/{new.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/m/{token}/papers/{old.pk}/").status_code == 404
    assert list(PaperOpening.objects.values_list("invitee", "user")) == [(invitee.pk, None)]
    # The link page lists the paper with its link.
    page = client.get(f"/m/{token}/").content.decode()
    assert f"/m/{token}/papers/{new.pk}/" in page and "so-do.png" in page


def test_an_invitees_link_cannot_open_another_meetings_paper(meeting, specialist, leader, client):
    invitee = invite_email(meeting)
    other = make_meeting(specialist, leader, title="Họp giao ban tuần")
    invite_email(other)
    foreign = add(specialist, other).versions.get()
    assert client.get(f"/m/{invitee_token(invitee)}/papers/{foreign.pk}/").status_code == 404
    assert client.get(f"/m/not-a-token/papers/{foreign.pk}/").status_code == 404
    assert not PaperOpening.objects.exists()


def test_a_secret_meetings_papers_are_never_reachable_by_link(specialist, leader, other_agency, guest, client,
                                                              client_for):
    secret = make_meeting(specialist, leader, secret=True, title="Họp bàn phương án bảo vệ")
    invitee = invite_email(secret)
    agency_invitee = invite_agency(secret, other_agency)
    version = add(specialist, secret).versions.get()
    for token in (invitee_token(invitee), invitee_token(agency_invitee)):
        response = client.get(f"/m/{token}/papers/{version.pk}/")
        assert response.status_code == 403
        assert "cuộc họp mật không mở được qua đường dẫn" in response.content.decode()
    assert not PaperOpening.objects.exists()
    # Inside the portal the invited agency's clerk reads it; its other staff do not (secret: clerks and leaders).
    client_for(guest)
    assert client.get(f"/meetings/{secret.pk}/papers/{version.pk}/").status_code == 404
    guest_clerk = factories.make_member(other_agency, "clerk")
    client_for(guest_clerk)
    assert client.get(f"/meetings/{secret.pk}/papers/{version.pk}/").status_code == 200
    assert list(PaperOpening.objects.values_list("user", flat=True)) == [guest_clerk.user.pk]


def test_papers_are_added_from_the_meeting_page(meeting, specialist, client_for, client):
    client_for(specialist)
    response = client.post(f"/meetings/{meeting.pk}/papers/add/", {
        "title": "Báo cáo tổng hợp", "file": upload("tong-hop.pdf", pdf_bytes()), "paper_copies": "on"}, follow=True)
    assert "Đã đưa tài liệu “Báo cáo tổng hợp” lên." in response.content.decode()
    paper = meeting.papers.get()
    assert paper.paper_copies and paper.versions.get().name == "tong-hop.pdf"
    response = client.post(f"/meetings/{meeting.pk}/papers/{paper.pk}/versions/add/", {
        "file": upload("tong-hop.docm", office_bytes("word/vbaProject.bin"))}, follow=True)
    assert "có macro" in response.content.decode() and paper.versions.count() == 1


def test_invitees_read_nothing_before_the_invitation_is_issued(specialist, leader, other_agency, guest, client,
                                                               client_for):
    draft = make_meeting(specialist, leader, issued=False, title="Họp chuẩn bị")
    invitee = invite_email(draft)
    invite_agency(draft, other_agency)
    version = add(specialist, draft).versions.get()
    assert client.get(f"/m/{invitee_token(invitee)}/papers/{version.pk}/").status_code == 404
    client_for(guest)
    assert client.get(f"/meetings/{draft.pk}/papers/{version.pk}/").status_code == 404
    client_for(specialist)
    assert client.get(f"/meetings/{draft.pk}/papers/{version.pk}/").status_code == 200

"""With STORAGE_URL every stored file is an object in the bucket: uploads land there and not on the disk, downloads
are streamed through the portal's permission checks (never a redirect to the bucket), signed files are written once,
and a signed file changed in the bucket is refused when read back."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from core import files as core_files
from core.storage import TamperedFile, save_once
from documents.mail_delivery import email_attachments
from documents.models import Outgoing, OutgoingFile
from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import approved, pdf_bytes, pdf_upload, to_agency
from tests.storage.conftest import files_on_disk, use_local_disk

pytestmark = pytest.mark.django_db


def form_data(unit, leader, **files):
    return {"doc_type": "CV", "summary": "V/v lưu tệp trong kho đối tượng", "secrecy": "", "urgency": "",
            "drafting_unit": unit.pk, "signer": leader.pk, "archive_copies": 2, **files}


def issued(specialist, leader, clerk, other_agency):
    return services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, to_agency(other_agency)))


def test_a_draft_uploaded_through_the_form_lands_in_the_bucket_and_not_on_disk(in_bucket, client_for, specialist,
                                                                               leader, unit, settings):
    data = pdf_bytes(text="Dự thảo công văn")
    response = client_for(specialist).post("/outgoing/new/", form_data(
        unit, leader, main_file=pdf_upload("du-thao.pdf", data=data), attachments=[pdf_upload("phu-luc.pdf")]))
    assert response.status_code == 302, response.content.decode()[:2000]
    main = OutgoingFile.objects.get(kind=OutgoingFile.Kind.MAIN)
    attachment = OutgoingFile.objects.get(kind=OutgoingFile.Kind.ATTACHMENT)
    assert main.draft.name in in_bucket.keys() and attachment.draft.name in in_bucket.keys()
    assert in_bucket.get(main.draft.name) == data
    assert files_on_disk(settings.MEDIA_ROOT) == []


def test_a_download_is_streamed_through_the_view_and_refused_without_permission(in_bucket, client_for, specialist,
                                                                                leader, other_agency):
    data = pdf_bytes(text="Tệp chỉ người có quyền mới tải")
    outgoing = services.outgoing_create(
        membership=specialist, main_file=pdf_upload(data=data), attachments=[], doc_type="CV", summary="V/v thử",
        secrecy="", urgency="", drafting_unit=specialist.unit, signer=leader, archive_copies=1)
    url = f"/outgoing/{outgoing.pk}/files/{outgoing.files.get().pk}/?download=1"

    response = client_for(leader).get(url)
    assert response.status_code == 200 and response.streaming and "Location" not in response
    assert b"".join(response.streaming_content) == data
    assert in_bucket.name not in str(response.headers)  # nothing of the bucket's address reaches the browser

    stranger = factories.make_member(other_agency, "leader")
    refused = client_for(stranger).get(url)
    assert refused.status_code == 404 and "Location" not in refused


@pytest.mark.parametrize("where", ["bucket", "local disk"])
def test_a_signed_file_is_never_overwritten_nor_renamed(where, request, settings, certified, specialist, leader,
                                                        clerk, other_agency):
    bucket = request.getfixturevalue("in_bucket") if where == "bucket" else None
    if bucket is None:
        use_local_disk(settings)
    outgoing = issued(specialist, leader, clerk, other_agency)
    file = outgoing.files.get()
    before = file.signed.storage.open(file.signed.name, "rb").read()
    assert core_files.sha256(before) == file.signed_sha256
    stored = stored_names(bucket, settings)

    with pytest.raises(ValidationError, match="chỉ được ghi một lần"):
        save_once(file.signed, Path(file.signed.name).name, ContentFile(b"%PDF-1.7 forged"))
    again = OutgoingFile.objects.get(pk=file.pk)
    assert again.signed.name == file.signed.name
    assert again.signed.storage.open(again.signed.name, "rb").read() == before
    assert stored_names(bucket, settings) == stored  # nor kept under another name


def stored_names(bucket, settings):
    return bucket.keys() if bucket is not None else files_on_disk(settings.MEDIA_ROOT)


def test_a_signed_file_changed_in_the_bucket_is_refused_when_read(in_bucket, client_for, certified, specialist,
                                                                  leader, clerk, other_agency):
    outgoing = issued(specialist, leader, clerk, other_agency)
    file = outgoing.files.get()
    url = f"/outgoing/{outgoing.pk}/files/{file.pk}/?download=1"
    assert client_for(clerk).get(url).status_code == 200

    tampered = in_bucket.get(file.signed.name).replace(b"%%EOF", b"%%EOF\n% changed in the bucket\n")
    in_bucket.put(file.signed.name, tampered)

    response = client_for(clerk).get(url)
    assert response.status_code == 500 and not response.streaming
    assert "đã bị thay đổi so với lúc lưu" in response.content.decode() and file.name in response.content.decode()
    with pytest.raises(TamperedFile):
        email_attachments(Outgoing.objects.get(pk=outgoing.pk))
    # The draft, which has no recorded digest, is still served.
    assert client_for(clerk).get(url.replace("download=1", "version=draft")).status_code == 200

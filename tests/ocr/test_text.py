"""The text of stored files without OCR (cheap): requested once per file, read from the text layer after commit,
announced, taken again after a crashed worker, failed for good on a file that is no document, corrected by the
clerk (and only the clerk) on the incoming page."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from documents.models import Incoming, IncomingFile
from documents.services import incoming as incoming_services
from ocr import extraction, services, tasks
from ocr.models import FileText, PageCorrection
from ocr.signals import text_failed, text_ready
from tests.core import samples
from tests.documents.conftest import pdf_upload
from tests.ocr.pages import text_pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """Every text_ready sent, as (state, text)."""
    seen = []

    def receiver(sender, file_text, **kwargs):
        seen.append((file_text.state, file_text.text))

    text_ready.connect(receiver, dispatch_uid="test-received")
    yield seen
    text_ready.disconnect(dispatch_uid="test-received")


def paper(clerk, *scans, **fields):
    fields = {"sender_name": "Sở Nội vụ", "summary": "Báo cáo tình hình thiên tai", **fields}
    return incoming_services.incoming_from_paper(membership=clerk, scans=list(scans), **fields)


def text_of(file):
    return FileText.objects.get(object_id=file.pk, field="file")


def test_a_paper_document_s_files_get_their_text_layer_after_commit(clerk, received,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incoming = paper(clerk, pdf_upload(data=text_pdf_bytes(
            "Quyết định về phòng chống thiên tai – trang 1", "Quyết định về phòng chống thiên tai – trang 2")))
    file_text = text_of(incoming.files.get())
    assert file_text.state == FileText.State.DONE and file_text.method == FileText.Method.TEXT_LAYER
    assert file_text.pages == ["Quyết định về phòng chống thiên tai – trang 1",
                               "Quyết định về phòng chống thiên tai – trang 2"]
    assert "trang 1" in file_text.text and "trang 2" in file_text.text and not file_text.ocr_pdf
    assert file_text.sha256 == incoming.files.get().sha256 and file_text.attempts == 1
    assert received == [(FileText.State.DONE, file_text.text)]


def test_asking_twice_queues_once_and_a_rolled_back_arrival_leaves_no_row(clerk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        incoming = paper(clerk, pdf_upload())
    assert len(callbacks) >= 1 and FileText.objects.count() == 1
    file = incoming.files.get()
    with mock.patch.object(tasks.text_extract, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        assert services.text_request(file, "file") == text_of(file)
    delay.assert_not_called()
    # A duplicate refused before registering rolls the FileText back with the document.
    with pytest.raises(incoming_services.DuplicateWarning):
        paper(clerk, pdf_upload(), notation="1/BC-SNV")
        paper(clerk, pdf_upload(), notation="1/BC-SNV")
    assert FileText.objects.count() == Incoming.objects.count()


def test_the_same_bytes_are_read_once(clerk, django_capture_on_commit_callbacks):
    data = text_pdf_bytes("Công văn gửi nhiều nơi")
    with django_capture_on_commit_callbacks(execute=True):
        first = paper(clerk, pdf_upload(data=data), notation="1/CV")
    with mock.patch.object(extraction, "file_pages", side_effect=AssertionError("read again")), \
            django_capture_on_commit_callbacks(execute=True):
        second = paper(clerk, pdf_upload(data=data), notation="2/CV")
    assert text_of(second.files.get()).text == text_of(first.files.get()).text != ""


def test_a_tiny_image_has_no_text_and_a_file_that_is_no_document_fails_for_good(clerk, received,
                                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incoming = paper(clerk, pdf_upload(), samples_png())
    image = incoming.files.order_by("pk").last()
    assert text_of(image).state == FileText.State.NO_TEXT and text_of(image).pages == [""]
    failed = []
    text_failed.connect(lambda sender, file_text, **kw: failed.append(file_text.pk), weak=False, dispatch_uid="f")
    try:
        stored = IncomingFile.objects.create(incoming=incoming, name="x.bin", file=ContentFile(b"hello", "x.bin"))
        with django_capture_on_commit_callbacks(execute=True):
            file_text = services.text_request(stored, "file")
    finally:
        text_failed.disconnect(dispatch_uid="f")
    file_text.refresh_from_db()
    assert file_text.state == FileText.State.FAILED and "neither a PDF, an image nor" in file_text.error
    assert failed == [file_text.pk]


def samples_png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("anh.png", samples.png_bytes())


def _stuck(clerk, django_capture_on_commit_callbacks, **state):
    with django_capture_on_commit_callbacks(execute=False):
        incoming = paper(clerk, pdf_upload())
    file_text = text_of(incoming.files.get())
    FileText.objects.filter(pk=file_text.pk).update(**state)
    return file_text


def test_a_row_left_running_by_a_crashed_worker_is_taken_again_after_the_lease(clerk, settings,
                                                                               django_capture_on_commit_callbacks):
    settings.OCR_LEASE_SECONDS = 600
    now = timezone.now()
    file_text = _stuck(clerk, django_capture_on_commit_callbacks, state=FileText.State.RUNNING, attempts=1,
                       claimed_at=now - timedelta(seconds=60))
    # A live worker holds it: neither the beat nor a second delivery of the task touches it.
    assert extraction.recoverable_ids() == [] and extraction.extract(file_text.pk) is False
    FileText.objects.filter(pk=file_text.pk).update(claimed_at=now - timedelta(seconds=601))
    assert extraction.recoverable_ids() == [file_text.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.texts_recover() == 1
    file_text.refresh_from_db()
    assert file_text.state == FileText.State.DONE and file_text.attempts == 2 and file_text.claimed_at is None


def test_a_lost_pending_row_is_queued_again_and_retries_end_in_failed(clerk, settings,
                                                                      django_capture_on_commit_callbacks):
    settings.OCR_REQUEUE_SECONDS, settings.OCR_MAX_ATTEMPTS = 60, 2
    file_text = _stuck(clerk, django_capture_on_commit_callbacks)
    assert extraction.recoverable_ids() == []  # its task is still in the broker
    long_ago = timezone.now() - timedelta(seconds=61)
    FileText.objects.filter(pk=file_text.pk).update(queued_at=long_ago)
    assert extraction.recoverable_ids() == [file_text.pk]
    assert extraction.recoverable_ids() == []  # queued again just now: not twice
    with mock.patch.object(extraction, "file_pages", side_effect=OSError("disk gone")):
        assert extraction.extract(file_text.pk) is False
        file_text.refresh_from_db()
        assert file_text.state == FileText.State.PENDING and file_text.claimed_at > timezone.now()
        assert extraction.extract(file_text.pk) is False  # not before its retry time
        FileText.objects.filter(pk=file_text.pk).update(queued_at=long_ago)
        assert extraction.recoverable_ids() == []  # nor by the beat
        FileText.objects.filter(pk=file_text.pk).update(claimed_at=timezone.now())
        assert extraction.recoverable_ids() == [file_text.pk]
        extraction.extract(file_text.pk)
    file_text.refresh_from_db()
    assert file_text.state == FileText.State.FAILED and file_text.attempts == 2 and "disk gone" in file_text.error
    assert extraction.recoverable_ids() == []


def _done(clerk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incoming = paper(clerk, pdf_upload(data=text_pdf_bytes("Quyet dinh – trang 1", "Quyet dinh – trang 2")))
    return incoming, text_of(incoming.files.get())


def test_the_clerk_corrects_a_page_and_the_correction_is_kept(clerk, specialist, received,
                                                              django_capture_on_commit_callbacks):
    incoming, file_text = _done(clerk, django_capture_on_commit_callbacks)
    received.clear()
    decomposed = "Quye\u0302\u0301t đi\u0323nh – trang 1"
    with django_capture_on_commit_callbacks(execute=True):
        services.page_correct(user=clerk.user, file_text=file_text, page=1, text=decomposed)
    file_text.refresh_from_db()
    assert file_text.pages[0] == "Quyết định – trang 1" and file_text.text.startswith("Quyết định – trang 1")
    correction = PageCorrection.objects.get()
    assert (correction.before, correction.corrected_by) == ("Quyet dinh – trang 1", clerk.user)
    assert received == [(FileText.State.DONE, file_text.text)]
    with pytest.raises(PermissionDenied):
        services.page_correct(user=specialist.user, file_text=file_text, page=2, text="x")
    with pytest.raises(ValidationError):
        services.page_correct(user=clerk.user, file_text=file_text, page=3, text="x")


def test_the_incoming_page_shows_the_state_and_the_clerk_corrects_a_page_there(client_for, clerk, specialist,
                                                                                django_capture_on_commit_callbacks):
    incoming, file_text = _done(clerk, django_capture_on_commit_callbacks)
    file = incoming.files.get()
    page = client_for(clerk).get(f"/incoming/{incoming.pk}/").content.decode()
    assert 'data-testid="ocr-panel"' in page and "Đã có văn bản" in page and f"/files/{file.pk}/text/" in page
    url = f"/incoming/{incoming.pk}/files/{file.pk}/text/"
    text_page = client_for(clerk).get(url).content.decode()
    assert text_page.count('data-testid="ocr-page"') == 2 and "Quyet dinh – trang 2" in text_page
    response = client_for(clerk).post(url, {"page": "2", "text": "Quyết định – trang 2"})
    assert response.status_code == 302
    file_text.refresh_from_db()
    assert file_text.pages[1] == "Quyết định – trang 2"
    assert client_for(specialist).get(url).status_code == 403
    assert client_for(clerk).get(f"/incoming/{incoming.pk}/files/{file.pk}/ocr.pdf").status_code == 404


def test_a_text_layer_of_unmapped_glyphs_is_no_text_but_a_few_missing_diacritics_are():
    assert not extraction._has_text("■■■■ ■■ ■■■■■ ■■ 12")  # a font without a Unicode map: recognise the page
    assert extraction._has_text("Quy■t ■■nh v■ phòng ch■ng thiên tai")  # kept: most of it reads
    assert not extraction._has_text(" 1 ")


def test_a_word_file_s_paragraphs_are_its_text(clerk, django_capture_on_commit_callbacks):
    import io
    import zipfile

    body = ('<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            '<w:p><w:r><w:t>Quye\u0302\u0301t định</w:t></w:r></w:p><w:p><w:r><w:t xml:space="preserve">về </w:t>'
            '</w:r><w:r><w:t>thiên tai</w:t></w:r></w:p></w:body></w:document>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", body)
    with django_capture_on_commit_callbacks(execute=False):
        incoming = paper(clerk, pdf_upload())
    stored = IncomingFile.objects.create(incoming=incoming, name="cv.docx",
                                         file=ContentFile(buffer.getvalue(), "cv.docx"))
    with django_capture_on_commit_callbacks(execute=True):
        file_text = services.text_request(stored, "file")
    file_text.refresh_from_db()
    assert (file_text.state, file_text.method, file_text.pages) == (
        FileText.State.DONE, FileText.Method.TEXT_LAYER, ["Quyết định\nvề thiên tai"])


def test_the_technical_admin_sees_states_not_text_and_asks_for_a_failed_file_again(
        client, clerk, django_capture_on_commit_callbacks, settings):
    from tests import factories
    from tests.conftest import login

    file_text = _stuck(clerk, django_capture_on_commit_callbacks, state=FileText.State.FAILED, attempts=3,
                       error="ocrmypdf: timeout", text="bí mật")
    admin = factories.make_user("admin@portal.gov.vn")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    factories.totp_enable(admin)  # /admin/ wants a session that passed two-factor
    login(client, admin)
    page = client.get(f"/admin/ocr/filetext/{file_text.pk}/change/").content.decode()
    assert "ocrmypdf: timeout" in page and "bí mật" not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/ocr/filetext/", {"action": "extract_again", "_selected_action": [file_text.pk]})
    file_text.refresh_from_db()
    assert file_text.state == FileText.State.DONE and file_text.attempts == 1 and file_text.error == ""

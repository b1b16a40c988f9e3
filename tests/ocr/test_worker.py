"""A scan's OCR through a real Celery worker, killed in the middle (its OCRmyPDF with it): the row it left running
is taken again by the recovery beat once the lease ran out, and read once to the end."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.services import incoming as incoming_services
from ocr import extraction
from ocr.models import FileText
from ocr.tasks import texts_recover
from tests.ocr import pages
from tests.waiting import wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not extraction.tools_present(), reason="needs ocrmypdf and tesseract-ocr-vie"),
]


@pytest.fixture
def worker_env():
    return {"OCR_LEASE_SECONDS": "2"}


def scan_upload():
    buffer = io.BytesIO()
    pages.page_image(1).save(buffer, "PNG", dpi=(pages.DPI, pages.DPI))
    return SimpleUploadedFile("ban-quet.png", buffer.getvalue(), content_type="image/png")


def state(file_text):
    file_text.refresh_from_db()
    return file_text.state


def recovered(file_text):
    texts_recover.delay()
    return wait_for(lambda: state(file_text) == FileText.State.DONE, timeout=5)


def test_a_scan_whose_worker_died_is_recognised_after_the_lease(celery_worker, clerk):
    incoming = incoming_services.incoming_from_paper(membership=clerk, scans=[scan_upload()],
                                                     sender_name="Bộ Nội vụ", summary="Quy chế văn bản")
    file_text = FileText.objects.get(object_id=incoming.files.get().pk, field="file")
    assert wait_for(lambda: state(file_text) == FileText.State.RUNNING, interval=0.01)
    celery_worker.kill()
    assert state(file_text) == FileText.State.RUNNING, "OCR finished before the kill; the test proves nothing"

    celery_worker.start()
    assert wait_for(lambda: recovered(file_text), timeout=180, interval=0), file_text.error
    assert file_text.attempts == 2 and file_text.method == FileText.Method.OCR
    assert pages.cer(pages.reference(1), file_text.text) <= 0.05 and file_text.ocr_pdf

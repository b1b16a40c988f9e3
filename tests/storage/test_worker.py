"""A Celery worker on another machine needs nothing from the web server's disk: started with an empty MEDIA_ROOT of
its own and the bucket's STORAGE_URL, it reads a scan the web process stored in the bucket, OCRs it and puts the
searchable copy back in the bucket."""

import pytest

from documents.services import incoming as incoming_services
from ocr import extraction
from ocr.models import FileText
from tests.ocr import pages
from tests.ocr.test_worker import scan_upload
from tests.storage.conftest import files_on_disk
from tests.waiting import wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not extraction.tools_present(), reason="needs ocrmypdf and tesseract-ocr-vie"),
]


@pytest.fixture
def worker_media(tmp_path):
    folder = tmp_path / "worker-media"
    folder.mkdir()
    return folder


@pytest.fixture
def worker_env(in_bucket, worker_media):
    return {"STORAGE_URL": in_bucket.url, "MEDIA_ROOT": str(worker_media)}


def test_a_worker_with_an_empty_disk_ocrs_a_scan_from_the_bucket(in_bucket, worker_media, celery_worker, clerk,
                                                                 settings):
    incoming = incoming_services.incoming_from_paper(membership=clerk, scans=[scan_upload()],
                                                     sender_name="Bộ Nội vụ", summary="Quy chế văn bản")
    scan = incoming.files.get()
    assert scan.file.name in in_bucket.keys()
    file_text = FileText.objects.get(object_id=scan.pk, field="file")

    def done():
        file_text.refresh_from_db()
        return file_text.state in (FileText.State.DONE, FileText.State.FAILED)

    assert wait_for(done, timeout=240, interval=0.2), (settings.MEDIA_ROOT, file_text.state)
    assert file_text.state == FileText.State.DONE, file_text.error
    assert file_text.method == FileText.Method.OCR and pages.cer(pages.reference(1), file_text.text) <= 0.05
    assert file_text.ocr_pdf.name in in_bucket.keys()
    assert in_bucket.get(file_text.ocr_pdf.name).startswith(b"%PDF")
    assert files_on_disk(worker_media) == [] and files_on_disk(settings.MEDIA_ROOT) == []

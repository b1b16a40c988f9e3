"""A batch stored by a real Celery worker on Redis; the worker is killed mid-batch and the batch goes on where it
stopped: the scans stored before the kill are kept as they were, every document gets its scan and one text."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archive import services
from archive.models import ArchiveBatch
from archive.tasks import batches_recover
from ocr.models import FileText
from ocr.tasks import texts_recover
from tests import factories
from tests.archive.conftest import package, row
from tests.waiting import wait_for

pytestmark = pytest.mark.worker
DOCUMENTS = 200


@pytest.fixture
def worker_env():
    # A text whose task the killed worker had taken (prefetched, never acknowledged) is still pending: recovery
    # queues it again once OCR_REQUEUE_SECONDS have passed (half an hour in production; a second here).
    return {"ARCHIVE_LEASE_SECONDS": "2", "ARCHIVE_REQUEUE_SECONDS": "1", "OCR_LEASE_SECONDS": "3",
            "OCR_REQUEUE_SECONDS": "1"}


def stored(batch):
    return dict(batch.documents.exclude(scan="").values_list("pk", "scan"))


def finished(batch):
    batches_recover.delay()
    texts_recover.delay()
    batch.refresh_from_db()
    return batch.status == ArchiveBatch.Status.DONE


def test_a_batch_whose_worker_is_killed_resumes_where_it_stopped(celery_worker):
    agency = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")
    clerk = factories.make_member(agency, "clerk")
    data = package([row(n) for n in range(1, DOCUMENTS + 1)])
    batch = services.batch_import(membership=clerk, title="Phông lưu trữ 1998",
                                  package_file=SimpleUploadedFile("goi.zip", data))
    assert batch.status == ArchiveBatch.Status.STORING and batch.documents.count() == DOCUMENTS

    assert wait_for(lambda: len(stored(batch)) >= 15, interval=0.005)
    celery_worker.kill()
    before = stored(batch)
    assert len(before) < DOCUMENTS, "the batch was stored before the kill; the test proves nothing"
    batch.refresh_from_db()
    assert batch.status == ArchiveBatch.Status.STORING

    celery_worker.start()
    # The dead run's claim runs out; beat's recovery (run here as beat would, every few seconds) queues the batch.
    assert wait_for(lambda: not ArchiveBatch.objects.filter(pk=batch.pk, claimed_until__gt=timezone.now()).exists())
    # 200 scans read by one worker: the test took 80 s beside one other load, 156 s beside two (120 s failed it).
    assert wait_for(lambda: finished(batch), timeout=300, interval=1), batch.status

    after = stored(batch)
    assert len(after) == DOCUMENTS
    assert {pk: after[pk] for pk in before} == before, "a scan stored before the kill was stored again"
    texts = FileText.objects.filter(field="scan", object_id__in=list(after))
    assert texts.count() == DOCUMENTS
    assert set(texts.values_list("state", flat=True)) <= {FileText.State.DONE, FileText.State.NO_TEXT}
    assert "thiên tai" in texts.filter(state=FileText.State.DONE).first().text

"""Queues per kind of work (portal/queues.py) with real Celery worker processes on Redis, laid out as on two
machines: one worker for OCR only, one for every other queue. A batch of scans keeps the OCR worker busy while a
document is issued to an agency on the portal and a leader confirms a remote signature on the phone: both are done
at once. The sibling publishes the same work on one queue, as before the routing: both wait behind the batch."""

import io
import time

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from documents.models import Delivery, IncomingFile
from documents.services import incoming as incoming_services
from documents.services import outgoing as outgoing_services
from ocr import extraction
from ocr.models import FileText
from pki.models import RemoteSigningRequest
from portal import queues
from tests.conftest import WorkerProcess, _worker_env
from tests.csc import csc_server_fixture  # noqa: F401 - the csc_server fixture
from tests.documents.conftest import approved, portal_agency, to_agency  # noqa: F401 - the portal_agency fixture
from tests.ocr import pages
from tests.pki.test_remote import enrol, start
from tests.waiting import wait_for

pytestmark = [
    pytest.mark.worker,
    # The delays bounded below are of two worker processes on a machine that has nothing else to do: beside another
    # test (make test runs two at once) the OCR would share the cores with it, and so would the delivery and the
    # signature the bounds are about.
    pytest.mark.serial,
    pytest.mark.skipif(not extraction.tools_present(), reason="needs ocrmypdf and tesseract-ocr-vie"),
]
BATCH = 4  # different pages: a file read before is not read again
# A portal delivery takes well under a second; a remote signature is polled every 2 s (pki.remote.services).
DELIVERY_MAX_SECONDS = 4
SIGNATURE_MAX_SECONDS = 6


@pytest.fixture
def worker_env(csc_server, pki_services):
    return {**csc_server.worker_env(), "PKI_TSA_URL": f"{pki_services.url}/tsa",
            "PKI_DEMO_SERVICE_URL": pki_services.url}


@pytest.fixture
def ocr_machine(celery_worker, worker_env, tmp_path):
    """One process consuming the OCR queue, and celery_worker turned into one process for every other queue."""
    ocr_queue = queues.queue_name(settings.CELERY_TASK_DEFAULT_QUEUE, queues.OCR)
    celery_worker.stop()
    celery_worker.start(concurrency=1, queues=[q.name for q in settings.CELERY_TASK_QUEUES if q.name != ocr_queue])
    worker = WorkerProcess(_worker_env(connection.settings_dict["NAME"], worker_env), tmp_path / "ocr.log")
    worker.start(concurrency=1, queues=[ocr_queue])
    yield worker
    worker.kill()  # whatever OCR is left would only lengthen the test


def scan(number):
    buffer = io.BytesIO()
    pages.page_image(number).save(buffer, "PNG", dpi=(pages.DPI, pages.DPI))
    return SimpleUploadedFile(f"ban-quet-{number}.png", buffer.getvalue(), content_type="image/png")


def delay_until(condition, since, batch):
    """Seconds from `since` (time.monotonic()) until `condition` holds, and how many scans were read by then."""
    assert wait_for(condition, timeout=120, interval=0.02)
    return time.monotonic() - since, batch.filter(state=FileText.State.DONE).count()


@pytest.fixture
def document(certified, specialist, leader, portal_agency):  # noqa: F811
    """Approved, for an agency on the portal."""
    return approved(specialist, leader, to_agency(portal_agency))


def ocr_batch_then_signature_and_delivery(clerk, leader, document, csc_server):
    """Queue a batch of BATCH scans, wait until OCR runs, then issue a document to an agency on the portal and
    confirm a remote signature: the delays (seconds, scans read by then) of the delivery and of the signature."""
    record, _ = enrol(csc_server, leader)
    scans = incoming_services.incoming_from_paper(membership=clerk, scans=[scan(n) for n in range(BATCH)],
                                                  sender_name="Bộ Nội vụ", summary="Hồ sơ số hóa")
    batch = FileText.objects.filter(content_type=ContentType.objects.get_for_model(IncomingFile),
                                    object_id__in=scans.files.values("pk"))
    assert batch.count() == BATCH
    assert wait_for(lambda: batch.filter(state=FileText.State.RUNNING).exists(), timeout=60)

    issued_at = time.monotonic()
    outgoing_services.outgoing_issue(membership=clerk, outgoing=document)
    request = start(record)
    csc_server.answer(request.provider_request_id, "confirm")
    confirmed_at = time.monotonic()

    delivery = document.deliveries.get(channel=Delivery.Channel.PORTAL)
    delivered = delay_until(lambda: Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SENT, issued_at,
                            batch)
    signed = delay_until(lambda: RemoteSigningRequest.objects.get(pk=request.pk).status
                         == RemoteSigningRequest.Status.COMPLETED, confirmed_at, batch)
    print(f"QUEUES delivery {delivered[0]:.2f} s, signature {signed[0]:.2f} s, scans read by then "
          f"{delivered[1]}/{BATCH} and {signed[1]}/{BATCH}")
    return delivered, signed


def test_an_ocr_batch_delays_neither_a_delivery_nor_a_signature(ocr_machine, clerk, leader, document, csc_server):
    (delivery_seconds, _), (signature_seconds, read_later) = ocr_batch_then_signature_and_delivery(
        clerk, leader, document, csc_server)
    assert delivery_seconds < DELIVERY_MAX_SECONDS and signature_seconds < SIGNATURE_MAX_SECONDS
    assert read_later < BATCH, "the batch was read before the signature: the test proves nothing"


def test_on_one_queue_they_wait_behind_the_batch(ocr_machine, monkeypatch, clerk, leader, document, csc_server):
    from portal.celery import app

    monkeypatch.setattr(app.amqp.router, "routes", [])  # every task on the default queue, as before the routing
    (delivery_seconds, read_then), (signature_seconds, read_later) = ocr_batch_then_signature_and_delivery(
        clerk, leader, document, csc_server)
    # Both waited for the whole batch: every scan was read before either was done. (How long that is depends on how
    # fast this machine reads 4 scans: 5 s quiet, 8–13 s loaded; the delays are printed, not bounded.)
    assert read_then == BATCH and read_later == BATCH, (delivery_seconds, signature_seconds)

"""The whole remote signature with real processes: the CSC service, a Celery worker polling it, the phone in a
browser, and the signer's page showing the live state."""

import pytest
from playwright.sync_api import expect

from pki.models import RemoteSigningRequest
from pki.remote import services
from tests.browsing import log_in
from tests.csc import csc_server_fixture  # noqa: F401 - the csc_server fixture
from tests.waiting import wait_for

from .test_remote import enrol, start

Status = RemoteSigningRequest.Status


@pytest.fixture
def worker_env(csc_server, pki_services):
    """The worker reaches the same signing service, timestamp authority and OCSP responder as the test."""
    return {**csc_server.worker_env(), "PKI_TSA_URL": f"{pki_services.url}/tsa",
            "PKI_DEMO_SERVICE_URL": pki_services.url}


def _status(pk):
    return RemoteSigningRequest.objects.get(pk=pk).status


def test_confirm_on_the_phone_and_the_worker_completes_the_signature(page, celery_worker, csc_server, leader):
    record, _ = enrol(csc_server, leader)
    request = start(record)  # committed at once: its polling chain is queued for the worker

    log_in(page, leader.user.email, lands_on=None)
    page.goto(f"/pki/remote/{request.pk}/")
    expect(page.get_by_text("Đang chờ xác nhận trên điện thoại")).to_be_visible()

    page.goto(f"{csc_server.url}/phone/lanh.dao@moha.gov.vn")
    expect(page.get_by_text("Công văn số 15/BNV-VP")).to_be_visible()
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_text("Không có yêu cầu nào.")).to_be_visible()

    assert wait_for(lambda: _status(request.pk) == Status.COMPLETED, timeout=60), celery_worker.log_path.read_text()
    page.goto(f"/pki/remote/{request.pk}/")
    expect(page.get_by_test_id("remote-final")).to_have_text("Đã ký")
    assert services.remote_result_bytes(RemoteSigningRequest.objects.get(pk=request.pk)).startswith(b"%PDF")


def test_refuse_on_the_phone_and_the_worker_records_it(page, celery_worker, csc_server, leader):
    record, _ = enrol(csc_server, leader)
    request = start(record)
    page.goto(f"{csc_server.url}/phone/lanh.dao@moha.gov.vn")
    page.get_by_role("button", name="Từ chối").click()
    assert wait_for(lambda: _status(request.pk) == Status.REFUSED, timeout=60), celery_worker.log_path.read_text()
    assert "từ chối" in RemoteSigningRequest.objects.get(pk=request.pk).message

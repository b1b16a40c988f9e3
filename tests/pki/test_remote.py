"""Remote signing through a real CSC API v2 service (devtools.csc_server in its own process) and its phone."""

import threading
from datetime import timedelta
from io import BytesIO, StringIO

import pytest
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from pki import demo, signing, tasks
from pki.models import KeyStore, PersonalCertificate, RemoteSigningRequest
from pki.remote import services
from pki.remote.base import RemoteUnavailable
from pki.trust import trust_roots
from tests import factories
from tests.csc import csc_server_fixture, start_csc_server  # noqa: F401 - the csc_server fixture
from tests.waiting import wait_for

from .conftest import make_pdf

Status = RemoteSigningRequest.Status
PURPOSE = "test-remote"


@pytest.fixture
def finished():
    """The calls of the test purpose's handler: (pk, status, signed PDF or None)."""
    calls = []

    def handler(request):
        signed = services.remote_result_bytes(request) if request.status == Status.COMPLETED else None
        calls.append((request.pk, request.status, signed))

    services.on_remote_finished(PURPOSE)(handler)
    yield calls
    services._finished_handlers.pop(PURPOSE, None)


def enrol(csc, member, account="lanh.dao@moha.gov.vn"):
    """The person's key pair at the service, and their PersonalCertificate pointing at it."""
    cert, key, chain = demo.issue_personal_keypair(member.user.full_name, agency_name=member.agency.name)
    csc.add_credential(account, cert, key, chain)
    record = services.remote_certificate_register(user=member.user, provider_name="csc", account=account)
    return record, cert


def start(record, object_id=1):
    prepared = signing.prepare_for_approval(make_pdf(), places={}, verify_url="")
    return services.remote_start(
        certificate=record, purpose=PURPOSE, object_id=object_id, prepared_pdf=prepared,
        block=signing.SignerBlock(name=record.user.full_name, position="BỘ TRƯỞNG"), places={},
        description="Công văn số 15/BNV-VP",
    )


def test_register_reads_the_certificate_the_service_holds(csc_server, leader):
    record, cert = enrol(csc_server, leader)
    assert record.store == KeyStore.REMOTE and record.is_active and record.user == leader.user
    assert record.certificate_pem == cert.public_bytes(serialization.Encoding.PEM).decode()
    assert record.remote_credential_id and record.remote_account == "lanh.dao@moha.gov.vn"


def test_confirmed_on_the_phone_gives_a_pdf_signed_with_the_persons_certificate(csc_server, leader, finished):
    record, cert = enrol(csc_server, leader)
    request = start(record)
    assert request.status == Status.PENDING
    assert csc_server.phone("lanh.dao@moha.gov.vn") == [request.provider_request_id]
    assert services.remote_poll(request).status == Status.PENDING
    assert finished == []

    csc_server.answer(request.provider_request_id, "confirm")
    request = services.remote_poll(request)

    assert request.status == Status.COMPLETED and request.finished_at
    signed = services.remote_result_bytes(request)
    embedded = PdfFileReader(BytesIO(signed)).embedded_signatures[-1]
    assert embedded.signer_cert.dump() == cert.public_bytes(serialization.Encoding.DER)
    assert embedded.field_name == signing.SIGNER_FIELD
    context = ValidationContext(trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(embedded, signer_validation_context=context)
    assert status.intact and status.valid and status.trusted
    assert finished == [(request.pk, Status.COMPLETED, signed)]
    # A second poll after completion changes nothing and calls nobody.
    again = services.remote_poll(request)
    assert again.status == Status.COMPLETED and again.state["result_name"] == request.state["result_name"]
    assert len(finished) == 1


def test_refused_on_the_phone(csc_server, leader, finished):
    record, _ = enrol(csc_server, leader)
    request = start(record)
    csc_server.answer(request.provider_request_id, "refuse")
    request = services.remote_poll(request)
    assert request.status == Status.REFUSED
    assert "từ chối" in request.message and "ký lại" in request.message
    assert request.state["provider_message"] == "The user refused the signature"
    assert finished == [(request.pk, Status.REFUSED, None)]
    with pytest.raises(ValueError):
        services.remote_result_bytes(request)


def test_not_answered_in_time_at_the_service_expires(tmp_path, settings, leader, finished):
    csc = start_csc_server(tmp_path, settings, timeout=1)
    try:
        record, _ = enrol(csc, leader)
        request = start(record)
        assert wait_for(lambda: csc.phone("lanh.dao@moha.gov.vn") == [], timeout=10)
        request = services.remote_poll(request)
    finally:
        csc.stop()
    assert request.status == Status.EXPIRED and "thời gian" in request.message
    assert finished == [(request.pk, Status.EXPIRED, None)]


def test_not_answered_within_the_portals_timeout_expires_and_is_withdrawn(
        csc_server, leader, finished, settings, django_capture_on_commit_callbacks):
    settings.REMOTE_SIGNING_TIMEOUT_SECONDS = 0
    record, _ = enrol(csc_server, leader)
    request = start(record)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.remote_poll(request)
    assert request.status == Status.EXPIRED
    assert csc_server.phone("lanh.dao@moha.gov.vn") == []  # no longer asked on the phone
    assert finished == [(request.pk, Status.EXPIRED, None)]


def test_the_owner_cancels_and_the_phone_stops_asking(csc_server, leader, finished,
                                                      django_capture_on_commit_callbacks):
    record, _ = enrol(csc_server, leader)
    request = start(record)
    with django_capture_on_commit_callbacks(execute=True):
        request = services.remote_cancel(request=request, user=leader.user)
    assert request.status == Status.CANCELLED
    assert csc_server.phone("lanh.dao@moha.gov.vn") == []
    assert finished == [(request.pk, Status.CANCELLED, None)]
    with pytest.raises(ValidationError):
        services.remote_cancel(request=request, user=leader.user)
    # A confirmation that arrives too late signs nothing.
    status, answer = csc_server.call(f"/phone/{request.provider_request_id}/confirm", {})
    assert status == 400 and services.remote_poll(request).status == Status.CANCELLED


def test_someone_else_cannot_cancel(csc_server, leader, agency, finished):
    record, _ = enrol(csc_server, leader)
    request = start(record)
    other = factories.make_member(agency, "leader", position="Thứ trưởng")
    with pytest.raises(PermissionDenied):
        services.remote_cancel(request=request, user=other.user)
    request.refresh_from_db()
    assert request.status == Status.PENDING and finished == []


def test_one_pending_request_per_object(csc_server, leader):
    record, _ = enrol(csc_server, leader)
    start(record)
    with pytest.raises(signing.SigningError, match="đang chờ"):
        start(record)
    assert RemoteSigningRequest.objects.count() == 1


def test_an_unreachable_service_refuses_to_start_and_records_nothing(settings, leader, csc_server):
    record, _ = enrol(csc_server, leader)
    csc_server.stop()
    with pytest.raises(RemoteUnavailable) as refused:
        start(record)
    assert "Không kết nối được dịch vụ ký số từ xa" in str(refused.value)
    assert not RemoteSigningRequest.objects.exists()
    assert not default_storage.exists("pki/remote") or default_storage.listdir("pki/remote") == ([], [])


def test_a_service_gone_while_waiting_fails_once_the_time_is_up(csc_server, leader, finished):
    record, _ = enrol(csc_server, leader)
    request = start(record)
    csc_server.stop()
    request = services.remote_poll(request)
    assert request.status == Status.PENDING and "Không kết nối được" in request.state["last_error"]
    RemoteSigningRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now())
    request = services.remote_poll(request)
    assert request.status == Status.FAILED and "Không kết nối được dịch vụ ký số từ xa" in request.message
    assert finished == [(request.pk, Status.FAILED, None)]


def test_a_handler_refusing_the_result_fails_the_request_cleanly(csc_server, leader):
    record, _ = enrol(csc_server, leader)
    request = start(record)
    calls = []

    def handler(request):
        calls.append(request.status)
        if request.status == Status.COMPLETED:
            raise ValidationError("Văn bản đã được rút lại.")

    services.on_remote_finished(PURPOSE)(handler)
    try:
        csc_server.answer(request.provider_request_id, "confirm")
        request = services.remote_poll(request)
    finally:
        services._finished_handlers.pop(PURPOSE, None)
    assert request.status == Status.FAILED and request.message == "Văn bản đã được rút lại."
    assert calls == [Status.COMPLETED, Status.FAILED] and "result_name" not in request.state


@pytest.mark.django_db(transaction=True)
def test_two_polls_at_once_finish_once(csc_server, leader, finished):
    record, _ = enrol(csc_server, leader)
    request = start(record)
    csc_server.answer(request.provider_request_id, "confirm")
    barrier, results = threading.Barrier(2), []

    def poll():
        barrier.wait()
        try:
            results.append(services.remote_poll(RemoteSigningRequest.objects.get(pk=request.pk)).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == [Status.COMPLETED, Status.COMPLETED]
    assert [status for _, status, _ in finished] == [Status.COMPLETED]
    assert len(default_storage.listdir("pki/remote")[1]) == 2  # the prepared PDF and one signed result



def test_the_demo_command_enrols_a_person_once(csc_server, leader):
    out = StringIO()
    call_command("remote_signing_demo", email=[leader.user.email], stdout=out)
    record = PersonalCertificate.objects.get(user=leader.user, is_active=True)
    assert record.store == KeyStore.REMOTE and record.remote_account == leader.user.email
    assert f"/phone/{leader.user.email}" in out.getvalue()
    call_command("remote_signing_demo", email=[leader.user.email], stdout=out)
    assert "already signs remotely" in out.getvalue()
    assert PersonalCertificate.objects.filter(user=leader.user).count() == 1


def test_the_sweep_polls_again_what_nobody_polled_lately(csc_server, leader, finished):
    record, _ = enrol(csc_server, leader)
    request, fresh = start(record, object_id=1), start(record, object_id=2)
    for pending in (request, fresh):
        csc_server.answer(pending.provider_request_id, "confirm")
    stale = {**request.state, "polled_at": (timezone.now() - timedelta(minutes=1)).isoformat()}
    RemoteSigningRequest.objects.filter(pk=request.pk).update(state=stale)

    assert tasks.remote_signing_sweep() == 1  # eager here: the poll ran once, and did not queue itself again

    assert RemoteSigningRequest.objects.get(pk=request.pk).status == Status.COMPLETED
    assert RemoteSigningRequest.objects.get(pk=fresh.pk).status == Status.PENDING
    assert [status for _, status, _ in finished] == [Status.COMPLETED]


def test_the_portal_abandons_a_request_once(csc_server, leader, finished, django_capture_on_commit_callbacks):
    """What was to be signed moved on (a withdrawn draft): no owner check, no error if it had already ended."""
    record, _ = enrol(csc_server, leader)
    request = start(record)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.remote_abandon(request=request).status == Status.CANCELLED
    assert csc_server.phone("lanh.dao@moha.gov.vn") == []
    assert services.remote_abandon(request=request).status == Status.CANCELLED
    assert finished == [(request.pk, Status.CANCELLED, None)]

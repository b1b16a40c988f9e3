"""The same path with the leader's key at a remote signing service (CSC API v2, devtools.csc_server as a real
process): the draft waits, "đang chờ xác nhận trên điện thoại", until the leader confirms on the phone; a refusal,
a timeout or a cancellation leaves it approvable again."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from documents.models import Outgoing
from documents.services import outgoing as services
from pki import demo
from pki.models import KeyStore, RemoteSigningRequest
from pki.remote import services as remote_services
from tests import factories
from tests.csc import csc_server_fixture  # noqa: F401 - the csc_server fixture
from tests.documents.conftest import make_draft, to_agency
from tests.documents.test_signing_flow import assert_issued_with_both_signatures, read, signatures_of

pytestmark = pytest.mark.django_db
S = Outgoing.Status
Status = RemoteSigningRequest.Status
ACCOUNT = "lanh.dao@moha.gov.vn"


def enrol(csc, member, account=ACCOUNT):
    """The person's key pair at the service, and their certificate in the portal pointing at it."""
    cert, key, chain = demo.issue_personal_keypair(member.user.full_name, agency_name=member.agency.name)
    csc.add_credential(account, cert, key, chain)
    return remote_services.remote_certificate_register(user=member.user, provider_name="csc", account=account)


@pytest.fixture
def waiting(csc_server, certified, specialist, leader, portal_agency):
    """A draft the leader signed remotely: the phone is asking."""
    record = enrol(csc_server, leader)
    draft = make_draft(specialist, leader, to_agency(portal_agency))
    services.outgoing_submit(membership=specialist, outgoing=draft)
    outgoing = services.outgoing_approve(membership=leader, outgoing=draft, comment="Đồng ý ký")
    assert outgoing.status == S.SUBMITTED and record.store == KeyStore.REMOTE
    return outgoing


def pending_of(outgoing):
    return RemoteSigningRequest.objects.get(object_id=outgoing.pk, purpose=services.REMOTE_PURPOSE,
                                            status=Status.PENDING)


def test_confirmed_on_the_phone_the_draft_is_approved_and_issued_with_both_signatures(
        waiting, csc_server, client_for, leader, clerk, certified, tmp_path, django_capture_on_commit_callbacks):
    factories.totp_enable(leader.user)
    page = client_for(leader).get(f"/outgoing/{waiting.pk}/").content.decode()
    assert "Đang chờ xác nhận trên điện thoại" in page and 'data-testid="remote-cancel"' in page
    assert 'data-testid="action-approve"' not in page  # no second request while one waits
    request = pending_of(waiting)
    assert csc_server.phone(ACCOUNT) == [request.provider_request_id]
    csc_server.answer(request.provider_request_id, "confirm")
    # The page's live state polls the service: the confirmation approves the draft, as its signer.
    state = client_for(leader).get(f"/outgoing/{waiting.pk}/remote/")
    assert state["HX-Refresh"] == "true"
    waiting.refresh_from_db()
    assert waiting.status == S.APPROVED and waiting.signer_certificate.store == KeyStore.REMOTE
    event = waiting.events.get(action="approve")
    assert (event.actor, event.comment) == (leader.user, "Đồng ý ký")
    assert list(signatures_of(read(waiting.files.get(kind="main").approved))) == ["ChuKyNguoiKy"]
    with django_capture_on_commit_callbacks(execute=True):
        issued = services.outgoing_issue(membership=clerk, outgoing=waiting)
    assert_issued_with_both_signatures(issued, tmp_path, person_name=leader.user.full_name,
                                       agency_name=certified.name)


def test_refused_on_the_phone_the_draft_stays_submitted_and_can_be_signed_again(waiting, csc_server, leader):
    request = pending_of(waiting)
    csc_server.answer(request.provider_request_id, "refuse")
    assert services.outgoing_remote_poll(waiting).status == Status.REFUSED
    waiting.refresh_from_db()
    assert waiting.status == S.SUBMITTED and not waiting.files.get(kind="main").approved
    assert waiting.signer_certificate is None
    services.outgoing_approve(membership=leader, outgoing=waiting)
    assert pending_of(waiting).pk != request.pk


def test_not_confirmed_in_time_the_draft_stays_submitted(waiting, csc_server, leader,
                                                         django_capture_on_commit_callbacks):
    RemoteSigningRequest.objects.filter(pk=pending_of(waiting).pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))  # the portal's wait is over
    with django_capture_on_commit_callbacks(execute=True):
        assert services.outgoing_remote_poll(waiting).status == Status.EXPIRED
    assert csc_server.phone(ACCOUNT) == []
    waiting.refresh_from_db()
    assert waiting.status == S.SUBMITTED and not waiting.files.get(kind="main").approved
    services.outgoing_approve(membership=leader, outgoing=waiting)
    assert pending_of(waiting).status == Status.PENDING


def test_one_request_at_a_time(waiting, leader):
    with pytest.raises(ValidationError) as caught:
        services.outgoing_approve(membership=leader, outgoing=waiting)
    assert "điện thoại" in " ".join(caught.value.messages)


def test_only_the_signer_cancels_and_the_draft_can_be_signed_again(waiting, csc_server, client_for, leader, clerk,
                                                                  agency, unit, django_capture_on_commit_callbacks):
    deputy = factories.make_member(agency, "leader", unit=unit, position="Thứ trưởng")
    for member in (clerk, deputy):
        assert client_for(member).post(f"/outgoing/{waiting.pk}/remote/cancel/").status_code == 403
    assert pending_of(waiting)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(leader).post(f"/outgoing/{waiting.pk}/remote/cancel/", follow=True)
    assert "Đã hủy yêu cầu ký" in response.content.decode()
    assert not RemoteSigningRequest.objects.filter(object_id=waiting.pk, status=Status.PENDING).exists()
    assert csc_server.phone(ACCOUNT) == []
    waiting.refresh_from_db()
    assert waiting.status == S.SUBMITTED


def test_a_draft_withdrawn_while_waiting_is_not_approved_by_a_late_confirmation(
        waiting, csc_server, specialist, django_capture_on_commit_callbacks):
    request = pending_of(waiting)
    with django_capture_on_commit_callbacks(execute=True):
        services.outgoing_withdraw(membership=specialist, outgoing=waiting)
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    status, _answer = csc_server.call(f"/phone/{request.provider_request_id}/confirm", {})
    assert status == 400
    waiting.refresh_from_db()
    assert waiting.status == S.DRAFT and not waiting.files.get(kind="main").approved

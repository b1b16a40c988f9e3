"""A draft approved through the remote signing service (docs/signatures.md, key store "remote"): documents' handler
for "outgoing-approve" against pki.remote, the CSC test service and its phone."""

import pytest
from django.core.exceptions import ValidationError

from documents.models import Outgoing
from documents.services import outgoing as outgoing_services
from pki.models import RemoteSigningRequest
from pki.remote import services
from tests.csc import csc_server_fixture  # noqa: F401 - the csc_server fixture
from tests.documents.conftest import make_draft, portal_agency, to_agency  # noqa: F401 - portal_agency fixture
from tests.documents.test_signing_flow import assert_issued_with_both_signatures

from .test_remote import enrol

S, R = Outgoing.Status, RemoteSigningRequest.Status


@pytest.fixture
def submitted(request, certified, specialist, leader):
    draft = make_draft(specialist, leader, to_agency(request.getfixturevalue("portal_agency")), pages=2)
    return outgoing_services.outgoing_submit(membership=specialist, outgoing=draft)


def _pending(outgoing):
    return RemoteSigningRequest.objects.get(purpose=outgoing_services.REMOTE_PURPOSE, object_id=outgoing.pk,
                                            status=R.PENDING)


def test_confirmed_on_the_phone_approves_and_the_clerk_seals(csc_server, submitted, leader, clerk, certified,
                                                             tmp_path, django_capture_on_commit_callbacks):
    enrol(csc_server, leader)
    outgoing = outgoing_services.outgoing_approve(membership=leader, outgoing=submitted, comment="Đồng ý")
    assert Outgoing.objects.get(pk=outgoing.pk).status == S.SUBMITTED  # waiting for the phone
    request = _pending(outgoing)
    csc_server.answer(request.provider_request_id, "confirm")
    assert services.remote_poll(request).status == R.COMPLETED
    outgoing = Outgoing.objects.get(pk=outgoing.pk)
    assert outgoing.status == S.APPROVED
    with django_capture_on_commit_callbacks(execute=True):
        outgoing = outgoing_services.outgoing_issue(membership=clerk, outgoing=outgoing)
    assert_issued_with_both_signatures(outgoing, tmp_path, person_name=leader.user.full_name, agency_name=certified.name)


@pytest.mark.parametrize("answer", ["refuse", "cancel"])
def test_refused_or_cancelled_leaves_the_draft_approvable(csc_server, submitted, leader, answer):
    enrol(csc_server, leader)
    outgoing_services.outgoing_approve(membership=leader, outgoing=submitted)
    with pytest.raises(ValidationError, match="đang chờ"):
        outgoing_services.outgoing_approve(membership=leader, outgoing=submitted)
    request = _pending(submitted)
    if answer == "refuse":
        csc_server.answer(request.provider_request_id, "refuse")
        assert services.remote_poll(request).status == R.REFUSED
    else:
        assert services.remote_cancel(request=request, user=leader.user).status == R.CANCELLED
    assert Outgoing.objects.get(pk=submitted.pk).status == S.SUBMITTED
    # Signing again asks the phone again; this time it is confirmed.
    outgoing_services.outgoing_approve(membership=leader, outgoing=submitted)
    again = _pending(submitted)
    csc_server.answer(again.provider_request_id, "confirm")
    services.remote_poll(again)
    assert Outgoing.objects.get(pk=submitted.pk).status == S.APPROVED

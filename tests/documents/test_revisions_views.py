"""The pages of a recall: the clerk asks on the outgoing page, the signer decides there in a two-factor
session, the recipient's clerk answers on the incoming page; the desk lists what waits; denials."""

import datetime

import pytest
from django.core import mail

from documents.models import Incoming, IncomingRevision, Revision, RevisionNotice
from documents.services import revisions
from tests import factories
from tests.conftest import login
from tests.documents.conftest import approved, to_agency, to_email

pytestmark = pytest.mark.django_db
REAUTH = "/accounts/2fa/reauthenticate/"


@pytest.fixture
def issued(agency, certified, specialist, leader, clerk, portal_agency, django_capture_on_commit_callbacks):
    from documents.services import outgoing as services

    with django_capture_on_commit_callbacks(execute=True):
        outgoing = services.outgoing_issue(membership=clerk, outgoing=approved(
            specialist, leader, to_agency(portal_agency), to_email("contact@congty.vn")))
    mail.outbox.clear()
    return outgoing


@pytest.fixture
def k_clerk(portal_agency):
    return factories.make_member(portal_agency, "clerk", unit=portal_agency.units.first(), position="Văn thư")


def ask(client, outgoing, **data):
    return client.post(f"/outgoing/{outgoing.pk}/revisions/new/", {"kind": "1", "reason": "Sai thẩm quyền", **data})


def decide(client, revision, decision="agree", comment=""):
    return client.post(f"/outgoing/{revision.outgoing_id}/revisions/{revision.pk}/decide/",
                       {"decision": decision, "comment": comment})


def test_the_clerk_asks_on_the_outgoing_page_and_the_signer_decides_there(client, issued, clerk, leader,
                                                                          django_capture_on_commit_callbacks):
    page = login(client, clerk.user).get(f"/outgoing/{issued.pk}/").content.decode()
    assert 'data-testid="revision-request-open"' in page and "Thu hồi / Cập nhật / Thay thế" in page
    # The form is asked for when the clerk opens it (htmx), or on a page of its own.
    assert 'data-testid="revision-request"' not in page
    form = client.get(f"/outgoing/{issued.pk}/revisions/new/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="revision-request"' in form and 'name="replacement"' in form and "<html" not in form
    assert 'data-testid="revision-request"' in client.get(f"/outgoing/{issued.pk}/revisions/new/").content.decode()
    assert ask(client, issued).status_code == 302
    revision = Revision.objects.get()
    assert (revision.kind, revision.state, revision.requested_by) == ("1", "requested", clerk.user)
    assert 'data-testid="revision-request-open"' not in client.get(f"/outgoing/{issued.pk}/").content.decode()
    # A request pending: no second form, even asked for directly.
    assert client.get(f"/outgoing/{issued.pk}/revisions/new/", headers={"HX-Request": "true"}).status_code == 403
    factories.totp_enable(leader.user)
    login(client, leader.user)
    assert 'data-testid="revisions-to-decide"' in client.get("/dashboard/").content.decode()
    assert 'data-testid="revision-agree"' in client.get(f"/outgoing/{issued.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert decide(client, revision).status_code == 302
    revision.refresh_from_db()
    assert revision.state == Revision.State.SENT and len(mail.outbox) == 1
    page = client.get(f"/outgoing/{issued.pk}/").content.decode()
    assert page.count("data-notice=") == 2 and "Đã thông báo, không cần trả lời" in page


def test_the_signer_decides_only_in_a_session_that_passed_two_factor(client, issued, clerk, leader):
    revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="Sai sót")
    # No TOTP set up: sent to set it up.
    response = decide(login(client, leader.user), revision)
    assert response.status_code == 302 and "totp" in response.url
    # TOTP set up but not entered in this session: asked for the code.
    secret = factories.totp_enable(leader.user)
    client.logout()
    response = decide(login(client, leader.user, passed_totp=False), revision)
    assert response.status_code == 302 and response.url.startswith(REAUTH)
    revision.refresh_from_db()
    assert revision.state == Revision.State.REQUESTED
    client.post(response.url, {"code": factories.totp_code(secret)})  # the code entered, the decision goes on
    revision.refresh_from_db()
    assert revision.state == Revision.State.SENT


def test_denials(client, issued, clerk, leader, specialist, k_clerk, agency, unit):
    assert ask(login(client, specialist.user), issued).status_code == 403
    assert ask(login(client, k_clerk.user), issued).status_code in (403, 404)
    assert not Revision.objects.exists()
    revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="Sai sót")
    deputy = factories.make_member(agency, "leader", unit=unit, position="Thứ trưởng")
    factories.totp_enable(deputy.user)
    decide(login(client, deputy.user), revision)
    revision.refresh_from_db()
    assert revision.state == Revision.State.REQUESTED
    # A replacement of another agency is not offered and is refused.
    response = ask(login(client, clerk.user), issued, kind="3", replacement="999999")
    assert response.status_code == 302 and Revision.objects.count() == 1


def test_the_recipient_clerk_answers_on_the_incoming_page_and_a_recalled_copy_is_closed(
        client, issued, clerk, leader, k_clerk, portal_agency, other_agency, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="Sai thẩm quyền")
        revisions.revision_decide(membership=leader, revision=revision, agree=True)
    copy = Incoming.objects.get(agency=portal_agency)
    request = IncomingRevision.objects.get()
    login(client, k_clerk.user)
    assert 'data-testid="revisions-to-answer"' in client.get("/dashboard/").content.decode()
    page = client.get(f"/incoming/{copy.pk}/").content.decode()
    assert 'data-testid="incoming-revision-answer"' in page and "Sai thẩm quyền" in page
    # Another agency's clerk cannot answer it.
    stranger = factories.make_member(other_agency, "clerk", position="Văn thư")
    url = f"/incoming/{copy.pk}/revisions/{request.pk}/answer/"
    assert login(client, stranger.user).post(url, {"decision": "agree"}).status_code in (403, 404)
    # A refusal without a reason is refused; the agreement goes through.
    login(client, k_clerk.user)
    client.post(url, {"decision": "refuse", "reason": ""})
    request.refresh_from_db()
    assert request.state == IncomingRevision.State.OPEN
    client.post(url, {"decision": "agree"})
    copy.refresh_from_db()
    assert copy.status == "13"
    page = client.get(f"/incoming/{copy.pk}/").content.decode()
    assert 'data-testid="recalled-notice"' in page and 'data-testid="incoming-revision-answer"' not in page
    file = copy.files.first()
    assert client.get(f"/incoming/{copy.pk}/files/{file.pk}/").status_code == 410
    # The sender sees the answer.
    assert RevisionNotice.objects.get(delivery__channel="portal").answer == "15"
    page = login(client, clerk.user).get(f"/outgoing/{issued.pk}/").content.decode()
    assert "Đồng ý thu hồi, cập nhật" in page and k_clerk.user.full_name in page


def test_the_replacement_select_offers_only_the_newest_issued_documents(client, issued, clerk, monkeypatch):
    from documents.models import Outgoing
    from documents.views import revisions as views

    monkeypatch.setattr(views, "REPLACEMENT_CHOICES", 2)
    newer = []
    for n in range(3):  # issued "later" than each other: only the two newest are offered
        copy = Outgoing.objects.get(pk=issued.pk)
        copy.pk, copy.number, copy.notation, copy.verify_code = None, 100 + n, f"{100 + n}/BNV-VP", ""
        copy.issued_at = issued.issued_at + datetime.timedelta(minutes=n + 1)
        copy.save()
        newer.append(copy)
    page = login(client, clerk.user).get(f"/outgoing/{issued.pk}/revisions/new/",
                                         headers={"HX-Request": "true"}).content.decode()
    assert "102/BNV-VP" in page and "101/BNV-VP" in page and "100/BNV-VP" not in page
    response = ask(client, issued, kind="3", replacement=newer[2].pk)
    assert response.status_code == 302
    assert Revision.objects.get().replacement == newer[2]

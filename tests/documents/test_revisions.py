"""Recall, update and replacement of an issued document: the sender's request and signer's decision, each
recipient told by its channel, the recipient's clerk's answer and what an agreed recall does to the copy."""

import smtplib

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from documents import extensions, revision_mail
from documents.models import (
    Delivery,
    Incoming,
    IncomingEvent,
    IncomingRevision,
    OutgoingEvent,
    Revision,
    RevisionNotice,
)
from documents.services import incoming as incoming_services
from documents.services import outgoing as services
from documents.services import revisions
from tests import factories
from tests.documents.conftest import approved, to_agency, to_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(agency, certified, specialist, leader, clerk, portal_agency, email_agency):
    return agency


def issue(specialist, leader, clerk, *recipients, capture, **kwargs):
    with capture(execute=True):
        return services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, *recipients, **kwargs))


@pytest.fixture
def k_clerk(portal_agency):
    return factories.make_member(portal_agency, "clerk", unit=portal_agency.units.first(), position="Văn thư")


@pytest.fixture
def issued(setup, specialist, leader, clerk, portal_agency, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    outgoing = issue(specialist, leader, clerk, to_agency(portal_agency), to_email("contact@congty.vn"),
                     capture=django_capture_on_commit_callbacks)
    mail.outbox.clear()
    return outgoing


def test_recall_is_asked_by_the_clerk_and_agreed_by_the_signer_then_every_recipient_is_told(
        issued, clerk, leader, portal_agency, django_capture_on_commit_callbacks):
    revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="Sai thẩm quyền")
    assert revision.state == Revision.State.REQUESTED and not RevisionNotice.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        revision = revisions.revision_decide(membership=leader, revision=revision, agree=True)
    assert revision.state == Revision.State.SENT and revision.decided_by == leader.user
    notices = {n.delivery.channel: n for n in revision.notices.select_related("delivery")}
    # The portal recipient has the request on its copy at once.
    copy = Incoming.objects.get(agency=portal_agency)
    request = IncomingRevision.objects.get(incoming=copy)
    assert (request.kind, request.reason, request.notice) == ("1", "Sai thẩm quyền", notices["portal"])
    assert notices["portal"].sending == RevisionNotice.Sending.SENT and notices["portal"].answer == ""
    # The e-mail recipient got one notice, and no answer is expected of it.
    assert [m.to for m in mail.outbox] == [["Công ty TNHH Thử nghiệm <contact@congty.vn>"]]
    assert "Thông báo thu hồi văn bản số 01/BNV-VP" in mail.outbox[0].subject
    assert "Sai thẩm quyền" in mail.outbox[0].body
    notices["email"].refresh_from_db()
    assert notices["email"].sending == RevisionNotice.Sending.SENT
    assert notices["email"].answer == RevisionNotice.Answer.NOTIFIED and notices["email"].message_id
    # The history says who asked and who agreed.
    actions = list(issued.events.values_list("action", "actor"))
    assert (OutgoingEvent.Action.REVISION_REQUEST, clerk.user_id) in actions
    assert (OutgoingEvent.Action.REVISION_AGREE, leader.user_id) in actions
    # Sending the e-mail again sends nothing.
    assert revision_mail.notices_send([notices["email"].pk]) == []
    assert len(mail.outbox) == 1


def test_only_the_issuing_clerk_asks_and_only_the_signer_decides(issued, clerk, leader, specialist, k_clerk,
                                                                 agency, unit):
    for member in (specialist, leader, k_clerk):
        with pytest.raises(PermissionDenied):
            revisions.revision_request(membership=member, outgoing=issued, kind="1", reason="x")
    with pytest.raises(ValidationError):
        revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="  ")
    revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="Sai sót")
    with pytest.raises(ValidationError):  # one open request at a time
        revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="Lần hai")
    other_leader = factories.make_member(agency, "leader", unit=unit, position="Thứ trưởng")
    for member in (clerk, other_leader):
        with pytest.raises(PermissionDenied):
            revisions.revision_decide(membership=member, revision=revision, agree=True)
    with pytest.raises(ValidationError):  # declining says why
        revisions.revision_decide(membership=leader, revision=revision, agree=False)
    revision = revisions.revision_decide(membership=leader, revision=revision, agree=False, comment="Không cần")
    assert revision.state == Revision.State.DECLINED and not revision.notices.exists()
    assert mail.outbox == [] and not IncomingRevision.objects.exists()


def test_a_draft_cannot_be_recalled_and_a_replacement_must_be_an_issued_document_of_the_agency(
        issued, setup, specialist, leader, clerk, other_agency):
    draft = approved(specialist, leader, to_agency(other_agency))
    with pytest.raises(ValidationError):
        revisions.revision_request(membership=clerk, outgoing=draft, kind="1", reason="x")
    with pytest.raises(ValidationError):  # replace needs the replacing document
        revisions.revision_request(membership=clerk, outgoing=issued, kind="3", reason="x")
    with pytest.raises(ValidationError):  # not issued
        revisions.revision_request(membership=clerk, outgoing=issued, kind="3", reason="x", replacement=draft)
    with pytest.raises(ValidationError):  # itself
        revisions.revision_request(membership=clerk, outgoing=issued, kind="2", reason="x", replacement=issued)


def test_agreed_recall_withdraws_the_copy_ends_assignments_and_the_sender_sees_15(
        issued, clerk, leader, portal_agency, k_clerk, client_for, monkeypatch, django_capture_on_commit_callbacks):
    copy = Incoming.objects.get(agency=portal_agency)
    k_leader = factories.make_member(portal_agency, "leader", unit=k_clerk.unit, position="Chủ tịch")
    handler = factories.make_member(portal_agency, "specialist", unit=k_clerk.unit)
    copy = incoming_services.incoming_register(membership=k_clerk, incoming=copy)
    copy = incoming_services.incoming_route(membership=k_leader, incoming=copy, lead_member=handler)
    heard = []
    monkeypatch.setattr(extensions, "INCOMING_STATUS",
                        [lambda incoming, code, reason: heard.append((incoming.pk, code, reason))])
    with django_capture_on_commit_callbacks(execute=True):
        revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="Sai thẩm quyền")
        revisions.revision_decide(membership=leader, revision=revision, agree=True)
    request = IncomingRevision.objects.get(incoming=copy)
    with pytest.raises(PermissionDenied):  # the handler is not the clerk
        revisions.incoming_revision_answer(membership=handler, revision=request, agree=True)
    with django_capture_on_commit_callbacks(execute=True):
        revisions.incoming_revision_answer(membership=k_clerk, revision=request, agree=True)
    copy.refresh_from_db()
    assert copy.status == Incoming.Status.RECALLED and copy.withdrawn_at is not None
    assert not copy.assignments.filter(is_current=True).exists()
    assert (copy.pk, "13", "Sai thẩm quyền") in heard and (copy.pk, "15", "") in heard
    recall = copy.events.get(action=IncomingEvent.Action.RECALL)
    assert recall.actor == k_clerk.user and recall.status == "13"
    notice = RevisionNotice.objects.get(delivery__channel=Delivery.Channel.PORTAL)
    assert (notice.answer, notice.answered_by) == ("15", k_clerk.user.full_name)
    # The copy's files are kept but no longer served; the handler cannot act on it any more.
    file = copy.files.first()
    assert file.file.storage.exists(file.file.name)
    page = client_for(k_clerk).get(f"/incoming/{copy.pk}/files/{file.pk}/")
    assert page.status_code == 410 and "đã bị thu hồi" in page.content.decode()
    with pytest.raises(ValidationError):
        incoming_services.incoming_progress(membership=handler, incoming=copy, text="Tiếp tục")


def test_refusal_needs_a_reason_and_keeps_the_copy(issued, clerk, leader, portal_agency, k_clerk,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="Sai sót")
        revisions.revision_decide(membership=leader, revision=revision, agree=True)
    request = IncomingRevision.objects.get()
    with pytest.raises(ValidationError):
        revisions.incoming_revision_answer(membership=k_clerk, revision=request, agree=False)
    revisions.incoming_revision_answer(membership=k_clerk, revision=request, agree=False, reason="Đã thực hiện xong")
    copy = Incoming.objects.get(agency=portal_agency)
    assert copy.status == "01" and copy.withdrawn_at is None
    notice = RevisionNotice.objects.get(delivery__channel=Delivery.Channel.PORTAL)
    assert (notice.answer, notice.answer_reason) == ("16", "Đã thực hiện xong")
    with pytest.raises(ValidationError):  # answered once
        revisions.incoming_revision_answer(membership=k_clerk, revision=request, agree=True)


def test_replacement_names_the_new_document_and_links_the_copy_that_arrived(
        issued, setup, specialist, leader, clerk, portal_agency, k_clerk, django_capture_on_commit_callbacks):
    new = issue(specialist, leader, clerk, to_agency(portal_agency), to_email("contact@congty.vn"),
                capture=django_capture_on_commit_callbacks, summary="V/v triển khai Chỉ thị 34 (thay thế)")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="3", reason="Thay nội dung",
                                              replacement=new)
        revisions.revision_decide(membership=leader, revision=revision, agree=True)
    request = IncomingRevision.objects.get()
    assert request.replacement_notation == new.notation
    assert request.replacement == Incoming.objects.get(agency=portal_agency, notation=new.notation)
    assert f"THAY THẾ bởi văn bản số {new.notation}" in mail.outbox[0].body
    revisions.incoming_revision_answer(membership=k_clerk, revision=request, agree=True)
    assert Incoming.objects.get(pk=request.incoming_id).status == "01"  # replaced, not withdrawn
    # A replaced document is not recalled or replaced again.
    with pytest.raises(ValidationError):
        revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="x")


def test_peer_recipients_are_left_to_the_exchange_hook_and_answers_come_back_by_code(
        issued, clerk, leader, monkeypatch, django_capture_on_commit_callbacks):
    peer_agency = factories.make_agency("Ủy ban nhân dân tỉnh Đắk Lắk", code="000.00.00.H17", domain="daklak.gov.vn")
    delivery = Delivery.objects.create(outgoing=issued, channel=Delivery.Channel.PEER, agency=peer_agency,
                                       name=peer_agency.name)
    told = []
    monkeypatch.setattr(extensions, "REVISION_SENT", [told.append])  # the exchange app's sender is not in play
    with django_capture_on_commit_callbacks(execute=True):
        revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="Sai sót")
        revisions.revision_decide(membership=leader, revision=revision, agree=True)
    assert [r.pk for r in told] == [revision.pk]
    notice = RevisionNotice.objects.get(delivery=delivery)
    assert notice.sending == RevisionNotice.Sending.PENDING
    with pytest.raises(ValidationError):
        revisions.revision_answer_record(notice, code="06")
    revisions.revision_answer_record(notice, code="16", reason="Đã ban hành văn bản thực hiện", by_name="Lê Văn A")
    revisions.revision_answer_record(notice, code="15")  # the first answer stays
    notice.refresh_from_db()
    assert (notice.answer, notice.answer_reason, notice.answered_by) == ("16", "Đã ban hành văn bản thực hiện",
                                                                          "Lê Văn A")


def test_incoming_revision_arrived_is_idempotent_on_the_message_id(issued, portal_agency):
    copy = Incoming.objects.get(agency=portal_agency)
    first = revisions.incoming_revision_arrived(copy, kind="2", reason="Đính chính", replacement_notation="02/BNV-VP",
                                                message_id="m-1")
    again = revisions.incoming_revision_arrived(copy, kind="2", reason="Đính chính", message_id="m-1")
    assert first.pk == again.pk and IncomingRevision.objects.count() == 1
    assert copy.events.filter(action=IncomingEvent.Action.REVISION).count() == 1


def test_a_portal_copy_still_on_its_way_gets_the_request_when_it_arrives(
        setup, specialist, leader, clerk, portal_agency, django_capture_on_commit_callbacks):
    outgoing = services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader,
                                                                         to_agency(portal_agency)))
    delivery = outgoing.deliveries.get()
    assert not Incoming.objects.filter(agency=portal_agency).exists()  # the fan-out did not run
    revision = revisions.revision_request(membership=clerk, outgoing=outgoing, kind="1", reason="Sai sót")
    revisions.revision_decide(membership=leader, revision=revision, agree=True)
    from documents.services.delivery import delivery_into_portal

    delivery_into_portal(delivery.pk)
    copy = Incoming.objects.get(agency=portal_agency)
    assert IncomingRevision.objects.get().incoming == copy
    assert RevisionNotice.objects.get().sending == RevisionNotice.Sending.SENT


def test_notice_email_retries_then_is_sent_once(issued, clerk, leader, monkeypatch,
                                               django_capture_on_commit_callbacks):
    revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="Sai sót")
    revisions.revision_decide(membership=leader, revision=revision, agree=True)  # its task is not run
    notice = RevisionNotice.objects.get(delivery__channel=Delivery.Channel.EMAIL)

    class Down:
        def send_messages(self, messages):
            raise smtplib.SMTPServerDisconnected("relay down")

        def close(self):
            pass

    monkeypatch.setattr(revision_mail, "get_connection", lambda: Down())
    assert revision_mail.notices_send([notice.pk]) == [(notice.pk, 60)]
    notice.refresh_from_db()
    assert (notice.sending, notice.attempts) == (RevisionNotice.Sending.RETRY, 1) and "relay down" in notice.response
    message_id = notice.message_id
    monkeypatch.undo()
    assert revision_mail.notices_send([notice.pk]) == []
    notice.refresh_from_db()
    assert (notice.sending, notice.attempts, notice.message_id) == (RevisionNotice.Sending.SENT, 2, message_id)
    assert len(mail.outbox) == 1 and mail.outbox[0].extra_headers["Message-ID"] == message_id


def test_secret_documents_are_never_named_in_a_notice_email(setup, specialist, leader, clerk, portal_agency,
                                                             django_capture_on_commit_callbacks):
    secret = issue(specialist, leader, clerk, to_agency(portal_agency), capture=django_capture_on_commit_callbacks,
                   secrecy="mat")
    forced = Delivery.objects.create(outgoing=secret, channel=Delivery.Channel.EMAIL, name="Hộp thư lạ",
                                     email="ro-ri@congty.vn")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        revision = revisions.revision_request(membership=clerk, outgoing=secret, kind="1", reason="Sai sót")
        revisions.revision_decide(membership=leader, revision=revision, agree=True)
    assert RevisionNotice.objects.get(delivery=forced).sending == RevisionNotice.Sending.WITHHELD
    assert revision_mail.notices_send([RevisionNotice.objects.get(delivery=forced).pk]) == []
    assert mail.outbox == []
    assert IncomingRevision.objects.filter(incoming__agency=portal_agency).count() == 1


def test_a_recalled_document_is_not_sent_again(issued, clerk, leader, django_capture_on_commit_callbacks):
    from documents.services.delivery import deliveries_resend_failed, delivery_resend

    email = issued.deliveries.get(channel=Delivery.Channel.EMAIL)
    Delivery.objects.filter(pk=email.pk).update(status=Delivery.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="Sai sót")
        revisions.revision_decide(membership=leader, revision=revision, agree=True)
    with pytest.raises(ValidationError):
        delivery_resend(membership=clerk, delivery=email, email="contact@congty.vn")
    with pytest.raises(ValidationError):
        deliveries_resend_failed(membership=clerk, outgoing=issued)


def test_a_notice_refused_for_good_fails_at_once_and_a_lost_one_is_sent_by_the_recovery(
        issued, clerk, leader, monkeypatch):
    import datetime

    from django.utils import timezone

    from documents.tasks import revision_notices_recover

    revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="1", reason="Sai sót")
    revisions.revision_decide(membership=leader, revision=revision, agree=True)  # its task is lost
    notice = RevisionNotice.objects.get(delivery__channel=Delivery.Channel.EMAIL)
    assert revision_mail.notices_lost() == []  # not yet: its task may still come
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert revision_mail.notices_lost(later) == [notice.pk]
    monkeypatch.setattr(revision_mail, "notices_lost", lambda: [notice.pk])
    assert revision_notices_recover() == 1
    notice.refresh_from_db()
    assert notice.sending == RevisionNotice.Sending.SENT and len(mail.outbox) == 1

    class Refusing:
        def send_messages(self, messages):
            raise smtplib.SMTPRecipientsRefused({"x@congty.vn": (550, b"No such user")})

        def close(self):
            pass

    RevisionNotice.objects.filter(pk=notice.pk).update(sending=RevisionNotice.Sending.PENDING, attempts=0)
    monkeypatch.setattr(revision_mail, "get_connection", lambda: Refusing())
    assert revision_mail.notices_send([notice.pk]) == []
    notice.refresh_from_db()
    assert notice.sending == RevisionNotice.Sending.FAILED and "No such user" in notice.response


def test_the_pages_of_both_documents_say_which_replaces_which(issued, setup, specialist, leader, clerk,
                                                              portal_agency, client_for,
                                                              django_capture_on_commit_callbacks):
    new = issue(specialist, leader, clerk, to_agency(portal_agency), capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="3", reason="Thay",
                                              replacement=new)
        revisions.revision_decide(membership=leader, revision=revision, agree=True)
    client = client_for(clerk)
    old_page = client.get(f"/outgoing/{issued.pk}/").content.decode()
    assert f"Đã được thay thế bởi văn bản {new.notation}" in old_page
    assert f"Thay thế văn bản số {issued.notation}" in client.get(f"/outgoing/{new.pk}/").content.decode()


def test_a_replacement_copy_arriving_after_the_request_is_linked_to_it(
        issued, setup, specialist, leader, clerk, portal_agency, django_capture_on_commit_callbacks):
    from documents.services.delivery import delivery_into_portal

    new = services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, to_agency(portal_agency)))
    with django_capture_on_commit_callbacks(execute=True):
        revision = revisions.revision_request(membership=clerk, outgoing=issued, kind="2", reason="Đính chính",
                                              replacement=new)
        revisions.revision_decide(membership=leader, revision=revision, agree=True)
    request = IncomingRevision.objects.get()
    assert request.replacement is None and request.replacement_notation == new.notation
    delivery_into_portal(new.deliveries.get().pk)
    request.refresh_from_db()
    assert request.replacement == Incoming.objects.get(agency=portal_agency, notation=new.notation)

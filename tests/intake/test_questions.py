"""Questions from citizens and businesses: detected among mail without files, answered from the portal with a
reply e-mail from the agency's official address, threaded to the question, its time recorded."""

import datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from intake import tasks
from intake.models import InboundMessage, MailboxCheck, Question
from tests import factories

from .mail import build
from .test_views import message_for

pytestmark = pytest.mark.django_db
ASKED_ID = "<cau-hoi-1@gmail.com>"
EARLIER_ID = "<truoc-do@gmail.com>"


def ask(imap_account, mailbox, **headers):
    imap_account.append(build(
        subject="Hỏi về thủ tục cấp giấy phép", body="Xin hỏi hồ sơ cấp giấy phép gồm những gì?",
        sender="Trần Thị Dân <tran.dan@gmail.com>", message_id=ASKED_ID, References=EARLIER_ID, **headers))
    tasks.mailbox_poll(mailbox.pk)
    return InboundMessage.objects.get(message_id=ASKED_ID)


def test_a_citizens_question_is_answered_with_a_threaded_reply_that_reaches_the_smtp_server(
        client_for, clerk, mailbox, imap_account, smtp_sink):
    message = ask(imap_account, mailbox)
    question = message.question
    assert question.status == Question.Status.OPEN
    assert question.due_on > timezone.localdate(message.received_at)

    client = client_for(clerk)
    assert "Đây là câu hỏi" not in client.get(reverse("inbound_detail", args=[message.pk])).content.decode()
    page = client.get(reverse("question_list")).content.decode()
    assert "Hỏi về thủ tục cấp giấy phép" in page and "Chưa trả lời" in page
    response = client.post(reverse("question_detail", args=[question.pk]),
                           {"text": "Kính gửi bà Dân,\nHồ sơ gồm đơn đề nghị và bản sao giấy tờ tùy thân."})
    assert response.status_code == 302

    sent = smtp_sink.messages()
    assert [m["to"] for m in sent] == [["tran.dan@gmail.com"]]
    reply = message_from_bytes(Path(sent[0]["path"]).read_bytes(), policy=policy.default)
    assert reply["In-Reply-To"] == ASKED_ID
    assert reply["References"].split() == [EARLIER_ID, ASKED_ID]
    assert reply["From"].addresses[0].addr_spec == clerk.agency.official_email
    assert reply["From"].addresses[0].display_name == clerk.agency.name
    assert str(reply["Subject"]) == "Re: Hỏi về thủ tục cấp giấy phép"
    assert not reply.is_multipart() and "Hồ sơ gồm đơn đề nghị" in reply.get_content()

    question.refresh_from_db()
    assert question.status == Question.Status.ANSWERED and question.answered_by == clerk
    assert question.reply_message_id == reply["Message-ID"] == sent[0]["message_id"]
    assert question.time_taken == question.answered_at - message.received_at
    assert question.answered_on_time
    assert MailboxCheck.objects.filter(membership=clerk, action=MailboxCheck.Action.ANSWERED).exists()
    page = client.get(reverse("question_detail", args=[question.pk])).content.decode()
    assert "Đã trả lời đúng hạn" in page and 'data-testid="answer-form"' not in page
    # Sent once: answering again is refused.
    page = client.post(reverse("question_detail", args=[question.pk]), {"text": "Lần nữa"}).content.decode()
    assert len(smtp_sink.messages()) == 1


def test_a_specialist_answers_but_another_agencys_clerk_can_neither_see_nor_answer(
        client_for, specialist, mailbox, imap_account, smtp_sink, other_agency):
    question = ask(imap_account, mailbox).question
    stranger = factories.make_member(other_agency, "clerk")
    client = client_for(stranger)
    assert client.get(reverse("question_detail", args=[question.pk])).status_code == 404
    assert client.post(reverse("question_detail", args=[question.pk]), {"text": "Trả lời"}).status_code == 404
    assert "Hỏi về thủ tục" not in client.get(reverse("question_list")).content.decode()
    assert smtp_sink.messages() == []

    client = client_for(specialist)
    assert client.post(reverse("question_detail", args=[question.pk]), {"text": "Trả lời"}).status_code == 302
    assert len(smtp_sink.messages()) == 1
    assert not MailboxCheck.objects.exists()  # a specialist answers, but does not check the mailbox


def test_documents_and_official_mail_are_not_questions(mailbox, imap_account, client_for, clerk):
    imap_account.append(build(subject="Công văn hỏi ý kiến?", body="Có hỏi không?",
                              sender="Văn phòng <vp@kontum.gov.vn>"))
    imap_account.append(build(subject="Đơn xin hỏi", body="Xin hỏi", sender="Dân <dan@gmail.com>",
                              attachments=[("don.pdf", "application/pdf", b"%PDF-1.4 x")]))
    imap_account.append(build(subject="Cảm ơn", body="Cảm ơn cơ quan đã hỗ trợ.", sender="Dân <dan2@gmail.com>"))
    tasks.mailbox_poll(mailbox.pk)
    assert InboundMessage.objects.count() == 3 and not Question.objects.exists()
    thanks = InboundMessage.objects.get(subject="Cảm ơn")
    # The clerk can still say that a message without files asks something.
    response = client_for(clerk).post(reverse("inbound_mark_question", args=[thanks.pk]))
    assert response.status_code == 302 and thanks.question.status == Question.Status.OPEN


def test_an_open_question_past_its_due_date_shows_as_overdue(client_for, clerk, mailbox):
    message = message_for(mailbox, "Hỏi về lệ phí", official=False)
    Question.objects.create(message=message, agency=mailbox.agency, asked_at=message.received_at,
                            due_on=timezone.localdate() - datetime.timedelta(days=1))
    client = client_for(clerk)
    page = client.get(reverse("question_list") + "?status=overdue").content.decode()
    assert "Hỏi về lệ phí" in page and "Quá hạn trả lời" in page
    assert "1 quá hạn" in client.get(reverse("dashboard")).content.decode()


def test_a_reply_the_mail_server_refuses_leaves_the_question_open(client_for, clerk, mailbox, settings):
    message = message_for(mailbox, "Hỏi về lệ phí?", official=False, message_id="<x@gmail.com>")
    question = Question.objects.create(message=message, agency=mailbox.agency, asked_at=message.received_at,
                                       due_on=timezone.localdate())
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    page = client_for(clerk).post(reverse("question_detail", args=[question.pk]), {"text": "Trả lời"})
    assert "Chưa gửi được thư trả lời" in page.content.decode()
    question.refresh_from_db()
    assert question.status == Question.Status.OPEN and question.reply_text == ""

"""Questions from citizens and businesses (câu hỏi): a mailbox message without files, from outside the
official domains, that asks something; answered by e-mail from the agency's official address, threaded to
the question (In-Reply-To, References), within a due date counted in working days. Replies carry no
document, only the text typed in the portal."""

import re
from datetime import timedelta
from email.headerregistry import Address
from email.parser import BytesHeaderParser
from email.utils import make_msgid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.mail_headers import MAIL_POLICY, PolicyEmailMessage
from core.text import fold, nfc

from . import checks, selectors
from .models import InboundMessage, MailboxCheck, Question

# Who reads and answers questions: the clerk who takes mail in, and the specialists and leaders who know
# the answer. Only clerks triage the mailbox itself.
QUESTION_ROLES = selectors.PAGE_ROLES["question_list"]
# Folded (no diacritics, lower case) phrases that ask something, besides a question mark.
ASKING = re.compile(r"\b(xin hoi|cho (toi|em|chung toi) hoi|cho hoi|xin cho biet|de nghi cho biet|vui long cho biet"
                    r"|xin huong dan|huong dan giup|giai dap|thac mac|lam the nao|bao gio|o dau)\b")
REPLY_MAX = 20000


def looks_like_question(message):
    """No file attached, not from an official address, and the subject or text asks something."""
    if message.sender_is_official or not message.sender_email:
        return False
    if message.attachments.filter(is_inline=False).exists():
        return False
    text = f"{message.subject}\n{message.body_text}"
    return "?" in text or bool(ASKING.search(fold(text)))


def question_detect(message):
    """intake, when a message is stored: make it a question if it looks like one. Returns the question or None."""
    if not looks_like_question(message):
        return None
    return _question_create(message)


def questions_detect_new(mailbox_id, since=timedelta(days=1)):
    """After a read of the mailbox: the recent mail without files that is not yet a question is looked at once
    more (detection is idempotent); returns how many questions there are now among them."""
    recent = (InboundMessage.objects.filter(mailbox_id=mailbox_id, imported_at__gte=timezone.now() - since,
                                            status=InboundMessage.Status.CORRESPONDENCE, question__isnull=True)
              .select_related("agency"))
    return sum(1 for message in recent if question_detect(message))


def _question_create(message):
    rule = checks.rule_of(message.agency)
    due_on = checks.working_days_after(message.agency, timezone.localdate(message.received_at),
                                       rule.question_due_days)
    question, _created = Question.objects.get_or_create(
        message=message, defaults={"agency_id": message.agency_id, "asked_at": message.received_at, "due_on": due_on})
    return question


@transaction.atomic
def question_mark(*, membership, message):
    """A clerk says that a mailbox message asks something (detection missed it); it must carry no file."""
    if not checks.may_check(membership) or membership.agency_id != message.agency_id:
        raise PermissionDenied(_("Chỉ văn thư của cơ quan nhận mới xử lý được thư này."))
    if message.attachments.filter(is_inline=False).exists():
        raise ValidationError(_("Thư có tệp đính kèm là văn bản, không phải câu hỏi; hãy vào sổ văn bản đến."))
    return _question_create(message)


# --- Reading -------------------------------------------------------------------------------------------

def _ensure_reader(membership):
    if not (membership and membership.has_role(*QUESTION_ROLES)):
        raise Http404


def questions_for(membership, status=None):
    """The questions of the person's own agency, the oldest due first; anyone else gets a 404."""
    _ensure_reader(membership)
    questions = Question.objects.filter(agency=membership.agency).select_related("message", "answered_by__user")
    if status == "overdue":
        return questions.filter(status=Question.Status.OPEN, due_on__lt=timezone.localdate())
    if status in Question.Status.values:
        questions = questions.filter(status=status)
    return questions


def question_get_for_user(membership, pk):
    _ensure_reader(membership)
    return get_object_or_404(Question.objects.select_related("message", "answered_by__user"),
                             pk=pk, agency=membership.agency)


# --- Answering -----------------------------------------------------------------------------------------

def _references(message):
    """The question's References plus its Message-ID, read from the stored original."""
    own = message.message_id.strip()
    earlier = ""
    if message.raw:
        with message.raw.open("rb") as handle:
            headers = BytesHeaderParser(policy=MAIL_POLICY).parse(handle)
        earlier = " ".join(str(headers.get("References", "")).split())
    return " ".join(part for part in (earlier, own) if part)


def _reply_subject(subject):
    subject = " ".join((subject or "").split())
    return subject if re.match(r"(?i)^(re|tl|trả lời)\s*:", subject) else f"Re: {subject}".strip()


def reply_build(question, text):
    """The reply e-mail: from the agency's official address to the asker, threaded, text only."""
    message, agency = question.message, question.agency
    domain = agency.official_email.rpartition("@")[2]
    headers = {"Message-ID": make_msgid(domain=domain)}
    if message.message_id:
        headers["In-Reply-To"] = message.message_id.strip()
        headers["References"] = _references(message)
    return PolicyEmailMessage(
        subject=_reply_subject(message.subject),
        body=nfc(text),
        from_email=str(Address(nfc(agency.name), addr_spec=agency.official_email)),
        to=[str(Address(nfc(message.sender_name), addr_spec=message.sender_email))],
        headers=headers,
    )


def _names_a_secret_document(agency, text):
    """Whether the text names a secret document of the agency (number, summary or page): replies carry none.
    Read through the agency's reverse relations, so that intake needs nothing from documents."""
    folded = fold(text)
    for documents, kind in ((agency.outgoing, "outgoing"), (agency.incoming, "incoming")):
        for pk, notation, summary in documents.exclude(secrecy="").values_list("pk", "notation", "summary"):
            named = [fold(notation)] if notation else []
            named += [fold(summary)] if len(summary or "") >= 12 else []
            if f"/{kind}/{pk}/" in text or any(n in folded for n in named):
                return True
    return False


def question_answer(*, membership, question, text, now=None):
    """Send the answer typed by a clerk, specialist or leader of the agency to an open question; records who,
    when and how long it took. Nothing is recorded unless the mail server accepted the reply."""
    if not (membership and membership.agency_id == question.agency_id and membership.has_role(*QUESTION_ROLES)):
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan nhận mới trả lời được câu hỏi này."))
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Hãy nhập nội dung trả lời."))
    if len(text) > REPLY_MAX:
        raise ValidationError(_("Nội dung trả lời quá dài (tối đa %(max)s ký tự).") % {"max": REPLY_MAX})
    if _names_a_secret_document(question.agency, text):
        raise ValidationError(_("Thư trả lời không được nêu số, ký hiệu, trích yếu hay đường dẫn của văn bản mật."))
    with transaction.atomic():
        question = Question.objects.select_for_update().select_related("message", "agency").get(pk=question.pk)
        if question.status != Question.Status.OPEN:
            raise ValidationError(_("Câu hỏi này đã được trả lời."))
        email = reply_build(question, text)
        try:
            email.send()
        except OSError as exc:
            raise ValidationError(_("Chưa gửi được thư trả lời (máy chủ thư: %(error)s). Câu hỏi vẫn chờ trả lời; "
                                    "hãy thử lại sau.") % {"error": exc}) from exc
        now = now or timezone.now()
        question.status, question.answered_at, question.answered_by = Question.Status.ANSWERED, now, membership
        question.reply_text, question.reply_message_id = text, email.extra_headers["Message-ID"]
        question.time_taken = now - question.asked_at
        question.save(update_fields=["status", "answered_at", "answered_by", "reply_text", "reply_message_id",
                                     "time_taken"])
        if checks.may_check(membership):
            checks.mailbox_check_record(membership=membership, action=MailboxCheck.Action.ANSWERED,
                                        message=question.message, now=now)
    return question


def inbound_question_of(message):
    """The message's question, or None."""
    return Question.objects.filter(message=message).first()

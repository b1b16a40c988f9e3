"""Secret stays inside: no e-mail the portal sends names a secret document (summary, number, file or link).

Every function that hands a message to a mail server is listed in SENDING_PATHS, and a scan of the code finds
exactly those: a new path fails here until it is added and exercised below with a secret document in play.
The scenario runs every path, through a real SMTP server and through the portal's own .eml backend, with a
secret document issued, delivered into the portal, overdue, and one e-mail delivery row for it forced, then
reads every message that went out: subject, headers, text and attachments.
"""

import ast
import datetime
import email
import hashlib
from email import policy
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts import services as account_services
from core.mail import mail_may_name
from documents import mail_delivery, revision_mail
from documents.models import Delivery, DocumentType, Incoming, Recipient, RevisionNotice
from documents.services import incoming as incoming_services
from documents.services import outgoing as outgoing_services
from documents.services import revisions
from documents.services.reminders import overdue_digest_send
from intake.models import InboundMessage, Mailbox, Question
from intake.questions import question_answer
from meetings.models import Invitee, Meeting
from meetings.services import changes as meeting_changes
from pki.demo import issue_certificate
from schedules import services as schedule_services
from schedules.models import ScheduleRecipient
from search.models import SavedSearch
from search.services import saved_search_digest_send
from tests import factories
from tests.documents.conftest import approved

ROOT = Path(__file__).resolve().parent.parent
SECRET_SUMMARY = "Phương án bảo vệ mục tiêu trọng yếu năm 2026"
SECRET_MEETING = "Họp bàn phương án bảo vệ mục tiêu"

# "module:function" of every place that gives a message to a mail server or backend, and how it is exercised.
SENDING_PATHS = {
    "accounts.services:invitation_send": "an admin invites a new staff member",
    "accounts.services:post_added_send": "an admin adds a person who already has an account",
    "documents.mail_delivery:SmtpTransport._commands": "e-mail deliveries over SMTP (issue, citizens' replies)",
    "documents.mail_delivery:BackendTransport.send": "e-mail deliveries through a Django backend (.eml files)",
    "documents.mail_delivery:RawMessage": "the message BackendTransport hands to the backend",
    "documents.services.reminders:overdue_digest_send": "the daily overdue digest",
    "documents.mail_delivery:MessageFactory.__init__": "the headers and files every recipient of a document shares",
    "documents.mail_delivery:MessageFactory.build": "each recipient's own headers and text",
    "core.mail_headers:PolicyEmailMessage": "Django's messages (invitations, digest, allauth) under the mail policy",
    "core.mail_headers:PolicyMessage": "the standard-library message PolicyEmailMessage hands to the backend",
    "accounts.adapters:AccountAdapter.render_mail": "allauth's messages (address confirmation, password reset)",
    "intake.questions:reply_build": "the answer to a citizen's question asked by e-mail",
    "agencies.mail_auth:DkimEmailBackend.send_messages": "Django's messages DKIM-signed (adds a header, no text)",
    "meetings.mail:MeetingEmailMessage": "meeting e-mails (changes, reminders, answer reminders) with their iCalendar",
    "meetings.mail:mail_send": "each meeting e-mail row, sent once under its lock (none for a secret meeting)",
    "schedules.publication:sending_message": "a published work schedule e-mailed with its PDF and .ics",
    "documents.revision_mail:notice_build": "the notice of a recall, update or replacement to e-mail recipients",
    "documents.revision_mail:notice_send": "each such notice, sent once under its lock (none for a secret document)",
    "search.services:saved_search_digest_send": "the daily e-mail of a saved search's new matches",
}
# allauth's own messages (password reset, address confirmation) go through Django's send_mail from the library;
# the scenario below triggers them too.
SEND_CALLS = {"send_mail", "send_mass_mail", "mail_admins", "mail_managers", "send_messages", "sendmail",
              "send_message", "docmd", "EmailMessage", "EmailMultiAlternatives", "PolicyEmailMessage"}
MESSAGE_CLASSES = {"EmailMessage", "EmailMultiAlternatives", "PolicyEmailMessage"}


def _sending_paths_of(module, tree):
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and (
                node.module.startswith("django.core.mail") or node.module == "smtplib"):
            names.update({alias.asname or alias.name: alias.name for alias in node.names})

    def name_of(node):
        if isinstance(node, ast.Attribute):
            return node.attr
        return names.get(node.id, node.id) if isinstance(node, ast.Name) else None

    found = set()

    def visit(node, where):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef) and any(name_of(b) in MESSAGE_CLASSES for b in child.bases):
                found.add(f"{module}:{'.'.join([*where, child.name])}")
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(child, [*where, child.name])
                continue
            if isinstance(child, ast.Call) and name_of(child.func) in SEND_CALLS and where:
                found.add(f"{module}:{'.'.join(where)}")
            visit(child, where)

    visit(tree, [])
    return found


def sending_paths_in_the_code():
    found = set()
    for path in sorted(ROOT.glob("*/**/*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in (".venv", "tests", "bench", "var") or "migrations" in rel.parts:
            continue
        module = ".".join(rel.with_suffix("").parts)
        found |= _sending_paths_of(module, ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_every_sending_path_is_known_and_exercised_below():
    assert sending_paths_in_the_code() == set(SENDING_PATHS)


# --- The scenario -------------------------------------------------------------------------------------------

@pytest.fixture(params=["smtp", "eml", "dkim+eml"])
def outbox(request, tmp_path, settings):
    """Where the sent messages can be read: a real SMTP server, or the portal's .eml files (DKIM-signed by
    agencies.mail_auth.DkimEmailBackend in front of them)."""
    if request.param == "smtp":
        sink = request.getfixturevalue("smtp_sink")
        return lambda: [Path(m["path"]).read_bytes() for m in sink.messages()]
    settings.EMAIL_BACKEND = "core.mail.EmlFileBackend"
    if request.param == "dkim+eml":
        settings.DKIM_INNER_EMAIL_BACKEND, settings.EMAIL_BACKEND = settings.EMAIL_BACKEND, "agencies.mail_auth.DkimEmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    return lambda: [p.read_bytes() for p in sorted((tmp_path / "mail").glob("*.eml"))]


def texts_of(raw):
    """Every readable piece of a message: headers, text parts, and the attachments' bytes (as their hash)."""
    message = email.message_from_bytes(raw, policy=policy.default)
    texts = [f"{name}: {value}" for name, value in message.items()]
    hashes = set()
    for part in message.walk():
        if part.is_multipart():
            continue
        texts += [f"{name}: {value}" for name, value in part.items()]
        content = part.get_content()
        if isinstance(content, str):
            texts.append(content)
        else:
            hashes.add(hashlib.sha256(content).hexdigest())
            texts.append(content.decode("latin-1"))
    return message, "\n".join(texts), hashes


@pytest.fixture
def world(db):
    ministry = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    issue_certificate(ministry)
    office = factories.make_unit(ministry, "Văn phòng Bộ", "VP")
    kontum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")
    kontum_office = factories.make_unit(kontum, "Văn phòng", "VP")
    nghean = factories.make_agency("Ủy ban nhân dân tỉnh Nghệ An", code="000.00.00.H40", domain="nghean.gov.vn",
                                   uses_portal=False)
    return {
        "ministry": ministry, "kontum": kontum, "nghean": nghean,
        "specialist": factories.make_member(ministry, "specialist", unit=office),
        "leader": factories.make_member(ministry, "leader", unit=office, position="Bộ trưởng"),
        "clerk": factories.make_member(ministry, "clerk", unit=office, position="Văn thư"),
        "admin": factories.make_member(ministry, "admin", unit=office, position="Quản trị"),
        "k_clerk": factories.make_member(kontum, "clerk", unit=kontum_office, position="Văn thư"),
        "k_leader": factories.make_member(kontum, "leader", unit=kontum_office, position="Chủ tịch"),
        "k_handler": factories.make_member(kontum, "specialist", unit=kontum_office),
    }


def ask_question(agency, sender):
    mailbox = Mailbox.objects.create(agency=agency, host="mail.moha.gov.vn", username="vanthu", enabled=False)
    message = InboundMessage(agency=agency, mailbox=mailbox, uidvalidity=1, uid=1, raw_sha256="0" * 64,
                             message_id="<hoi@example.com>", sender_email=sender, subject="Hỏi thủ tục?",
                             body_text="Xin hỏi thủ tục?", status=InboundMessage.Status.CORRESPONDENCE)
    message.raw.save("m.eml", ContentFile(b"Subject: x\r\n\r\nx"), save=False)
    message.save()
    return Question.objects.create(message=message, agency=agency, asked_at=message.received_at,
                                   due_on=timezone.localdate())


def meeting_of(w, invitation, title, email, *also):
    """A meeting called by `invitation` (issued), with an outside address and `also` agencies invited."""
    starts = timezone.now() + datetime.timedelta(days=2)
    meeting = Meeting.objects.create(agency=w["ministry"], invitation=invitation, title=title, starts_at=starts,
                                     ends_at=starts + datetime.timedelta(hours=2), chair_name="Bộ trưởng",
                                     created_by=w["specialist"].user)
    Invitee.objects.create(meeting=meeting, kind=Invitee.Kind.EMAIL, email=email, name="Khách mời")
    for agency in also:
        Invitee.objects.create(meeting=meeting, kind=Invitee.Kind.AGENCY, agency=agency, name=agency.name)
    return meeting


def issue(w, *recipients, **kwargs):
    return outgoing_services.outgoing_issue(
        membership=w["clerk"], outgoing=approved(w["specialist"], w["leader"], *recipients, **kwargs))


def test_no_message_of_any_sending_path_names_a_secret_document(world, outbox, client,
                                                                django_capture_on_commit_callbacks):
    w = world
    # The ministry's leader keeps a search matching both of its documents below, with a daily e-mail.
    SavedSearch.objects.create(membership=w["leader"], name="Văn bản của Bộ", query="bo noi vu", email_daily=True,
                               last_notified_at=timezone.now() - datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        # A secret document to an agency on the portal, one known by e-mail, an outside address and a citizen.
        secret = issue(
            w, {"kind": Recipient.Kind.AGENCY, "agency": w["kontum"], "role": Recipient.Role.KINH_GUI},
            {"kind": Recipient.Kind.AGENCY, "agency": w["nghean"]},
            {"kind": Recipient.Kind.EMAIL, "email": "hopthu@congty.vn", "name": "Công ty TNHH Thử"},
            {"kind": Recipient.Kind.CITIZEN, "email": "dan@example.com", "name": "Ông Dân"},
            summary=SECRET_SUMMARY, secrecy="mat",
        )
    # Even an e-mail delivery row of a secret document (planning never makes one) sends nothing.
    forced = Delivery.objects.create(outgoing=secret, channel=Delivery.Channel.EMAIL, name="Hộp thư lạ",
                                     email="ro-ri@congty.vn")
    mail_delivery.send_emails([forced.pk])

    with django_capture_on_commit_callbacks(execute=True):
        # A public reply to a citizen, by e-mail (number "01/QĐ-BNV": not the secret "01/BNV-VP").
        reply = issue(w, {"kind": Recipient.Kind.CITIZEN, "email": "dan@example.com", "name": "Ông Dân"},
                      doc_type=DocumentType.QUYET_DINH, summary="Quyết định cấp phép")
        # The secret document arrived in Kon Tum through the portal; it is registered, routed and overdue.
        arrived = Incoming.objects.get(agency=w["kontum"])
        registered = incoming_services.incoming_register(membership=w["k_clerk"], incoming=arrived)
        incoming_services.incoming_route(membership=w["k_leader"], incoming=registered, lead_member=w["k_handler"],
                                         due_date=timezone.localdate() - datetime.timedelta(days=3))
        # Invitations and notices to staff.
        account_services.staff_invite(admin=w["admin"], agency=w["ministry"], email="moi@moha.gov.vn",
                                      full_name="Người Mới", is_specialist=True)
        account_services.staff_invite(admin=w["admin"], agency=w["ministry"], email=w["k_leader"].user.email,
                                      full_name="", is_leader=True)
        # A secret meeting called by the secret document is postponed, reminded and cancelled (nothing leaves);
        # a public one called by the reply is cancelled (its notice goes out).
        secret_meeting = meeting_of(w, secret, SECRET_MEETING, "hopthu@congty.vn", w["nghean"])
        meeting_changes.meeting_postpone(membership=w["clerk"], meeting=secret_meeting,
                                         starts_at=secret_meeting.starts_at + datetime.timedelta(days=1),
                                         ends_at=secret_meeting.ends_at + datetime.timedelta(days=1))
        meeting_changes.answer_reminders_send(membership=w["clerk"], meeting=secret_meeting)
        meeting_changes.meeting_cancel(membership=w["clerk"], meeting=secret_meeting, reason="Đổi kế hoạch")
        meeting_changes.meeting_cancel(membership=w["clerk"], meeting=meeting_of(w, reply, "Họp công khai",
                                                                                 "khach@congty.vn"),
                                       reason="Đổi kế hoạch")
    assert overdue_digest_send() == 2  # the handler and the leader who routed
    assert saved_search_digest_send() == 1
    # allauth's messages: a password reset and a citizen's address confirmation.
    client.post("/accounts/password/reset/", {"email": w["leader"].user.email})
    client.post("/accounts/signup/", {"email": "moi@example.com", "password1": "Công-dân-2026!",
                                      "password2": "Công-dân-2026!", "full_name": "Công dân mới"})

    # A citizen's question answered by e-mail: a reply naming the secret document is refused, a plain one sent.
    question = ask_question(w["ministry"], "dan@example.com")
    with pytest.raises(ValidationError):
        question_answer(membership=w["clerk"], question=question, text=f"Xem văn bản {secret.notation}.")
    question_answer(membership=w["clerk"], question=question, text="Hồ sơ gồm đơn đề nghị.")

    # The secret document and the public reply are recalled: the citizen is told by e-mail; the secret
    # document's e-mail row (the forced one) is not, even when its notice is forced to be sent.
    with django_capture_on_commit_callbacks(execute=True):
        for document in (secret, reply):
            revision = revisions.revision_request(membership=w["clerk"], outgoing=document, kind="1",
                                                  reason="Ban hành sai thẩm quyền")
            revisions.revision_decide(membership=w["leader"], revision=revision, agree=True)
    RevisionNotice.objects.update_or_create(revision=secret.revisions.get(), delivery=forced,
                                            defaults={"sending": RevisionNotice.Sending.PENDING})
    revision_mail.notices_send(list(RevisionNotice.objects.values_list("pk", flat=True)))
    assert RevisionNotice.objects.get(delivery=forced).sending == RevisionNotice.Sending.WITHHELD

    # The ministry's week is published and e-mailed with its PDF and .ics; an internal entry names the secret
    # document and meeting (internal entries are never printed, attached or written in a schedule's e-mail).
    w["clerk"].is_schedule_keeper = True
    w["clerk"].save(update_fields=["is_schedule_keeper"])
    ScheduleRecipient.objects.create(agency=w["ministry"], kind=ScheduleRecipient.Kind.EMAIL, email="lich@congty.vn")
    with django_capture_on_commit_callbacks(execute=True):
        week = schedule_services.schedule_for_week(agency=w["ministry"], week_start=timezone.localdate(),
                                                   created_by=w["clerk"].user)
        monday = schedule_services.week_bounds(week.week_start)[0]
        schedule_services.entry_add(membership=w["clerk"], schedule=week, content="Giao ban tuần của Bộ",
                                    starts_at=monday + datetime.timedelta(hours=8))
        schedule_services.entry_add(membership=w["clerk"], schedule=week, is_internal=True,
                                    content=f"{SECRET_MEETING} ({secret.notation}: {SECRET_SUMMARY})",
                                    starts_at=monday + datetime.timedelta(hours=14))
        schedule_services.schedule_submit(membership=w["clerk"], schedule=week)
        schedule_services.schedule_approve(membership=w["leader"], schedule=week)

    secret_incoming = registered
    markers = [SECRET_SUMMARY, SECRET_MEETING, secret_meeting.uid, secret.notation, f"/outgoing/{secret.pk}/", f"/incoming/{secret_incoming.pk}/"]
    secret_files = set()
    for file in secret.files.all():
        for stored in (file.signed, file.draft):
            with stored.open("rb") as handle:
                secret_files.add(hashlib.sha256(handle.read()).hexdigest())

    by_recipient = {}
    for raw in outbox():
        message, text, hashes = texts_of(raw)
        by_recipient.setdefault(message["To"].addresses[0].addr_spec, []).append(text)
        assert not [m for m in markers if m in text], message["Subject"]
        assert not hashes & secret_files, message["Subject"]

    # Every path did send, so the assertions above read real messages.
    handler, router = w["k_handler"].official_email, w["k_leader"].user.email
    assert set(by_recipient) >= {"dan@example.com", "moi@moha.gov.vn", router, handler,
                                 w["leader"].user.email, "moi@example.com"}
    assert reply.notation in "".join(by_recipient["dan@example.com"])
    assert "đã bị THU HỒI" in "".join(by_recipient["dan@example.com"])
    assert "Hủy cuộc họp: Họp công khai" in "".join(by_recipient["khach@congty.vn"])
    assert "Giao ban tuần của Bộ" in "".join(by_recipient["lich@congty.vn"])
    saved = next(t for t in by_recipient[w["leader"].user.email] if "Tìm kiếm đã lưu" in t)
    assert "Quyết định cấp phép" in saved and "1 văn bản mật — xem trong cổng" in saved
    digest = next(t for t in by_recipient[handler] if "quá hạn" in t)
    assert "1 văn bản mật quá hạn — xem trong cổng" in digest
    # The secret document went to no address outside the portal.
    assert not {"hopthu@congty.vn", "ro-ri@congty.vn", w["nghean"].official_email} & set(by_recipient)
    assert secret.deliveries.filter(channel=Delivery.Channel.EMAIL, status=Delivery.Status.SENT).count() == 0


def test_the_rule_is_the_secrecy_of_the_document():
    class Document:
        def __init__(self, secrecy):
            self.secrecy = secrecy

    assert mail_may_name(Document("")) and not any(mail_may_name(Document(s)) for s in ("mat", "toi_mat", "tuyet_mat"))

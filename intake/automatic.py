"""Mail that no person wrote: delivery reports (bounces, RFC 3464) and auto-replies (RFC 3834).

Read from an agency mailbox, such a message is never an item for the clerk to register: `classify` recognises
it and the import hands it to the handlers registered with `on_automatic_mail` (documents matches a bounce to
the delivery it reports on), then records nothing in the mailbox list.

- A multipart/report with report-type=delivery-status is parsed with the standard library (each block of the
  message/delivery-status part is a Message): an action "failed" is a bounce, "delayed" only a delay,
  "delivered"/"relayed"/"expanded" nothing to act on. Any other report type (read receipts) is an auto-reply.
- A plain bounce comes from MAILER-DAEMON or postmaster and quotes the original headers in its text.
- An auto-reply says so: Auto-Submitted: auto-replied, X-Autoreply, Precedence: auto_reply (bulk and junk too,
  unless the message carries files), or an "Out of Office" / "Trả lời tự động" subject.
"""

import email
import logging
import re
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesHeaderParser, HeaderParser
from email.utils import getaddresses, parseaddr

from core.text import nfc

logger = logging.getLogger(__name__)
BOUNCE, DELAYED, DELIVERED, AUTO_REPLY = "bounce", "delayed", "delivered", "auto_reply"

# Where a report was sent: the VERP address shows up in one of these, whichever the receiving server keeps.
ADDRESS_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc")
DAEMONS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})
BOUNCE_SUBJECT = re.compile(r"undeliver|undelivered|delivery (status notification|failure|has failed)|"
                            r"failure notice|returned mail|mail delivery (failed|failure|subsystem)|"
                            r"could not be delivered|không (thể )?gửi được|thư bị trả lại", re.I)
DELAY_SUBJECT = re.compile(r"delayed|still being retried|delivery delay|chậm", re.I)
AUTO_SUBJECT = re.compile(r"^\s*(out of (the )?office|automatic reply|auto(matic)?[ -]?reply|autoreply|"
                          r"auto:|abwesenheit|trả lời tự động|vắng mặt)", re.I)
STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
SMTP_CODE = re.compile(r"(?m)^\s*([45]\d\d)[ -]")
MESSAGE_ID = re.compile(r"(?im)^message-id:\s*(<[^>\s]+>)")
QUOTED_HEADERS = re.compile(r"(?im)^(?:-+ ?(?:original message|below this line).*|"
                            r"(?:received|return-path|from|message-id|dkim-signature):.*)$")
ANGLE_ADDRESS = re.compile(r"<([^<>@\s]+@[^<>\s]+)>")
BARE_ADDRESS = re.compile(r"\b([\w.+-]+@[\w-]+(?:\.[\w-]+)+)\b")
_SPACE = re.compile(r"\s+")


@dataclass
class AutomaticMail:
    kind: str  # BOUNCE, DELAYED, DELIVERED or AUTO_REPLY
    addresses: list = field(default_factory=list)  # where it was sent: the VERP address, if we sent the original
    recipient: str = ""  # the address the report is about
    status: str = ""  # RFC 3463, e.g. "5.1.1"
    diagnostic: str = ""  # the remote server's words, e.g. "smtp; 550 5.1.1 <x@y.vn>: User unknown"
    original_message_id: str = ""  # from the returned headers

    @property
    def is_bounce(self):
        return self.kind == BOUNCE


def _text(value):
    return _SPACE.sub(" ", str(value or "")).strip()


def _addresses(message):
    found = []
    for name in ADDRESS_HEADERS:
        for value in message.get_all(name) or []:
            found += [address.strip().lower() for _name, address in getaddresses([_text(value)]) if address]
    return found


def _after_type(value):
    """"rfc822; a@b.vn" → "a@b.vn"; "smtp; 550 …" → "550 …"."""
    text = _text(value)
    return text.split(";", 1)[1].strip() if ";" in text else text


def _status_blocks(part):
    blocks = part.get_payload()
    if isinstance(blocks, list):
        return blocks
    text = part.get_payload(decode=True) or b""  # an encoded delivery-status part: split it ourselves
    return [HeaderParser().parsestr(chunk) for chunk in re.split(r"\r?\n\r?\n", text.decode("ascii", "replace"))]


def _returned_message_id(message):
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822" and isinstance(part.get_payload(), list) and part.get_payload():
            return _text(part.get_payload()[0].get("Message-ID"))
        if kind == "text/rfc822-headers":
            headers = BytesHeaderParser().parsebytes(part.get_payload(decode=True) or b"")
            return _text(headers.get("Message-ID"))
    return ""


def _delivery_status(message, report):
    part = next((p for p in message.walk() if p.get_content_type() == "message/delivery-status"), None)
    recipients = _status_blocks(part)[1:] if part is not None else []
    recipients = [block for block in recipients if block.get("Action") or block.get("Final-Recipient")]
    by_action = {_text(block.get("Action")).lower(): block for block in reversed(recipients)}
    block = by_action.get("failed") or by_action.get("delayed")
    report.kind = BOUNCE if "failed" in by_action else DELAYED if "delayed" in by_action else DELIVERED
    if block is not None:
        report.recipient = _after_type(block.get("Original-Recipient") or block.get("Final-Recipient")).lower()
        report.status = _text(block.get("Status"))
        report.diagnostic = _after_type(block.get("Diagnostic-Code"))
    report.original_message_id = _returned_message_id(message) or _quoted_message_id(message)
    return report


def _quoted_message_id(message):
    """The original's Message-ID quoted in the text (skipping the report's own header block)."""
    body = message.as_bytes(policy=policy.compat32).split(b"\n\n", 1)[-1].decode("utf-8", "replace")
    match = MESSAGE_ID.search(body)
    return match.group(1) if match else ""


def _body_text(message):
    parts = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    return "\n".join((p.get_payload(decode=True) or b"").decode(p.get_content_charset() or "utf-8", "replace")
                     for p in parts)


def _plain_bounce(message, subject, report):
    text = _body_text(message)
    status = STATUS.search(text)
    report.kind = DELAYED if DELAY_SUBJECT.search(subject) else BOUNCE
    report.status = status.group(1) if status else ""
    line = next((line for line in text.splitlines()
                 if (status and status.group(1) in line) or SMTP_CODE.match(line)), "")
    report.diagnostic = _text(line)[:500]
    report_text = QUOTED_HEADERS.split(text, 1)[0]  # the daemon's own words, not the returned headers
    recipient = ANGLE_ADDRESS.search(report_text) or BARE_ADDRESS.search(report_text)
    report.recipient = recipient.group(1).lower() if recipient else ""
    report.original_message_id = _quoted_message_id(message)
    return report


def _is_daemon(message):
    local = parseaddr(_text(message.get("From")))[1].partition("@")[0].lower()
    return local in DAEMONS


def _is_auto_reply(message, subject, has_files):
    submitted = _text(message.get("Auto-Submitted")).lower()
    precedence = _text(message.get("Precedence")).lower()
    return (submitted.startswith("auto-replied") or bool(message.get("X-Autoreply"))
            or bool(message.get("X-Autorespond")) or precedence == "auto_reply"
            or (precedence in ("bulk", "junk") and not has_files) or bool(AUTO_SUBJECT.match(nfc(subject))))


def classify(raw, *, subject="", has_files=False):
    """What kind of automatic mail `raw` is, as an AutomaticMail, or None for mail a person wrote (or mail
    too broken to tell: the clerk then sees it, rather than the reading stopping on it)."""
    try:
        return _classify(raw, subject, has_files)
    except Exception:  # noqa: BLE001 — one unreadable message must never stop the mailbox reading
        logger.exception("Could not tell whether an e-mail of %s bytes is automatic", len(raw))
        return None


def _classify(raw, subject, has_files):
    message = email.message_from_bytes(raw, policy=policy.compat32)
    report = AutomaticMail(kind=AUTO_REPLY, addresses=_addresses(message))
    if message.get_content_type() == "multipart/report":
        if (message.get_param("report-type") or "").lower() == "delivery-status":
            return _delivery_status(message, report)
        return report  # a read receipt or another report: not a bounce, not a document
    if _is_daemon(message) and (BOUNCE_SUBJECT.search(subject) or DELAY_SUBJECT.search(subject)
                                or STATUS.search(_body_text(message))):
        return _plain_bounce(message, subject, report)
    if _is_auto_reply(message, subject, has_files):
        return report
    return None


# --- Handlers: the layers above act on what was recognised -----------------------------------------

_handlers = []


def on_automatic_mail(handler):
    """Register `handler(mailbox=, report=, received_at=)`, called in the import's transaction (documents)."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def automatic_mail_received(mailbox, report, received_at):
    for handler in _handlers:
        handler(mailbox=mailbox, report=report, received_at=received_at)

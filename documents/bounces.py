"""Bounces matched to deliveries (VERP).

Each e-mail delivery goes out with its own envelope sender, `bounce+<token>@<agency's mail domain>`, so a
bounce that comes back later names the delivery it is about. The token is the delivery's id and an HMAC of it
keyed from SECRET_KEY: nobody outside can forge a bounce for a delivery they did not receive.

The agency's mailbox reading (intake) recognises delivery reports and auto-replies (intake.automatic) and hands
them here: each is recorded as a MailReport; a bounce matched to one of the agency's sent deliveries — by the
VERP address it came to, failing that by the original Message-ID it quotes — moves it to `bounced` with the
reported status and diagnostic, and opens an incident; the clerk corrects the address and sends again.
A delay or a "relayed"/"delivered" report changes nothing; neither does a bounce that arrived before the
delivery's latest sending (it is about an earlier address).
"""

import re
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from intake.automatic import BOUNCE, DELAYED

from . import delivery_lifecycle as lifecycle
from .incidents import incident_delivery_failed
from .models import Delivery, MailReport

_SALT = "documents.bounces.verp"
_TOKEN = re.compile(r"\+d([0-9a-z]+)\.([0-9a-f]{16})@", re.IGNORECASE)


def _tag(delivery_id):
    return salted_hmac(_SALT, str(delivery_id)).hexdigest()[:16]


def _base36(number):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def envelope_sender(delivery):
    """The delivery's own return path: `bounce+d<id in base 36>.<tag>@<domain of the agency's address>`.

    The agency's mail server must put mail for bounce+…@ in the mailbox the portal reads (an alias of
    `bounce` with "+" as recipient delimiter). DELIVERY_VERP_LOCAL_PART = "" uses the official address's
    own local part instead (vanphong+d….…@), which plus-addressing servers deliver there by themselves."""
    local, _at, domain = delivery.outgoing.agency.official_email.rpartition("@")
    prefix = settings.DELIVERY_VERP_LOCAL_PART or local
    return f"{prefix}+d{_base36(delivery.pk)}.{_tag(delivery.pk)}@{domain}"


def delivery_id_from_address(address):
    """The delivery id a VERP address names, or None if it is not one of ours (or its tag is wrong)."""
    match = _TOKEN.search(address or "")
    if not match:
        return None
    delivery_id = int(match.group(1), 36)
    return delivery_id if constant_time_compare(match.group(2).lower(), _tag(delivery_id)) else None


# A mailbox's arrival time (IMAP INTERNALDATE) has whole seconds and the mail server's clock.
STALE_MARGIN = timedelta(minutes=2)
_MESSAGE_ID = re.compile(r"<doc\d+\.d(\d+)\.[0-9a-f]{12}@[^>\s]+>", re.IGNORECASE)


def delivery_for_report(agency_id, report):
    """The agency's e-mail delivery a delivery report is about, or None."""
    ids = [i for i in map(delivery_id_from_address, report.addresses) if i is not None]
    rows = Delivery.objects.filter(channel=Delivery.Channel.EMAIL, outgoing__agency_id=agency_id)
    match = _MESSAGE_ID.search(report.original_message_id or "")
    by_message_id = Q(pk=int(match.group(1)), message_id=match.group(0)) if match else Q(pk__in=[])
    return rows.filter(Q(pk__in=ids) | by_message_id).order_by("pk").first()


def mail_report_received(*, mailbox, report, received_at):
    """intake.automatic's handler, in the mailbox import's transaction: record, and mark a matched bounce."""
    delivery = delivery_for_report(mailbox.agency_id, report) if report.kind in (BOUNCE, DELAYED) else None
    MailReport.objects.create(
        agency_id=mailbox.agency_id, kind=report.kind, delivery=delivery, recipient=report.recipient[:320],
        status_code=report.status[:16], diagnostic=report.diagnostic, received_at=received_at,
        original_message_id=report.original_message_id[:998],
    )
    if report.is_bounce and delivery is not None:
        delivery_bounced(delivery, report, received_at)


def _response(report):
    """The remote server's answer as the delivery's response ("550 5.1.1 …" reads as a sentence, see
    documents.delivery_responses), or the status code and diagnostic as they came."""
    diagnostic = report.diagnostic
    if re.match(r"\s*5\d\d[ -]", diagnostic):
        return diagnostic
    return " ".join(part for part in (report.status, diagnostic) if part) or _("Thư bị trả lại")


def delivery_bounced(delivery, report, received_at):
    """Sent (or uncertain) → bounced, with what the report said; an incident opens. True if it moved."""
    if delivery.sent_at and received_at < delivery.sent_at - STALE_MARGIN:
        return False  # about an earlier sending, before the address was corrected
    when = timezone.localtime(received_at).strftime("%d/%m/%Y %H:%M")
    note = _("Nơi nhận trả lại thư lúc %(when)s (mã %(status)s). Hãy kiểm tra địa chỉ, sửa nếu cần rồi gửi lại.") % {
        "when": when, "status": report.status or "?"}
    if not lifecycle.move(delivery.pk, "bounce", response=_response(report), note=note, next_attempt_at=None):
        return False
    incident_delivery_failed(delivery.pk, _("Thư gửi %(email)s bị trả lại: %(reason)s") % {
        "email": delivery.email, "reason": _response(report)})
    return True

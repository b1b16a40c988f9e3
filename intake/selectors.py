"""Reading inbound mail, with the agency check built in: anything of another agency is a 404."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from agencies.models import Agency, Unit
from core.validators import is_official_domain

from .filters import InboundFilter
from .models import InboundAttachment, InboundMessage, Mailbox


def mailbox_of(agency):
    return Mailbox.objects.filter(agency=agency).first()


# Who opens the mailbox pages: the views' guards and the sidebar (documents.navigation) read this.
PAGE_ROLES = {"inbound_list": (Role.CLERK,), "question_list": (Role.CLERK, Role.SPECIALIST, Role.LEADER)}
SIGNATURE_PROBLEMS = [value for value in InboundAttachment.Signature.values if value != InboundAttachment.Signature.VALID]


def inbound_filterset(*, membership, filters=None):
    """The inbound list's InboundFilter over the clerk's agency's messages: `qs` the list, `form` its filter bar;
    anyone but a clerk gets a 404."""
    _ensure_clerk(membership)
    return InboundFilter(filters, queryset=inbound_for_agency(membership.agency))


def inbound_list(*, membership, filters=None):
    """The clerk's agency's inbound messages, with the badges of `inbound_for_agency`, narrowed by the list's
    filters; anyone but a clerk gets a 404."""
    return inbound_filterset(membership=membership, filters=filters).qs


def inbound_for_agency(agency):
    """The agency's inbound messages, newest first, with their attachment count and what the list shows as
    badges before registering: signature problems, quarantined files, possible duplicates."""
    same_file_elsewhere = InboundAttachment.objects.filter(
        message__agency=OuterRef("agency"), sha256__in=InboundAttachment.objects.filter(
            message=OuterRef(OuterRef("pk")), verdict=InboundAttachment.Verdict.ACCEPTED, is_inline=False,
        ).values("sha256"),
    ).exclude(message=OuterRef("pk"))
    messages = InboundMessage.objects.filter(agency=agency).annotate(
        attachment_count=Count("attachments"),
        signature_problems=Count("attachments", filter=Q(attachments__signature__in=SIGNATURE_PROBLEMS)),
        quarantined=Count("attachments", filter=Q(attachments__verdict=InboundAttachment.Verdict.REFUSED)),
        possible_duplicate=Q(duplicate_of__isnull=False) | Exists(same_file_elsewhere)
        | Exists(InboundMessage.objects.filter(duplicate_of=OuterRef("pk"))),
    )
    return messages.order_by("-received_at", "-pk")


def _ensure_clerk(membership):
    if not (membership and membership.has_role(Role.CLERK)):
        raise Http404


def inbound_get_for_user(membership, pk):
    """One message of the clerk's own agency, else 404."""
    _ensure_clerk(membership)
    return get_object_or_404(
        InboundMessage.objects.select_related("hint_issuing_agency", "hint_issuing_unit", "status_changed_by__user",
                                              "duplicate_of"),
        pk=pk, agency=membership.agency,
    )


def inbound_attachment_get_for_user(membership, message_pk, pk):
    """An accepted attachment of the clerk's own agency, else 404: quarantined files are never served."""
    _ensure_clerk(membership)
    return get_object_or_404(
        InboundAttachment.objects.select_related("message"),
        pk=pk, message_id=message_pk, message__agency=membership.agency, verdict=InboundAttachment.Verdict.ACCEPTED,
    )


def issuer_for_address(address):
    """The agency (and unit) whose published official address sent this mail, or (None, None)."""
    if not address:
        return None, None
    unit = Unit.objects.select_related("agency").filter(official_email__iexact=address, is_active=True).first()
    if unit:
        return unit.agency, unit
    return Agency.objects.filter(official_email__iexact=address, is_active=True).first(), None


def agency_for_sender_domain(address):
    """The directory agency a mail from an official domain belongs to: the only agency whose official
    address is on the sender's domain or, failing that, on the nearest parent domain short of the
    official domain itself (a person at x.moha.gov.vn belongs to moha.gov.vn); else None."""
    domain = (address or "").rpartition("@")[2].lower().rstrip(".")
    if not domain or not is_official_domain(domain):
        return None
    officials = {d.lower().strip(".") for d in settings.OFFICIAL_EMAIL_DOMAINS}
    while domain and domain not in officials:
        agencies = list(Agency.objects.filter(is_active=True, official_email__iendswith=f"@{domain}")[:2])
        if agencies:
            return agencies[0] if len(agencies) == 1 else None
        domain = domain.partition(".")[2]
    return None


# --- What the clerk must know before registering ---------------------------------------------------------

@dataclass(frozen=True)
class Fact:
    kind: str  # sender, signature, quarantine, duplicate
    level: str  # danger or warning (Bootstrap's words, for the page)
    text: str
    url: str = ""
    link: str = ""


def _when(moment):
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def _registered_duplicates(message, attachments):
    """Documents already in the agency's register: the same file, or the same number from the same issuer.

    Read through the agency's reverse relation so that intake needs nothing from documents; the document
    page checks who may open it."""
    files = {a.sha256: a for a in attachments if a.is_accepted and not a.is_inline}
    registered = message.agency.incoming.filter(arrival_number__isnull=False).exclude(inbound=message)
    facts, seen = [], set()
    for document in registered.filter(files__sha256__in=files).distinct().order_by("registered_at"):
        seen.add(document.pk)
        names = sorted({f.name for f in document.files.all() if f.sha256 in files})
        facts.append(Fact("duplicate", "danger", _("Tệp “%(name)s” đã được vào sổ: số đến %(number)s/%(year)s.") % {
            "name": ", ".join(names), "number": document.arrival_number, "year": document.year},
            reverse("incoming_detail", args=[document.pk]), _("Xem văn bản đã vào sổ")))
    if message.hint_number_notation and message.hint_issuing_agency_id:
        same_number = registered.filter(notation__iexact=message.hint_number_notation.strip(),
                                        sender_agency=message.hint_issuing_agency_id).exclude(pk__in=seen)
        for document in same_number.order_by("registered_at"):
            facts.append(Fact("duplicate", "danger", _(
                "Văn bản số %(notation)s của %(sender)s đã được vào sổ (số đến %(number)s/%(year)s).") % {
                "notation": document.notation, "sender": message.hint_issuing_agency.name,
                "number": document.arrival_number, "year": document.year},
                reverse("incoming_detail", args=[document.pk]), _("Xem văn bản đã vào sổ")))
    return facts


def inbound_facts(message):
    """Everything the clerk should weigh before a number is taken: a sender outside the official domains,
    signature problems of the PDFs, quarantined files, and duplicates (the same Message-ID, the same file in
    another item, the same document already registered), each with a link to the other one."""
    attachments = list(message.attachments.all())
    facts = []
    if message.sender_email and not message.sender_is_official:
        facts.append(Fact("sender", "warning", _(
            "Người gửi %(email)s không dùng địa chỉ thư điện tử công vụ (tên miền %(domains)s); cần xác minh trước "
            "khi vào sổ.") % {"email": message.sender_email, "domains": ", ".join(settings.OFFICIAL_EMAIL_DOMAINS)}))
    for attachment in attachments:
        if attachment.signature_problem:
            level = "warning" if attachment.signature == InboundAttachment.Signature.UNSIGNED else "danger"
            facts.append(Fact("signature", level, _("“%(name)s”: %(verdict)s. %(summary)s") % {
                "name": attachment.filename, "verdict": attachment.get_signature_display(),
                "summary": attachment.signature_summary}))
    for attachment in attachments:
        if not attachment.is_accepted:
            facts.append(Fact("quarantine", "danger", _("“%(name)s” bị cách ly, không tải xuống được: %(reason)s") % {
                "name": attachment.filename, "reason": attachment.refusal_reason}))
    first = message.duplicate_of
    if first is not None:
        facts.append(Fact("duplicate", "danger", _(
            "Một thư cùng Message-ID đã được nhận lúc %(when)s (“%(subject)s”, %(status)s).") % {
            "when": _when(first.received_at), "subject": first.subject, "status": first.get_status_display()},
            reverse("inbound_detail", args=[first.pk]), _("Xem thư nhận trước")))
    for repeat in message.repeats.order_by("pk"):
        facts.append(Fact("duplicate", "warning", _("Thư cùng Message-ID được nhận lại lúc %(when)s.") % {
            "when": _when(repeat.received_at)}, reverse("inbound_detail", args=[repeat.pk]), _("Xem thư nhận sau")))
    files = {a.sha256: a.filename for a in attachments if a.is_accepted and not a.is_inline}
    others = (InboundAttachment.objects.filter(message__agency=message.agency_id, sha256__in=files)
              .exclude(message=message).exclude(message=first).select_related("message").order_by("message_id"))
    for other in {o.message_id: o for o in others}.values():
        facts.append(Fact("duplicate", "warning", _(
            "Tệp “%(name)s” cũng có trong thư “%(subject)s” nhận lúc %(when)s (%(status)s).") % {
            "name": files[other.sha256], "subject": other.message.subject, "when": _when(other.message.received_at),
            "status": other.message.get_status_display()},
            reverse("inbound_detail", args=[other.message_id]), _("Xem thư đó")))
    return facts + _registered_duplicates(message, attachments)

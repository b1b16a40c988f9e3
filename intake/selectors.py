"""Reading inbound mail, with the agency check built in: anything of another agency is a 404."""

from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Role
from agencies.models import Agency, Unit

from .models import InboundAttachment, InboundMessage, Mailbox

SORTS = {"received": ("received_at", "pk"), "-received": ("-received_at", "-pk")}


def mailbox_of(agency):
    return Mailbox.objects.filter(agency=agency).first()


def inbound_for_agency(agency, *, status=None, sort="-received"):
    """The agency's inbound messages with their attachment count, newest first unless asked otherwise."""
    messages = InboundMessage.objects.filter(agency=agency).annotate(attachment_count=Count("attachments"))
    if status:
        messages = messages.filter(status=status)
    return messages.order_by(*SORTS.get(sort, SORTS["-received"]))


def _ensure_clerk(membership):
    if not (membership and membership.has_role(Role.CLERK)):
        raise Http404


def inbound_get_for_user(membership, pk):
    """One message of the clerk's own agency, else 404."""
    _ensure_clerk(membership)
    return get_object_or_404(
        InboundMessage.objects.select_related("hint_issuing_agency", "hint_issuing_unit", "status_changed_by__user"),
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

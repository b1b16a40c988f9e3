"""Reading what the public may see. Every query here carries the rule that secret documents and
documents not addressed to the public are never reachable: views build no document querysets."""

from allauth.account.models import EmailAddress
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404

from core.codes import lookup_code_is_well_formed, lookup_code_normalize
from documents.models import Delivery, Outgoing

from .models import Download


def public_outgoing():
    """Issued documents that are not secret: the only ones these pages ever name."""
    return Outgoing.objects.filter(status=Outgoing.Status.ISSUED, secrecy="")


def citizen_deliveries():
    """Replies to citizens and businesses that went (or go) out by e-mail, of non-secret issued documents."""
    return Delivery.objects.filter(
        is_citizen=True, channel=Delivery.Channel.EMAIL, outgoing__in=public_outgoing(),
    ).select_related("outgoing__agency", "outgoing__signer__user")


def delivery_find_by_code(typed):
    """The reply a lookup code opens, or None: unknown, malformed, secret and not-for-the-public alike."""
    code = lookup_code_normalize(typed)
    if not lookup_code_is_well_formed(code):
        return None
    return citizen_deliveries().filter(lookup_code=code).first()


def verified_emails(user):
    if not user.is_authenticated:
        return []
    return [e.lower() for e in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)]


def citizen_replies(user):
    """Every reply ever addressed to one of the user's verified addresses, newest first."""
    emails = verified_emails(user)
    if not emails:
        return Delivery.objects.none()
    return citizen_deliveries().filter(email__in=emails).order_by("-outgoing__issued_at", "-pk")


def reply_get_for_viewer(user, granted_ids, pk):
    """A reply the viewer may open: one their session unlocked with its code, or one addressed to a
    verified address of theirs. 404 for anything else."""
    if pk in set(granted_ids or ()):
        return get_object_or_404(citizen_deliveries(), pk=pk)
    delivery = citizen_replies(user).filter(pk=pk).first()
    if delivery is None:
        raise Http404
    return delivery


def reply_file_get(delivery, file_pk):
    """A signed file of the reply's document (the main PDF or an attachment)."""
    return get_object_or_404(delivery.outgoing.files.exclude(signed=""), pk=file_pk)


def outgoing_get_public(verify_code):
    """The document behind the short address printed in the stamp; 404 for secret ones (they have none)."""
    return get_object_or_404(public_outgoing().select_related("agency", "signer__user"), verify_code=verify_code)


def reply_of_viewer_for(user, granted_ids, outgoing):
    """The viewer's own reply carrying this document (to show them its lookup code), or None."""
    mine = citizen_deliveries().filter(outgoing=outgoing)
    return (mine.filter(pk__in=list(granted_ids or ())).first()
            or mine.filter(email__in=verified_emails(user)).first())


def downloads_by_citizen_side(delivery):
    """Downloads of a reply made by its citizen or with their code; a staff member using the code is not counted."""
    return delivery.downloads.exclude(by=Download.By.STAFF).count()


def downloads_by_citizen_side_of(delivery_ids):
    """{delivery id: downloads_by_citizen_side} for many deliveries in one query (missing: none)."""
    if not delivery_ids:
        return {}
    rows = (Download.objects.filter(delivery_id__in=delivery_ids).exclude(by=Download.By.STAFF)
            .values("delivery_id").annotate(n=Count("pk")).values_list("delivery_id", "n"))
    return dict(rows)

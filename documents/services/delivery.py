"""Delivery actions: into the portal, the clerk's resends, and recovery after a crash or an outage.

E-mail itself (messages, SMTP, batches, the relay) is documents.mail_delivery; every status write
goes through documents.delivery_lifecycle.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role

from .. import delivery_lifecycle as lifecycle
from ..incidents import incident_delivery_failed
from ..mail_delivery import UNCERTAIN_NOTE, relay_probe
from ..models import Delivery, Incoming, IncomingFile
from .incoming import incoming_arrived
from .revisions import portal_notices_arrived, withdrawn_by

S = Delivery.Status


@transaction.atomic
def delivery_into_portal(delivery_id):
    """Pending portal delivery → sent: the document is in the recipient agency's incoming queue, once
    (Incoming.delivery is unique)."""
    # of=self: lock the delivery row only, not the agency and people it joins (other deliveries need them).
    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("outgoing__agency", "outgoing__signer__user")
        .get(pk=delivery_id)
    )
    if delivery.status not in lifecycle.TRANSITIONS["deliver_in_portal"].sources \
            or delivery.channel != Delivery.Channel.PORTAL:
        return delivery
    outgoing = delivery.outgoing
    now = timezone.now()
    incoming = Incoming.objects.create(
        agency=delivery.agency, target_unit=delivery.unit, source=Incoming.Source.PORTAL, delivery=delivery,
        sender_agency=outgoing.agency, sender_name=outgoing.agency.name, notation=outgoing.notation,
        doc_date=timezone.localdate(outgoing.issued_at), doc_type=outgoing.doc_type, summary=outgoing.summary,
        secrecy=outgoing.secrecy, urgency=outgoing.urgency, signer_name=outgoing.signer.user.full_name,
        signer_position=outgoing.signer.position,
    )
    IncomingFile.objects.bulk_create([
        IncomingFile(incoming=incoming, kind=file.kind, name=file.name, file=file.signed.name,
                     size=file.signed.size, sha256=file.signed_sha256)
        for file in outgoing.files.all()
    ])
    lifecycle.move(delivery.pk, "deliver_in_portal", sent_at=now, last_attempt_at=now,
                   attempts=delivery.attempts + 1, response="Đã chuyển vào cổng của cơ quan nhận")
    incoming_arrived(incoming)
    # A recall, update or replacement agreed while this copy was on its way reaches it with it.
    portal_notices_arrived(delivery, incoming)
    delivery.refresh_from_db()
    return delivery


def _check_clerk(membership, outgoing):
    if not (membership.has_role(Role.CLERK) and membership.agency_id == outgoing.agency_id):
        raise PermissionDenied(_("Chỉ văn thư của cơ quan ban hành được gửi lại."))
    if withdrawn_by(outgoing) is not None:  # a recalled or replaced document is not sent again
        raise ValidationError(_("Văn bản đã bị thu hồi hoặc đã được thay thế nên không gửi lại."))


def email_batches(ids):
    """The ids split into the batches one sending task takes each (DELIVERY_BATCH_SIZE)."""
    size = settings.DELIVERY_BATCH_SIZE
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def _send_after_commit(ids):
    from ..tasks import deliveries_send_email  # here, not at the top: the tasks module imports this one

    if ids:
        transaction.on_commit(lambda: deliveries_send_email.delay(ids), robust=True)


@transaction.atomic
def delivery_resend(*, membership, delivery, email, confirm_uncertain=False):
    """A failed or uncertain e-mail delivery → pending, to a corrected address if given.

    An uncertain one may already be in the recipient's mailbox: it is sent again only when the clerk
    confirms that (`confirm_uncertain`); the message keeps its Message-ID, so a receiving system that
    deduplicates (our own intake does) recognises the repeat."""
    delivery = Delivery.objects.select_for_update(of=("self",)).select_related("outgoing").get(pk=delivery.pk)
    _check_clerk(membership, delivery.outgoing)
    offer = lifecycle.resend_offer(delivery)
    if offer is None:
        raise ValidationError(_("Chỉ gửi lại được lượt gửi thư điện tử đã thất bại hoặc chưa rõ kết quả."))
    if offer == "confirm" and not confirm_uncertain:
        raise ValidationError(_("Nơi nhận có thể đã nhận được văn bản này. Hãy kiểm tra với nơi nhận, rồi xác nhận "
                                "nếu vẫn muốn gửi lại."), code="confirm_uncertain")
    previous, email = delivery.email, email.strip().lower()
    note = _("Địa chỉ đã sửa từ %(old)s.") % {"old": previous} if previous != email else delivery.note
    try:
        with transaction.atomic():
            lifecycle.move(delivery.pk, "resend", email=email, note=note, next_attempt_at=None, claimed_at=None,
                           lease_until=None, deferred_since=None, attempts=0, message_id="", queued_at=timezone.now())
    except IntegrityError:
        raise ValidationError(_("Văn bản đã có lượt gửi tới địa chỉ %(email)s.") % {"email": email}) from None
    _send_after_commit([delivery.pk])
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def deliveries_resend_failed(*, membership, outgoing):
    """Every failed e-mail delivery of a document → pending, to the same addresses (uncertain ones are
    left out: each needs the clerk's own check). Returns how many go out again."""
    _check_clerk(membership, outgoing)
    rows = Delivery.objects.filter(outgoing=outgoing, channel=Delivery.Channel.EMAIL, status=S.FAILED)
    ids = list(rows.values_list("pk", flat=True))
    lifecycle.move_all(Delivery.objects.filter(pk__in=ids), "resend", next_attempt_at=None, claimed_at=None,
                       lease_until=None, deferred_since=None, attempts=0, queued_at=timezone.now())
    for batch in email_batches(ids):
        _send_after_commit(batch)
    return len(ids)


def deliveries_recover():
    """Repair what a dead run or an outage left; returns the ids to queue again.

    `sending` past its lease: the server never got the final dot, so sending again is safe.
    `confirming` past its lease: the server may have the message; uncertain, for the clerk.
    `deferred` and due: ask the relay once; if it answers, they are pending again.
    `pending`/`retry` that are due and not queued lately: their task was lost; queue them again.
    """
    now = timezone.now()
    # Claims taken before leases existed have none: their claim time counts as a lease of the default length.
    lapsed = Q(lease_until__lt=now) | Q(
        lease_until__isnull=True, claimed_at__lt=now - timezone.timedelta(seconds=settings.DELIVERY_LEASE_SECONDS))
    lifecycle.move_all(Delivery.objects.filter(lapsed), "release", queued_at=None, lease_until=None)
    uncertain = list(Delivery.objects.filter(lapsed, status=S.CONFIRMING).values_list("pk", flat=True))
    lifecycle.move_all(Delivery.objects.filter(lapsed, pk__in=uncertain), "uncertain", note=UNCERTAIN_NOTE,
                       next_attempt_at=None)
    for delivery_id in uncertain:  # the clerk must decide: an incident in the traffic log says so
        incident_delivery_failed(delivery_id, UNCERTAIN_NOTE)
    relay_probe()
    requeue_before = now - timezone.timedelta(seconds=settings.DELIVERY_REQUEUE_SECONDS)
    due = Delivery.objects.filter(status__in=lifecycle.CLAIMABLE).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=requeue_before)
    ).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return list(due.values_list("pk", flat=True))

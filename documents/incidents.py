"""Incidents whose subjects are documents' own (deliveries, incoming files, incoming documents): the hooks the
document services call, over the generic incidents.services."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident
from incidents.services import incident_open, incidents_resolve

from .models import Delivery, Incoming, IncomingFile, SignatureStatus

K = Incident.Kind


def incident_delivery_failed(delivery_id, cause):
    """documents.mail_delivery: an e-mail delivery failed for good (refused, retries exhausted), or is uncertain."""
    delivery = Delivery.objects.select_related("outgoing").only("pk", "outgoing__agency_id").get(pk=delivery_id)
    return incident_open(K.DELIVERY_FAILED, delivery, delivery.outgoing.agency_id, cause)


def incident_deliveries_sent(delivery_ids):
    """documents.mail_delivery: deliveries went out (a batch at a time); failures open for them are resolved."""
    if not delivery_ids:
        return 0
    return incidents_resolve(K.DELIVERY_FAILED, Delivery, list(delivery_ids), _("Gửi lại thành công."))


def incident_signature_checked(file):
    """documents: the signature of an incoming file was checked; an invalid or untrusted one is an incident."""
    if file.signature_status in (SignatureStatus.INVALID, SignatureStatus.UNTRUSTED):
        cause = f"{file.name}: {SignatureStatus(file.signature_status).label}. {file.signature_summary}".strip()
        return incident_open(K.SIGNATURE, file, file.incoming.agency_id, cause)
    if file.signature_status == SignatureStatus.VALID:
        return incidents_resolve(K.SIGNATURE, IncomingFile, [file.pk], _("Kiểm tra lại: chữ ký hợp lệ, tin cậy."))
    return None


def _start_of_day(day):
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


@transaction.atomic
def incidents_overdue_sync(today=None):
    """Daily: open an incident for every incoming document past its due date, resolve those that were done
    (at the time they were completed) or whose due date was moved. Returns (opened, resolved)."""
    today = today or timezone.localdate()
    incoming_type = ContentType.objects.get_for_model(Incoming)
    open_overdue = Incident.objects.filter(kind=K.OVERDUE, subject_type=incoming_type, resolved_at__isnull=True)
    late = Incoming.objects.filter(status__in=[Incoming.Status.ASSIGNED, Incoming.Status.IN_PROGRESS],
                                   due_date__lt=today)
    new = late.exclude(pk__in=open_overdue.values("subject_id")).values_list("pk", "agency_id", "due_date")
    created = Incident.objects.bulk_create([
        Incident(kind=K.OVERDUE, subject_type=incoming_type, subject_id=pk, agency_id=agency_id,
                 cause=_("Quá hạn xử lý: hạn %(due)s.") % {"due": due.strftime("%d/%m/%Y")},
                 occurred_at=_start_of_day(due + datetime.timedelta(days=1)))
        for pk, agency_id, due in new
    ], ignore_conflicts=True)
    done = Incoming.objects.filter(status=Incoming.Status.DONE)
    resolved = open_overdue.filter(subject_id__in=done.values("pk")).update(
        resolved_at=Subquery(done.filter(pk=OuterRef("subject_id")).values("completed_at")[:1]),
        resolution=_("Đã hoàn thành xử lý."),
    )
    resolved += open_overdue.exclude(subject_id__in=late.values("pk")).update(
        resolved_at=timezone.now(), resolution=_("Hạn xử lý đã được điều chỉnh."),
    )
    return len(created), resolved

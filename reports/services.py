"""Writing actions of the reports app: incidents opened and resolved where things happen, and by hand.

The hooks in documents and intake call one function here each; every one is safe to run twice (at most
one incident of a kind is open per subject, see Incident).
"""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from agencies.models import Agency
from documents.models import Delivery, Incoming, IncomingFile, SignatureStatus

from .models import Incident

K = Incident.Kind


def _open(kind, subject, agency_id, cause, occurred_at=None):
    """The open incident of this kind for the subject, opened now unless one is open already."""
    incident, _created = Incident.objects.get_or_create(
        kind=kind, subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk,
        resolved_at=None,
        defaults={"agency_id": agency_id, "cause": cause, "occurred_at": occurred_at or timezone.now()},
    )
    return incident


def _resolve(kind, model, subject_ids, resolution, resolved_at=None):
    """Resolve the open incidents of a kind for these subjects; returns how many were open."""
    return Incident.objects.filter(
        kind=kind, subject_type=ContentType.objects.get_for_model(model), subject_id__in=subject_ids,
        resolved_at__isnull=True,
    ).update(resolved_at=resolved_at or timezone.now(), resolution=resolution)


# --- Hooks ---------------------------------------------------------------------------------------------

def incident_delivery_failed(delivery_id, cause):
    """documents.mail_delivery: an e-mail delivery failed for good (refused, retries exhausted), or is uncertain."""
    delivery = Delivery.objects.select_related("outgoing").only("pk", "outgoing__agency_id").get(pk=delivery_id)
    return _open(K.DELIVERY_FAILED, delivery, delivery.outgoing.agency_id, cause)


def incident_deliveries_sent(delivery_ids):
    """documents.mail_delivery: deliveries went out (a batch at a time); failures open for them are resolved."""
    if not delivery_ids:
        return 0
    return _resolve(K.DELIVERY_FAILED, Delivery, list(delivery_ids), _("Gửi lại thành công."))


def relay_outage_since():
    """When the mail relay stopped answering, if an outage incident is open; else None."""
    return Incident.objects.filter(kind=K.RELAY_UNREACHABLE, resolved_at__isnull=True).aggregate(
        since=Min("occurred_at"))["since"]


def incident_relay_unreachable(agency_ids, error, now):
    """documents.mail_delivery: the mail relay cannot be reached. One open incident per sending agency
    whose deliveries wait (not one per recipient), saying since when; returns when the outage began."""
    since = relay_outage_since() or now
    agency_type = ContentType.objects.get_for_model(Agency)
    opened = set(Incident.objects.filter(kind=K.RELAY_UNREACHABLE, subject_type=agency_type,
                                         resolved_at__isnull=True).values_list("subject_id", flat=True))
    cause = _("Máy chủ thư không kết nối được từ %(since)s; các lượt gửi thư điện tử đang chờ và sẽ tự gửi khi "
              "máy chủ trả lời lại. Lỗi: %(error)s") % {
        "since": timezone.localtime(since).strftime("%H:%M %d/%m/%Y"), "error": error}
    Incident.objects.bulk_create([
        Incident(kind=K.RELAY_UNREACHABLE, subject_type=agency_type, subject_id=agency_id, agency_id=agency_id,
                 cause=cause, occurred_at=since)
        for agency_id in set(agency_ids) - opened
    ], ignore_conflicts=True)
    return since


def incident_relay_answered():
    """documents.mail_delivery: the mail relay answers again; the outage incidents are resolved."""
    return Incident.objects.filter(kind=K.RELAY_UNREACHABLE, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution=_("Máy chủ thư đã kết nối lại; các lượt gửi đang chờ được gửi tiếp."))


def incident_mailbox_checked(mailbox, error=""):
    """intake: a mailbox was read. An error opens an incident unless one is open; a good read resolves it."""
    if error:
        return _open(K.MAILBOX_ERROR, mailbox, mailbox.agency_id, error, mailbox.last_error_at)
    return _resolve(K.MAILBOX_ERROR, type(mailbox), [mailbox.pk], _("Đọc lại được hộp thư."))


def incident_signature_checked(file):
    """documents: the signature of an incoming file was checked; an invalid or untrusted one is an incident."""
    if file.signature_status in (SignatureStatus.INVALID, SignatureStatus.UNTRUSTED):
        cause = f"{file.name}: {SignatureStatus(file.signature_status).label}. {file.signature_summary}".strip()
        return _open(K.SIGNATURE, file, file.incoming.agency_id, cause)
    if file.signature_status == SignatureStatus.VALID:
        return _resolve(K.SIGNATURE, IncomingFile, [file.pk], _("Kiểm tra lại: chữ ký hợp lệ, tin cậy."))
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


@transaction.atomic
def incident_resolve(*, membership, incident, resolution):
    """A clerk or the agency admin closes an open incident of their agency with a note of what was done."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not (membership and membership.agency_id == incident.agency_id and membership.has_role(Role.CLERK, Role.ADMIN)):
        raise PermissionDenied(_("Chỉ văn thư hoặc quản trị của cơ quan được ghi nhận khắc phục sự cố."))
    if not incident.is_open:
        raise ValidationError(_("Sự cố này đã được khắc phục."))
    if not resolution.strip():
        raise ValidationError(_("Hãy ghi cách đã khắc phục."))
    incident.resolved_at, incident.resolved_by, incident.resolution = timezone.now(), membership.user, resolution.strip()
    incident.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return incident

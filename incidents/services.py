"""Opening and resolving incidents. The subjects (deliveries, mailboxes, incoming files and documents) live in
the apps above, which call these functions where something goes wrong or comes right again; an incident kind
that needs a subject's own model (a delivery, an incoming file) has its hook in that app
(documents/incidents.py)."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from agencies.models import Agency

from .models import Incident

K = Incident.Kind


def incident_open(kind, subject, agency_id, cause, occurred_at=None):
    """The open incident of this kind for the subject, opened now unless one is open already."""
    incident, _created = Incident.objects.get_or_create(
        kind=kind, subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk,
        resolved_at=None,
        defaults={"agency_id": agency_id, "cause": cause, "occurred_at": occurred_at or timezone.now()},
    )
    return incident


def incidents_resolve(kind, model, subject_ids, resolution, resolved_at=None):
    """Resolve the open incidents of a kind for these subjects; returns how many were open."""
    return Incident.objects.filter(
        kind=kind, subject_type=ContentType.objects.get_for_model(model), subject_id__in=subject_ids,
        resolved_at__isnull=True,
    ).update(resolved_at=resolved_at or timezone.now(), resolution=resolution)


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
        return incident_open(K.MAILBOX_ERROR, mailbox, mailbox.agency_id, error, mailbox.last_error_at)
    return incidents_resolve(K.MAILBOX_ERROR, type(mailbox), [mailbox.pk], _("Đọc lại được hộp thư."))


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


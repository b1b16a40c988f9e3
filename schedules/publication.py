"""What a published week produces: its PDF and .ics stored on the version, and one ScheduleSending per
recipient the agency lists (inside the portal for its units and for agencies on the portal, by e-mail for
addresses and for agencies outside it). E-mails leave through tasks.schedule_sending_send, once each (the row
is locked while it is sent), with the PDF and the .ics attached and a text that reads without them. A version
after the first announces only what changed, to the recipients the changes concern when that can be told.
See docs/schedules.md.
"""

import smtplib
from datetime import datetime, timedelta
from email.utils import formataddr

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from accounts.models import Membership
from core.mail import retry_backoff
from core.mail_headers import PolicyEmailMessage

from . import calendar, pdf, recipients
from .models import Entry, ScheduleRecipient, ScheduleSending, ScheduleVersion
from .selectors import EntryRow

RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 3600
MAX_ATTEMPTS = 6
# A pending e-mail this long after its publication, or a failed one with attempts left this long after, lost its
# task (a broker that was down when it was queued, a worker that died holding its retry).
PENDING_LOST_AFTER = timedelta(minutes=10)
RETRY_LOST_AFTER = timedelta(seconds=2 * RETRY_MAX_SECONDS)


def version_entries(version):
    """The public rows of a version, as it froze them (selectors.EntryRow)."""
    return [EntryRow.from_snapshot(row) for row in version.snapshot if not row.get("is_internal")]


def removed_entries(version):
    """The public rows of the previous version that this one took off the schedule."""
    removed = set((version.changes or {}).get("removed", ()))
    previous = _previous(version) if removed else None
    if previous is None:
        return []
    return [EntryRow.from_snapshot(row) for row in previous.snapshot
            if row["uid"] in removed and not row.get("is_internal")]


def file_stem(version):
    schedule = version.schedule
    owner = schedule.agency.code + (f"-{schedule.unit_id}" if schedule.unit_id else "")
    return f"lich-cong-tac-{owner}-{schedule.week_start:%Y-%m-%d}-v{version.number}"


def changed_uids(changes):
    return {uid for key in ("added", "adjusted", "postponed", "removed") for uid in changes.get(key, ())}


def _previous(version):
    return ScheduleVersion.objects.filter(schedule=version.schedule, number=version.number - 1).first()


def _concerned_units(version):
    """Units of the agency the changed entries concern (units taking part, the preparing unit, the units of the
    chair, leaders and people involved), read from this version's and the previous one's snapshots; None when
    that cannot be told (a changed entry that names nobody)."""
    uids = changed_uids(version.changes or {})
    previous = _previous(version)
    rows = [row for row in [*version.snapshot, *(previous.snapshot if previous else [])] if row["uid"] in uids]
    units, members = set(), set()
    for uid in uids:
        named = [row for row in rows if row["uid"] == uid]
        found = {unit for row in named for unit in [*row.get("unit_ids", ()), row.get("preparing_unit_id")] if unit}
        people = {pk for row in named for pk in [*row.get("leader_ids", ()), *row.get("people_ids", ()),
                                                  row.get("chair_id")] if pk}
        if not found and not people:
            return None
        units |= found
        members |= people
    units |= set(Membership.objects.filter(pk__in=members, unit__isnull=False).values_list("unit_id", flat=True))
    return units


def _sendings_plan(version, changes_only):
    """The fields of a sending for every recipient of the agency's list, each address and portal target once."""
    concerned = _concerned_units(version) if changes_only else None
    plan, seen = [], set()
    listed = ScheduleRecipient.objects.filter(agency=version.schedule.agency).select_related(
        "unit", "target_agency").order_by("pk")
    if version.schedule.unit_id:
        # A unit's own schedule stays inside the agency (it is not on the public page either): units only.
        listed = listed.filter(kind=ScheduleRecipient.Kind.UNIT)
    for recipient in listed:
        if recipient.kind == ScheduleRecipient.Kind.UNIT:
            if concerned is not None and recipient.unit_id not in concerned:
                continue
            key, row = ("unit", recipient.unit_id), {"channel": ScheduleSending.Channel.PORTAL,
                                                     "agency": recipient.unit.agency, "unit": recipient.unit,
                                                     "name": recipient.name or recipient.unit.name}
        elif recipient.kind == ScheduleRecipient.Kind.AGENCY and recipient.target_agency.uses_portal:
            target = recipient.target_agency
            key, row = ("agency", target.pk), {"channel": ScheduleSending.Channel.PORTAL, "agency": target,
                                               "name": recipient.name or target.name}
        else:
            target = recipient.target_agency
            address = (recipient.email or (target.official_email if target else "")).strip().lower()
            if not address:
                continue
            key, row = ("email", address), {"channel": ScheduleSending.Channel.EMAIL, "email": address,
                                            "agency": target,
                                            "name": recipient.name or (target.name if target else "")}
        if key not in seen:
            seen.add(key)
            plan.append(row)
    return plan


def version_publish_outputs(version):
    """Called inside the approval's transaction: store the PDF and the .ics on the version, create its sendings
    and queue the e-mails once the transaction commits. A version already given its outputs keeps them."""
    if version.pdf and version.ics:
        return version
    entries = version_entries(version)
    stem = file_stem(version)
    version.pdf.save(f"{stem}.pdf", ContentFile(pdf.schedule_pdf(version, entries)), save=False)
    ics = calendar.version_ics(version, entries, removed_entries(version))
    version.ics.save(f"{stem}.ics", ContentFile(ics), save=False)
    version.save(update_fields=["pdf", "ics"])

    changes_only = version.number > 1 and bool(changed_uids(version.changes or {}))
    now = timezone.now()
    email_ids = []
    for row in _sendings_plan(version, changes_only):
        portal = row["channel"] == ScheduleSending.Channel.PORTAL
        sending = ScheduleSending.objects.create(
            version=version, changes_only=changes_only,
            status=ScheduleSending.Status.SENT if portal else ScheduleSending.Status.PENDING,
            sent_at=now if portal else None, **row)
        if not portal:
            email_ids.append(sending.pk)
    _queue(email_ids)
    return version


def _queue(ids):
    from .tasks import schedule_sending_send  # tasks imports this module

    for pk in ids:
        # robust: a broker down at this moment leaves the row pending, and sendings_lost finds it later.
        transaction.on_commit(lambda pk=pk: schedule_sending_send.delay(pk), robust=True)


# --- E-mail ---------------------------------------------------------------------------------------------------

def message_id_of(sending):
    """The same on every attempt (and unique to this portal), so a repeat is recognisable."""
    version = sending.version
    domain = version.schedule.agency.official_email.rpartition("@")[2] or "portal"
    tag = salted_hmac("schedules.publication.message_id", str(sending.pk)).hexdigest()[:12]
    return f"<sched{version.schedule_id}.v{version.number}.s{sending.pk}.{tag}@{domain}>"


def _snapshot_by_uid(version):
    return {row.get("uid"): row for row in version.snapshot or [] if isinstance(row, dict)}


def _line_of(row):
    """One entry of a snapshot as a line of text: when, what, where."""
    try:
        start = timezone.localtime(datetime.fromisoformat(row["starts_at"]))
        when = f"{pdf.weekday_name(start)} {start:%d/%m/%Y}" + ("" if row.get("all_day") else f" {start:%H:%M}")
    except (KeyError, TypeError, ValueError):
        when = ""
    place = row.get("place") or ""
    return " – ".join(part for part in (when, row.get("content") or "", place) if part)


def _marked_line_of(row):
    """A line of the whole week, with its mark as the PDF prints it ("Hoãn: …")."""
    mark = Entry.Change.POSTPONED if row.get("is_postponed") else row.get("change") or ""
    return f"{Entry.Change(mark).label}: {_line_of(row)}" if mark else _line_of(row)


def changes_text(version):
    """What changed in this version, line by line with its mark, from the snapshots (internal entries left out)."""
    changes = version.changes or {}
    now = _snapshot_by_uid(version)
    previous = _previous(version)
    before = _snapshot_by_uid(previous) if previous else {}
    lines = []
    for key, label in (("added", Entry.Change.ADDED.label), ("adjusted", Entry.Change.ADJUSTED.label),
                       ("postponed", Entry.Change.POSTPONED.label), ("removed", _("Bỏ khỏi lịch"))):
        for uid in changes.get(key, ()):
            row = now.get(uid) or before.get(uid)
            if row and not row.get("is_internal"):
                lines.append(f"{label}: {_line_of(row)}")
    return lines


def _public_rows(version):
    return [row for row in version.snapshot or [] if isinstance(row, dict) and not row.get("is_internal")]


def sending_message(sending):
    """The e-mail of one sending: a text that reads without the attachments, the PDF and the .ics attached."""
    version = sending.version
    schedule = version.schedule
    agency = schedule.agency
    with translation.override("vi"):
        title = pdf.title_lines(schedule, version.number)
        context = {
            "sending": sending, "version": version, "schedule": schedule, "agency": agency,
            "owner": schedule.unit or agency, "title": title,
            "changes": changes_text(version) if sending.changes_only else [],
            "lines": [_marked_line_of(row) for row in _public_rows(version)],
            "link": settings.SITE_URL + _public_path(agency, schedule),
        }
        message = PolicyEmailMessage(
            subject=render_to_string("schedules/email_subject.txt", context).strip(),
            body=render_to_string("schedules/email_body.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[formataddr((sending.name, sending.email)) if sending.name else sending.email],
            reply_to=[agency.official_email] if agency.official_email else [],
            headers={"Message-ID": message_id_of(sending)},
        )
    stem = file_stem(version)
    for field, name, content_type in ((version.pdf, f"{stem}.pdf", "application/pdf"),
                                      (version.ics, f"{stem}.ics", "text/calendar; charset=utf-8")):
        if field:
            with field.open("rb") as handle:
                message.attach(name, handle.read(), content_type)
    return message


def _public_path(agency, schedule):
    return reverse("public_schedule", args=[agency.code]) + f"?week={schedule.week_start:%Y-%m-%d}"


def sending_send(sending_id):
    """Send one e-mail sending, once: the row is locked while it is sent and a sent row is skipped. A failure is
    recorded on the row (failed, with the error) and returns the seconds to wait before the next attempt, or
    None when there is nothing more to try."""
    with transaction.atomic():
        sending = (ScheduleSending.objects.select_for_update(of=("self",))
                   .select_related("version__schedule__agency", "version__schedule__unit")
                   .filter(pk=sending_id, channel=ScheduleSending.Channel.EMAIL).first())
        if sending is None or sending.status == ScheduleSending.Status.SENT:
            return None
        sending.attempts += 1
        try:
            sending_message(sending).send()
        except (smtplib.SMTPException, OSError) as exc:  # the relay refused or could not be reached
            sending.status, sending.error = ScheduleSending.Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
            sending.save(update_fields=["status", "error", "attempts"])
            if sending.attempts >= MAX_ATTEMPTS:
                return None
            return retry_backoff(sending.attempts, first=RETRY_BASE_SECONDS, most=RETRY_MAX_SECONDS)
        sending.status, sending.error = ScheduleSending.Status.SENT, ""
        sending.message_id, sending.sent_at = message_id_of(sending), timezone.now()
        sending.save(update_fields=["status", "error", "attempts", "message_id", "sent_at"])
    return None


def sendings_lost(now=None):
    """E-mail sendings whose task or retry was lost: for beat to queue again (sending twice cannot happen)."""
    now = now or timezone.now()
    return list(ScheduleSending.objects.filter(channel=ScheduleSending.Channel.EMAIL).filter(
        Q(status=ScheduleSending.Status.PENDING, version__published_at__lt=now - PENDING_LOST_AFTER)
        | Q(status=ScheduleSending.Status.FAILED, attempts__lt=MAX_ATTEMPTS,
            version__published_at__lt=now - RETRY_LOST_AFTER),
    ).values_list("pk", flat=True))


# --- The office's page of sendings --------------------------------------------------------------------------

@transaction.atomic
def sending_resend(*, membership, sending):
    """A failed e-mail sending goes out again (the office's button): pending, attempts from zero, queued."""
    sending = ScheduleSending.objects.select_for_update().select_related("version__schedule").get(pk=sending.pk)
    if sending.version.schedule.agency_id != membership.agency_id or not recipients.may_manage_recipients(membership):
        raise PermissionDenied
    if sending.channel != ScheduleSending.Channel.EMAIL or sending.status != ScheduleSending.Status.FAILED:
        raise ValidationError(_("Chỉ gửi lại được lượt gửi thư điện tử không thành công."))
    sending.status, sending.attempts = ScheduleSending.Status.PENDING, 0
    sending.save(update_fields=["status", "attempts"])
    _queue([sending.pk])
    return sending


def schedules_received(membership, *, days=21):
    """Versions sent inside the portal to the person's agency or unit, newest first (weeks of the last `days`;
    None for every week)."""
    target = Q(agency_id=membership.agency_id, unit__isnull=True)
    if membership.unit_id:
        target |= Q(unit_id=membership.unit_id)
    sent = ScheduleSending.objects.filter(target, channel=ScheduleSending.Channel.PORTAL,
                                          status=ScheduleSending.Status.SENT)
    versions = ScheduleVersion.objects.filter(pk__in=sent.values("version_id"))
    if days is not None:
        versions = versions.filter(schedule__week_start__gte=timezone.localdate() - timedelta(days=days))
    return versions.select_related("schedule__agency", "schedule__unit").order_by("-published_at")


def received_version_get(membership, pk):
    """A version sent inside the portal to the person's agency or unit; 404 for any other."""
    if not membership:
        raise Http404
    version = schedules_received(membership, days=None).filter(pk=pk).first()
    if version is None:
        raise Http404
    return version

"""Writing actions on weekly work schedules: the keepers draft and submit the week, a leader returns or approves
it, and approving publishes a new version (schedules.publication builds its PDF, .ics and sendings).

States: draft → submitted → published; a return goes back to draft. Once a schedule has been published, any edit
marks the entry (Bổ sung, Điều chỉnh, Hoãn), sets `has_changes` and puts the schedule back to draft: the last
published version stays public until a leader approves the next one. Meetings keep their own entries in the
schedule through `entry_sync_for_meeting`. See docs/schedules.md.
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Entry, Schedule, ScheduleVersion

ENTRY_FIELDS = ("starts_at", "ends_at", "all_day", "content", "chair_name", "chair", "participants", "place",
                "online_link", "preparing_unit", "notes", "is_internal")
ENTRY_RELATIONS = ("leaders", "units", "people")
CHANGE_KINDS = ("added", "adjusted", "postponed", "removed")
# What a reader sees of an entry: a difference in any of these between two versions is an adjustment.
COMPARED = ("starts_at", "ends_at", "all_day", "content", "chair_name", "chair_id", "leader_ids", "unit_ids",
            "people_ids", "participants", "place", "online_link", "preparing_unit_id", "notes", "is_internal")


def week_start_of(day):
    """The Monday of the week holding `day` (a date, or an aware datetime read in the portal's time zone)."""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date()
    return day - timedelta(days=day.weekday())


def week_bounds(week_start):
    """The week as aware datetimes [Monday 00:00, next Monday 00:00) in the portal's time zone."""
    zone = timezone.get_default_timezone()
    start = datetime.combine(week_start, datetime.min.time(), tzinfo=zone)
    return start, datetime.combine(week_start + timedelta(days=7), datetime.min.time(), tzinfo=zone)


def schedule_for_week(*, agency, week_start, unit=None, created_by):
    """The schedule of `agency` (or of its `unit`) for the week holding `week_start`; a new draft if none yet."""
    if unit is not None and unit.agency_id != agency.pk:
        raise ValidationError(_("Đơn vị không thuộc cơ quan này."))
    week_start = week_start_of(week_start)
    schedule, _created = Schedule.objects.get_or_create(
        agency=agency, unit=unit, week_start=week_start, defaults={"created_by": created_by})
    return schedule


# --- who may do what ------------------------------------------------------------------------------------------

def may_keep(membership, schedule):
    """Keepers of the agency edit its schedule; a unit's schedule is kept by the keepers of that unit."""
    return bool(membership) and membership.is_active and membership.is_schedule_keeper and (
        membership.agency_id == schedule.agency_id
        and (schedule.unit_id is None or membership.unit_id == schedule.unit_id))


def may_approve(membership, schedule):
    return bool(membership) and membership.is_active and membership.is_leader and (
        membership.agency_id == schedule.agency_id)


def _check_keeper(membership, schedule):
    if not may_keep(membership, schedule):
        raise PermissionDenied(_("Chỉ cán bộ soạn lịch công tác của cơ quan mới được sửa lịch này."))


def _check_leader(membership, schedule):
    if not may_approve(membership, schedule):
        raise PermissionDenied(_("Chỉ lãnh đạo cơ quan mới được duyệt lịch công tác."))


def _locked(schedule_pk):
    return Schedule.objects.select_for_update().get(pk=schedule_pk)


def _check_editable(schedule):
    if schedule.status == Schedule.Status.SUBMITTED:
        raise ValidationError(_("Lịch đang chờ lãnh đạo duyệt; hãy chờ duyệt hoặc trả lại rồi mới sửa."))


# --- snapshots and change marks -------------------------------------------------------------------------------

def entry_snapshot(entry):
    """The entry as a version freezes it (JSON): what the PDF, the feeds and readers of that version see."""
    def names(people):
        return [m.user.get_full_name() or str(m.user) for m in people]

    leaders, people, units = list(entry.leaders.all()), list(entry.people.all()), list(entry.units.all())
    return {
        "uid": entry.uid, "sequence": entry.sequence, "meeting_uid": entry.meeting_uid,
        "starts_at": entry.starts_at.isoformat(), "ends_at": entry.ends_at.isoformat() if entry.ends_at else None,
        "all_day": entry.all_day, "content": entry.content,
        "chair_name": entry.chair_name, "chair_id": entry.chair_id,
        "chair": entry.chair.user.get_full_name() if entry.chair_id else "",
        "leader_ids": sorted(m.pk for m in leaders), "leaders": names(leaders),
        "unit_ids": sorted(u.pk for u in units), "units": [u.name for u in units],
        "people_ids": sorted(m.pk for m in people), "people": names(people),
        "participants": entry.participants, "place": entry.place, "online_link": entry.online_link,
        "preparing_unit_id": entry.preparing_unit_id,
        "preparing_unit": entry.preparing_unit.name if entry.preparing_unit_id else "",
        "notes": entry.notes, "is_internal": entry.is_internal, "is_postponed": entry.is_postponed,
        "change": entry.change,
    }


def last_version(schedule):
    return schedule.versions.order_by("-number").first()


def _published_uids(schedule):
    version = last_version(schedule)
    return {row["uid"] for row in version.snapshot} if version else set()


def snapshot_changes(previous, current):
    """{"added", "adjusted", "postponed", "removed": [uid]} of `current` against `previous` (two snapshots)."""
    before = {row["uid"]: row for row in previous}
    changes = {kind: [] for kind in CHANGE_KINDS}
    for row in current:
        old = before.get(row["uid"])
        if old is None:
            changes["added"].append(row["uid"])
        elif row["is_postponed"] and not old["is_postponed"]:
            changes["postponed"].append(row["uid"])
        elif any(row.get(key) != old.get(key) for key in COMPARED + ("is_postponed",)):
            changes["adjusted"].append(row["uid"])
    uids = {row["uid"] for row in current}
    changes["removed"] = [uid for uid in before if uid not in uids]
    return changes


def _mark(schedule, entry, change):
    """After a publication, an edit marks the entry and sends the schedule back for approval."""
    if schedule.version == 0:
        return
    if change != Entry.Change.POSTPONED and entry.uid not in _published_uids(schedule):
        change = Entry.Change.ADDED
    entry.change = change
    entry.save(update_fields=["change", "updated_at"])
    _schedule_changed(schedule)


def _schedule_changed(schedule):
    schedule.has_changes = True
    if schedule.status == Schedule.Status.PUBLISHED:
        schedule.status = Schedule.Status.DRAFT
    schedule.save(update_fields=["has_changes", "status"])


def _clean_entry(schedule, fields, relations):
    """Times inside the week, people and units of the schedule's agency, the chair and leaders its leaders."""
    errors = {}
    starts_at, ends_at = fields.get("starts_at"), fields.get("ends_at")
    week = week_bounds(schedule.week_start)
    if starts_at is None or not (week[0] <= starts_at < week[1]):
        errors["starts_at"] = _("Thời gian phải nằm trong tuần từ %(start)s đến %(end)s.") % {
            "start": f"{schedule.week_start:%d/%m/%Y}", "end": f"{schedule.week_start + timedelta(days=6):%d/%m/%Y}"}
    elif ends_at is not None and ends_at < starts_at:
        errors["ends_at"] = _("Giờ kết thúc phải sau giờ bắt đầu.")
    if not (fields.get("content") or "").strip():
        errors["content"] = _("Hãy ghi nội dung.")
    agency_id = schedule.agency_id
    chair = fields.get("chair")
    if chair is not None and not (chair.agency_id == agency_id and chair.is_leader):
        errors["chair"] = _("Người chủ trì phải là lãnh đạo của cơ quan.")
    if any(not (m.agency_id == agency_id and m.is_leader) for m in relations.get("leaders", ())):
        errors["leaders"] = _("Chỉ chọn lãnh đạo của cơ quan.")
    if any(m.agency_id != agency_id for m in relations.get("people", ())):
        errors["people"] = _("Chỉ chọn cán bộ của cơ quan.")
    units = list(relations.get("units", ()))
    if fields.get("preparing_unit") is not None:
        units.append(fields["preparing_unit"])
    if any(unit.agency_id != agency_id for unit in units):
        errors["units"] = _("Chỉ chọn đơn vị của cơ quan.")
    if errors:
        raise ValidationError(errors)


def _split(data):
    fields = {key: value for key, value in data.items() if key in ENTRY_FIELDS}
    relations = {key: list(value) for key, value in data.items() if key in ENTRY_RELATIONS}
    unknown = set(data) - set(ENTRY_FIELDS) - set(ENTRY_RELATIONS)
    if unknown:
        raise TypeError(f"unknown entry fields: {sorted(unknown)}")
    if fields.get("all_day"):
        start = timezone.localtime(fields["starts_at"]) if fields.get("starts_at") else None
        if start is not None:
            fields["starts_at"] = start.replace(hour=0, minute=0, second=0, microsecond=0)
        fields["ends_at"] = None
    return fields, relations


def _write(entry, fields, relations):
    for key, value in fields.items():
        setattr(entry, key, value)
    entry.save()
    for key, value in relations.items():
        getattr(entry, key).set(value)


def _entry_state(entry):
    snapshot = entry_snapshot(entry)
    return {key: snapshot[key] for key in COMPARED}


# --- the keepers' edits ---------------------------------------------------------------------------------------

@transaction.atomic
def entry_add(*, membership, schedule, **data):
    """A new entry in a draft or published schedule (marked "Bổ sung" once the schedule has been published)."""
    schedule = _locked(schedule.pk)
    _check_keeper(membership, schedule)
    _check_editable(schedule)
    fields, relations = _split(data)
    _clean_entry(schedule, fields, relations)
    entry = Entry(schedule=schedule, created_by=membership.user)
    _write(entry, fields, relations)
    _mark(schedule, entry, Entry.Change.ADDED)
    return entry


@transaction.atomic
def entry_update(*, membership, entry, **data):
    """Changes an entry; after a publication it is marked "Điều chỉnh" (or stays "Bổ sung" if new since)."""
    schedule = _locked(entry.schedule_id)
    _check_keeper(membership, schedule)
    _check_editable(schedule)
    entry = Entry.objects.get(pk=entry.pk)
    fields, relations = _split(data)
    merged = {key: getattr(entry, key) for key in ENTRY_FIELDS} | fields
    merged_relations = {key: list(getattr(entry, key).all()) for key in ENTRY_RELATIONS} | relations
    _clean_entry(schedule, merged, merged_relations)
    before = _entry_state(entry)
    _write(entry, fields, relations)
    if _entry_state(entry) != before:
        _mark(schedule, entry, Entry.Change.POSTPONED if entry.is_postponed else Entry.Change.ADJUSTED)
    return entry


@transaction.atomic
def entry_postpone(*, membership, entry):
    """The entry stays on the week, marked "Hoãn"."""
    schedule = _locked(entry.schedule_id)
    _check_keeper(membership, schedule)
    _check_editable(schedule)
    entry = Entry.objects.get(pk=entry.pk)
    if entry.is_postponed:
        raise ValidationError(_("Mục này đã được ghi hoãn."))
    entry.is_postponed = True
    entry.save(update_fields=["is_postponed", "updated_at"])
    _mark(schedule, entry, Entry.Change.POSTPONED)
    return entry


@transaction.atomic
def entry_remove(*, membership, entry):
    """Deletes the entry; a removal after publication is listed in the next version's changes."""
    schedule = _locked(entry.schedule_id)
    _check_keeper(membership, schedule)
    _check_editable(schedule)
    _entry_delete(schedule, entry)


def _entry_delete(schedule, entry):
    published = entry.uid in _published_uids(schedule)
    entry.delete()
    if published:
        _schedule_changed(schedule)


# --- submit, return, approve (= publish) -----------------------------------------------------------------------

@transaction.atomic
def schedule_submit(*, membership, schedule):
    """Draft → submitted to the leaders. The first time it needs an entry; later, a change since publication."""
    schedule = _locked(schedule.pk)
    _check_keeper(membership, schedule)
    if schedule.status != Schedule.Status.DRAFT:
        raise ValidationError(_("Chỉ trình được lịch đang soạn."))
    if schedule.version == 0 and not schedule.entries.exists():
        raise ValidationError(_("Lịch chưa có mục nào."))
    if schedule.version > 0 and not schedule.has_changes:
        raise ValidationError(_("Lịch không có thay đổi nào kể từ lần công bố trước."))
    schedule.status = Schedule.Status.SUBMITTED
    schedule.submitted_by, schedule.submitted_at = membership, timezone.now()
    schedule.return_comment = ""
    schedule.save(update_fields=["status", "submitted_by", "submitted_at", "return_comment"])
    return schedule


@transaction.atomic
def schedule_return(*, membership, schedule, comment):
    """Submitted → draft, with the leader's comment for the keepers."""
    schedule = _locked(schedule.pk)
    _check_leader(membership, schedule)
    if schedule.status != Schedule.Status.SUBMITTED:
        raise ValidationError(_("Chỉ trả lại được lịch đang chờ duyệt."))
    if not (comment or "").strip():
        raise ValidationError(_("Hãy ghi ý kiến khi trả lại lịch."))
    schedule.status, schedule.return_comment = Schedule.Status.DRAFT, comment.strip()
    schedule.save(update_fields=["status", "return_comment"])
    return schedule


@transaction.atomic
def schedule_approve(*, membership, schedule):
    """Submitted → published: the leader's approval publishes version `version + 1` (the view asks for a
    two-factor session first). The version freezes the entries with their marks against the previous version;
    the entries' marks are cleared, changed entries' iCalendar SEQUENCE goes up, and
    schedules.publication.version_publish_outputs builds the PDF and .ics and queues the sendings."""
    from . import publication  # schedules.publication builds on this module

    schedule = _locked(schedule.pk)
    _check_leader(membership, schedule)
    if schedule.status != Schedule.Status.SUBMITTED:
        raise ValidationError(_("Chỉ duyệt được lịch đang chờ duyệt."))
    previous = last_version(schedule)
    entries = list(schedule.entries.select_related("chair__user", "preparing_unit")
                   .prefetch_related("leaders__user", "people__user", "units"))
    changes = snapshot_changes(previous.snapshot if previous else [], [entry_snapshot(e) for e in entries])
    if previous is None:
        changes = {kind: [] for kind in CHANGE_KINDS}
    marks = {uid: kind for kind in ("added", "adjusted", "postponed") for uid in changes[kind]}
    changed = [e for e in entries if marks.get(e.uid) in ("adjusted", "postponed")]
    for entry in changed:
        entry.sequence += 1
    Entry.objects.bulk_update(changed, ["sequence"])
    snapshot = []
    for entry in entries:
        row = entry_snapshot(entry)
        row["change"] = marks.get(entry.uid, "")
        snapshot.append(row)
    now = timezone.now()
    version = ScheduleVersion.objects.create(
        schedule=schedule, number=schedule.version + 1, published_at=now,
        published_by=schedule.submitted_by or membership, approved_by=membership,
        snapshot=snapshot, changes=changes,
    )
    schedule.entries.exclude(change=Entry.Change.NONE).update(change=Entry.Change.NONE)
    schedule.version, schedule.status, schedule.has_changes = version.number, Schedule.Status.PUBLISHED, False
    schedule.published_at, schedule.approved_by, schedule.return_comment = now, membership, ""
    schedule.save(update_fields=["version", "status", "has_changes", "published_at", "approved_by",
                                 "return_comment"])
    publication.version_publish_outputs(version)
    return version


# --- meetings ---------------------------------------------------------------------------------------------------

@transaction.atomic
def entry_sync_for_meeting(*, agency, uid, starts_at, ends_at, content, chair_name="", chair=None, place="",
                           online_link="", leaders=(), people=(), units=(), postponed=False, cancelled=False,
                           internal=False, by=None):
    """The entry of the meeting `uid` in `agency`'s own schedule for the meeting's week: created, updated,
    postponed or taken off (cancelled: removed while never published, else marked "Hoãn"). An entry of the
    meeting in another week (the meeting moved) is taken off that week the same way. Returns the entry in the
    meeting's week, or None when there is none (cancelled). `internal`: never public (a secret meeting). No
    permission check: meetings decide who may."""
    week_start = week_start_of(starts_at)
    for entry in Entry.objects.filter(schedule__agency=agency, schedule__unit=None, meeting_uid=uid).exclude(
            schedule__week_start=week_start).select_related("schedule"):
        _meeting_entry_off(_locked(entry.schedule_id), entry)
    existing = Entry.objects.filter(schedule__agency=agency, schedule__unit=None, schedule__week_start=week_start,
                                    meeting_uid=uid).first()
    if cancelled:
        if existing is not None:
            _meeting_entry_off(_locked(existing.schedule_id), existing)
            existing = Entry.objects.filter(pk=existing.pk).first()
        return existing
    schedule = schedule_for_week(agency=agency, week_start=week_start, created_by=by or agency_creator(agency))
    schedule = _locked(schedule.pk)
    fields = {"starts_at": starts_at, "ends_at": ends_at, "all_day": False, "content": content,
              "chair_name": chair_name, "chair": chair, "place": place, "online_link": online_link,
              "is_internal": internal}
    relations = {"leaders": list(leaders), "people": list(people), "units": list(units)}
    if existing is None:
        entry = Entry(schedule=schedule, meeting_uid=uid, created_by=by, is_postponed=postponed)
        _write(entry, fields, relations)
        _mark(schedule, entry, Entry.Change.POSTPONED if postponed else Entry.Change.ADDED)
        return entry
    before = _entry_state(existing) | {"is_postponed": existing.is_postponed}
    existing.is_postponed = postponed
    _write(existing, fields, relations)
    if (_entry_state(existing) | {"is_postponed": existing.is_postponed}) != before:
        _mark(schedule, existing, Entry.Change.POSTPONED if postponed else Entry.Change.ADJUSTED)
    return existing


def _meeting_entry_off(schedule, entry):
    if entry.uid in _published_uids(schedule):
        if not entry.is_postponed:
            entry.is_postponed = True
            entry.save(update_fields=["is_postponed", "updated_at"])
            _mark(schedule, entry, Entry.Change.POSTPONED)
    else:
        _entry_delete(schedule, entry)


def agency_creator(agency):
    """Who a schedule made for a meeting is recorded as created by when the caller names nobody: the agency's
    first keeper, else its first leader (a schedule needs a creator)."""
    from accounts.models import Membership

    member = (Membership.objects.active().filter(agency=agency).order_by("-is_schedule_keeper", "-is_leader", "pk")
              .select_related("user").first())
    if member is None:
        raise ValidationError(_("Cơ quan chưa có cán bộ nào để ghi lịch công tác."))
    return member.user


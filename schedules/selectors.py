"""Reading schedules, with the permission check inside.

- Staff of the agency read its schedules; keepers of the schedule and the agency's leaders read the current
  draft (the entries as they are now, marks included), the other staff the last published version.
- Other agencies and the public read only published, non-internal entries (the public page and feeds).
- A person's own feed has every entry they chair, lead or take part in, drafts included.

Rows: `entries_visible` and `entries_public` give `EntryRow`s (the same attributes whether they come from a
live Entry or from a version's snapshot), so a template or feed reads both alike.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from .models import Entry, Schedule, ScheduleVersion
from .services import entry_snapshot, may_approve, may_keep, week_start_of


@dataclass
class EntryRow:
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime | None
    all_day: bool
    content: str
    chair_name: str
    participants: str
    place: str
    online_link: str
    notes: str
    is_internal: bool
    is_postponed: bool
    change: str
    meeting_uid: str = ""
    chair: str = ""
    leaders: list = field(default_factory=list)
    units: list = field(default_factory=list)
    people: list = field(default_factory=list)
    preparing_unit: str = ""
    leader_ids: list = field(default_factory=list)
    unit_ids: list = field(default_factory=list)
    people_ids: list = field(default_factory=list)
    entry: Entry | None = None  # the live entry, for the keepers' edit links

    @classmethod
    def from_snapshot(cls, row, entry=None):
        names = {f for f in cls.__dataclass_fields__ if f != "entry"}
        values = {key: value for key, value in row.items() if key in names}
        values["starts_at"] = datetime.fromisoformat(row["starts_at"])
        values["ends_at"] = datetime.fromisoformat(row["ends_at"]) if row.get("ends_at") else None
        return cls(**values, entry=entry)

    @classmethod
    def from_entry(cls, entry):
        return cls.from_snapshot(entry_snapshot(entry), entry=entry)

    @property
    def local_day(self):
        return timezone.localtime(self.starts_at).date()

    @property
    def who_chairs(self):
        return self.chair_name or self.chair

    @property
    def mark(self):
        """The change mark a reader sees: "Hoãn" stays on a postponed entry until the week ends."""
        return Entry.Change.POSTPONED if self.is_postponed else self.change

    @property
    def mark_label(self):
        return Entry.Change(self.mark).label if self.mark else ""


def _live_entries(schedule):
    return (schedule.entries.select_related("chair__user", "preparing_unit")
            .prefetch_related("leaders__user", "people__user", "units"))


def schedule_get_for_user(membership, pk):
    """A schedule of the person's own agency (any unit of it); 404 for anything else."""
    if not membership:
        raise Http404
    schedule = Schedule.objects.select_related("agency", "unit").filter(pk=pk, agency=membership.agency_id).first()
    if schedule is None:
        raise Http404
    return schedule


def sees_draft(membership, schedule):
    return may_keep(membership, schedule) or may_approve(membership, schedule)


def entries_visible(membership, schedule):
    """The rows `membership` may read in `schedule`: the live draft for its keepers and the agency's leaders,
    else the last published version (internal entries only for staff of the schedule's agency)."""
    if sees_draft(membership, schedule):
        return [EntryRow.from_entry(entry) for entry in _live_entries(schedule)]
    version = schedule.versions.order_by("-number").first()
    if version is None:
        return []
    own = bool(membership) and membership.agency_id == schedule.agency_id
    return [EntryRow.from_snapshot(row) for row in version.snapshot if own or not row["is_internal"]]


def published_rows(schedule, *, internal):
    """The last published version's rows of `schedule` (with the internal ones when `internal`)."""
    version = schedule.versions.order_by("-number").first()
    if version is None:
        return []
    return [EntryRow.from_snapshot(row) for row in version.snapshot if internal or not row["is_internal"]]


def entries_public(agency, start, end):
    """Published, non-internal rows of `agency`'s own schedules starting in [start, end) (aware datetimes),
    each from the last published version of its week; ordered by start."""
    rows = []
    schedules = Schedule.objects.filter(agency=agency, unit=None, version__gt=0,
                                        week_start__gte=week_start_of(start),
                                        week_start__lte=timezone.localtime(end).date())
    for schedule in schedules:
        rows += [row for row in published_rows(schedule, internal=False) if start <= row.starts_at < end]
    return sorted(rows, key=lambda row: (row.starts_at, row.uid))


def entries_for_person(membership, start, end):
    """Every entry (drafts included, internal included) that `membership` chairs, leads or takes part in,
    starting in [start, end)."""
    return (Entry.objects.filter(Q(chair=membership) | Q(leaders=membership) | Q(people=membership),
                                 schedule__agency=membership.agency_id, starts_at__gte=start, starts_at__lt=end)
            .distinct().select_related("schedule__agency", "chair__user", "preparing_unit")
            .prefetch_related("leaders__user", "people__user", "units").order_by("starts_at", "pk"))


def versions_of(schedule):
    return ScheduleVersion.objects.filter(schedule=schedule).order_by("-number")


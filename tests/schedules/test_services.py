"""Schedules: versions, change marks after publication, the snapshot diff, and meetings keeping their entries."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from schedules import services
from schedules.models import Entry, Schedule
from tests import factories

from .conftest import add, at, publish

pytestmark = pytest.mark.django_db


def test_week_start_is_the_monday():
    assert services.week_start_of(date(2026, 12, 6)) == date(2026, 11, 30)  # a Sunday
    assert services.week_start_of(date(2026, 11, 30)) == date(2026, 11, 30)
    # 23:30 UTC on Sunday is already Monday in Hà Nội
    assert services.week_start_of(at(date(2026, 12, 7), 6, 30)) == date(2026, 12, 7)


def test_schedule_for_week_is_one_per_agency_and_week(agency, keeper):
    first = services.schedule_for_week(agency=agency, week_start=date(2026, 12, 3), created_by=keeper.user)
    again = services.schedule_for_week(agency=agency, week_start=date(2026, 11, 30), created_by=keeper.user)
    assert first == again and first.week_start == date(2026, 11, 30) and first.status == Schedule.Status.DRAFT


def test_first_publication_freezes_a_version_without_marks(keeper, leader, schedule):
    one = add(keeper, schedule, 0, content="Giao ban tuần")
    add(keeper, schedule, 2, content="Làm việc với Sở Tài chính", is_internal=True)
    assert Entry.objects.get(pk=one.pk).change == ""  # never published: nothing to mark

    version = publish(keeper, leader, schedule)

    schedule.refresh_from_db()
    assert version.number == 1 and schedule.version == 1 and schedule.status == Schedule.Status.PUBLISHED
    assert schedule.approved_by == leader and schedule.published_at == version.published_at
    assert version.published_by == keeper and version.approved_by == leader
    assert [row["content"] for row in version.snapshot] == ["Giao ban tuần", "Làm việc với Sở Tài chính"]
    assert version.snapshot[1]["is_internal"] is True
    assert all(row["change"] == "" for row in version.snapshot)
    assert version.changes == {"added": [], "adjusted": [], "postponed": [], "removed": []}


def test_edits_after_publication_mark_entries_and_need_approval_again(keeper, leader, schedule):
    kept = add(keeper, schedule, 0, content="Giao ban tuần")
    moved = add(keeper, schedule, 1, content="Tiếp công dân")
    dropped = add(keeper, schedule, 2, content="Kiểm tra cơ sở")
    postponed = add(keeper, schedule, 3, content="Hội nghị trực tuyến")
    publish(keeper, leader, schedule)

    services.entry_update(membership=keeper, entry=moved, starts_at=at(schedule.week_start + timedelta(days=1), 14),
                          ends_at=at(schedule.week_start + timedelta(days=1), 16))
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.DRAFT and schedule.has_changes
    added = add(keeper, schedule, 4, content="Đón đoàn công tác")
    services.entry_postpone(membership=keeper, entry=postponed)
    services.entry_remove(membership=keeper, entry=dropped)

    marks = dict(schedule.entries.values_list("content", "change"))
    assert marks == {"Giao ban tuần": "", "Tiếp công dân": "adjusted", "Hội nghị trực tuyến": "postponed",
                     "Đón đoàn công tác": "added"}
    # an entry added since the publication stays "Bổ sung" when edited again
    services.entry_update(membership=keeper, entry=added, content="Đón đoàn công tác của Bộ")
    assert Entry.objects.get(pk=added.pk).change == "added"
    # the published version is what everyone reads meanwhile
    assert [row["content"] for row in schedule.versions.get().snapshot] == [
        "Giao ban tuần", "Tiếp công dân", "Kiểm tra cơ sở", "Hội nghị trực tuyến"]

    version = publish(keeper, leader, schedule)

    assert version.number == 2
    assert version.changes == {"added": [added.uid], "adjusted": [moved.uid], "postponed": [postponed.uid],
                               "removed": [dropped.uid]}
    assert {row["uid"]: row["change"] for row in version.snapshot} == {
        kept.uid: "", moved.uid: "adjusted", postponed.uid: "postponed", added.uid: "added"}
    # marks cleared, SEQUENCE up for what changed (a calendar replaces the event), not for the rest
    assert set(schedule.entries.values_list("change", flat=True)) == {""}
    sequences = dict(schedule.entries.values_list("uid", "sequence"))
    assert sequences == {kept.uid: 0, moved.uid: 1, postponed.uid: 1, added.uid: 0}
    schedule.refresh_from_db()
    assert schedule.version == 2 and schedule.status == Schedule.Status.PUBLISHED and not schedule.has_changes
    # postponed entries stay on the week, still "Hoãn"
    assert Entry.objects.get(pk=postponed.pk).is_postponed


def test_an_edit_that_changes_nothing_leaves_no_mark(keeper, leader, schedule):
    entry = add(keeper, schedule, 0, content="Giao ban tuần")
    publish(keeper, leader, schedule)
    services.entry_update(membership=keeper, entry=entry, content="Giao ban tuần")
    schedule.refresh_from_db()
    assert Entry.objects.get(pk=entry.pk).change == "" and not schedule.has_changes
    with pytest.raises(ValidationError):
        services.schedule_submit(membership=keeper, schedule=schedule)


def test_snapshot_changes_compares_by_uid():
    row = {"uid": "a", "is_postponed": False, "content": "A", "starts_at": "2026-12-01T08:00:00+07:00"}
    previous = [row, {**row, "uid": "b"}, {**row, "uid": "c"}]
    current = [{**row, "content": "A sửa"}, {**row, "uid": "b", "is_postponed": True}, {**row, "uid": "d"}]
    assert services.snapshot_changes(previous, current) == {
        "added": ["d"], "adjusted": ["a"], "postponed": ["b"], "removed": ["c"]}


def test_states_are_checked(keeper, leader, schedule):
    with pytest.raises(ValidationError):
        services.schedule_submit(membership=keeper, schedule=schedule)  # no entry yet
    add(keeper, schedule)
    with pytest.raises(ValidationError):
        services.schedule_approve(membership=leader, schedule=schedule)  # not submitted
    services.schedule_submit(membership=keeper, schedule=schedule)
    with pytest.raises(ValidationError):
        add(keeper, schedule, 1)  # waiting for the leader
    with pytest.raises(ValidationError):
        services.schedule_return(membership=leader, schedule=schedule, comment=" ")
    services.schedule_return(membership=leader, schedule=schedule, comment="Bổ sung lịch tiếp dân")
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.DRAFT and schedule.return_comment == "Bổ sung lịch tiếp dân"


def test_entry_fields_are_checked(keeper, specialist, other_agency, schedule):
    with pytest.raises(ValidationError) as caught:
        add(keeper, schedule, 8)  # outside the week
    assert "starts_at" in caught.value.error_dict
    with pytest.raises(ValidationError) as caught:
        add(keeper, schedule, 0, chair=specialist, leaders=[specialist])
    assert {"chair", "leaders"} <= set(caught.value.error_dict)
    stranger = factories.make_member(other_agency, "specialist")
    with pytest.raises(ValidationError) as caught:
        add(keeper, schedule, 0, people=[stranger])
    assert "people" in caught.value.error_dict


# --- meetings ------------------------------------------------------------------------------------------------

def _sync(agency, monday, day=1, hour=9, **kwargs):
    start = at(monday + timedelta(days=day), hour)
    return services.entry_sync_for_meeting(agency=agency, uid="m-1@meeting.portal", starts_at=start,
                                           ends_at=start + timedelta(hours=2), content="Họp bàn kế hoạch năm",
                                           **kwargs)


def test_meeting_entry_is_created_in_a_draft_and_kept_up_to_date(agency, keeper, leader, monday):
    entry = _sync(agency, monday, chair=leader, chair_name="Đ/c Bộ trưởng", leaders=[leader], place="Phòng họp 1")
    schedule = Schedule.objects.get(agency=agency, unit=None, week_start=monday)
    assert entry.schedule == schedule and entry.meeting_uid == "m-1@meeting.portal" and entry.change == ""
    assert list(entry.leaders.all()) == [leader]

    again = _sync(agency, monday, place="Phòng họp 2", by=keeper)
    assert again.pk == entry.pk and again.place == "Phòng họp 2" and schedule.entries.count() == 1


def test_meeting_changes_after_publication_are_marked(agency, keeper, leader, monday):
    entry = _sync(agency, monday)
    schedule = entry.schedule
    publish(keeper, leader, schedule)

    _sync(agency, monday, hour=14)
    schedule.refresh_from_db()
    assert Entry.objects.get(pk=entry.pk).change == "adjusted"
    assert schedule.has_changes and schedule.status == Schedule.Status.DRAFT

    _sync(agency, monday, hour=14, postponed=True)
    entry.refresh_from_db()
    assert entry.is_postponed and entry.change == "postponed"


def test_cancelled_meeting_leaves_a_never_published_draft(agency, keeper, monday):
    entry = _sync(agency, monday)
    assert _sync(agency, monday, cancelled=True) is None
    assert not Entry.objects.filter(pk=entry.pk).exists()


def test_cancelled_meeting_is_marked_postponed_once_published(agency, keeper, leader, monday):
    entry = _sync(agency, monday)
    publish(keeper, leader, entry.schedule)
    kept = _sync(agency, monday, cancelled=True)
    assert kept.pk == entry.pk and kept.is_postponed and kept.change == "postponed"
    kept.schedule.refresh_from_db()
    assert kept.schedule.has_changes


def test_meeting_moved_to_another_week(agency, keeper, leader, monday):
    entry = _sync(agency, monday)
    publish(keeper, leader, entry.schedule)

    moved = _sync(agency, monday, day=8)  # Tuesday of the next week

    next_week = Schedule.objects.get(agency=agency, unit=None, week_start=monday + timedelta(days=7))
    assert moved.schedule == next_week and moved.pk != entry.pk and moved.change == ""
    entry.refresh_from_db()
    assert entry.is_postponed and entry.change == "postponed"  # the old week says "Hoãn"

    # moving on again from a week never published removes it there
    third = _sync(agency, monday, day=15)
    assert not Entry.objects.filter(pk=moved.pk).exists()
    assert third.schedule.week_start == monday + timedelta(days=14)
    assert Entry.objects.filter(meeting_uid="m-1@meeting.portal").count() == 2


def test_meeting_added_to_a_published_week_is_marked_added(agency, keeper, leader, schedule, monday):
    add(keeper, schedule)
    publish(keeper, leader, schedule)
    entry = _sync(agency, monday)
    assert entry.schedule == schedule and entry.change == "added"

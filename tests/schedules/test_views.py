"""The week page in Vietnamese: entries in their days, dd/mm/yyyy, the keepers' and leaders' buttons."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from schedules import services
from schedules.models import Schedule

from .conftest import add, publish

pytestmark = pytest.mark.django_db


def test_week_page_shows_entries_in_their_days(client_for, keeper, leader, schedule):
    add(keeper, schedule, 0, 8, content="Giao ban đầu tuần")
    add(keeper, schedule, 3, 14, content="Làm việc với Sở Nội vụ", place="Phòng họp tầng 2")
    response = client_for(keeper).get(reverse("schedule_week"), {"week": f"{schedule.week_start:%Y-%m-%d}"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lịch công tác tuần" in html and "Thứ Hai" in html and "Chủ nhật" in html
    monday, thursday = schedule.week_start, schedule.week_start + timedelta(days=3)
    assert f"{monday:%d/%m/%Y}" in html and f"Từ ngày {monday:%d/%m/%Y} đến ngày {monday + timedelta(days=6):%d/%m/%Y}" in html
    rows = html.split('data-testid="entry"')
    assert f'data-day="{monday:%Y-%m-%d}"' in rows[1] and "Giao ban đầu tuần" in rows[1] and "08:00 – 10:00" in rows[1]
    assert f'data-day="{thursday:%Y-%m-%d}"' in rows[2] and "Làm việc với Sở Nội vụ" in rows[2]
    assert 'data-testid="action-submit"' in html and 'data-testid="entry-add"' in html
    assert 'data-testid="action-approve"' not in html


def test_keeper_adds_an_entry_with_the_form(client_for, keeper, leader, unit, schedule):
    wednesday = schedule.week_start + timedelta(days=2)
    client = client_for(keeper)
    page = client.get(reverse("schedule_entry_add", args=[schedule.pk]), {"day": f"{wednesday:%Y-%m-%d}"})
    assert page.status_code == 200 and "Thêm mục lịch công tác" in page.content.decode()
    assert f'value="{wednesday:%d/%m/%Y}"' in page.content.decode()
    response = client.post(reverse("schedule_entry_add", args=[schedule.pk]), {
        "day": f"{wednesday:%d/%m/%Y}", "time_from": "14:00", "time_to": "16:30",
        "content": "Họp trực tuyến với các tỉnh", "chair": leader.pk, "leaders": [leader.pk], "units": [unit.pk],
        "place": "Phòng họp trực tuyến", "online_link": "https://meet.gov.vn/abc", "preparing_unit": unit.pk,
        "is_internal": "on",
    })
    assert response.status_code == 302
    entry = schedule.entries.get()
    assert timezone.localtime(entry.starts_at).strftime("%d/%m/%Y %H:%M") == f"{wednesday:%d/%m/%Y} 14:00"
    assert timezone.localtime(entry.ends_at).strftime("%H:%M") == "16:30" and entry.is_internal
    assert entry.chair == leader and list(entry.leaders.all()) == [leader] and entry.preparing_unit == unit
    assert entry.chair_name == f"{leader.user.full_name}, {leader.position}"


def test_entry_form_refuses_a_day_outside_the_week_and_a_missing_time(client_for, keeper, schedule):
    response = client_for(keeper).post(reverse("schedule_entry_add", args=[schedule.pk]), {
        "day": f"{schedule.week_start + timedelta(days=7):%d/%m/%Y}", "content": "Sai tuần"})
    html = response.content.decode()
    assert response.status_code == 200 and "Ngày phải nằm trong tuần" in html
    assert "Hãy ghi giờ bắt đầu, hoặc chọn “Cả ngày”." in html
    assert not schedule.entries.exists()


def test_all_day_entry(client_for, keeper, schedule):
    response = client_for(keeper).post(reverse("schedule_entry_add", args=[schedule.pk]), {
        "day": f"{schedule.week_start:%d/%m/%Y}", "all_day": "on", "content": "Tiếp công dân"})
    assert response.status_code == 302
    entry = schedule.entries.get()
    assert entry.all_day and entry.ends_at is None and timezone.localtime(entry.starts_at).hour == 0
    html = client_for(keeper).get(reverse("schedule_detail", args=[schedule.pk])).content.decode()
    assert "Cả ngày" in html


def test_change_marks_are_badges_and_versions_are_listed(client_for, keeper, leader, schedule):
    moved = add(keeper, schedule, 0, content="Giao ban tuần")
    postponed = add(keeper, schedule, 1, content="Kiểm tra cơ sở")
    dropped = add(keeper, schedule, 2, content="Hội thảo chuyên đề")
    publish(keeper, leader, schedule)
    services.entry_update(membership=keeper, entry=moved, place="Hội trường lớn")
    services.entry_postpone(membership=keeper, entry=postponed)
    services.entry_remove(membership=keeper, entry=dropped)
    add(keeper, schedule, 4, content="Đón đoàn công tác")

    html = client_for(keeper).get(reverse("schedule_detail", args=[schedule.pk])).content.decode()
    marks = re.findall(r'data-testid="entry-mark">([^<]+)<', html)
    assert marks == ["Điều chỉnh", "Hoãn", "Bổ sung"]
    assert 'data-testid="pending-changes"' in html and 'data-testid="removed"' in html
    assert "Hội thảo chuyên đề" in html.split('data-testid="removed"')[1]
    assert 'data-testid="version-1"' in html and "Lần 1 – công bố lúc" in html


def test_approve_through_the_page(client_for, keeper, leader2fa, schedule):
    add(keeper, schedule)
    client_for(keeper).post(reverse("schedule_action", args=[schedule.pk, "submit"]))
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.SUBMITTED
    response = client_for(leader2fa).post(reverse("schedule_action", args=[schedule.pk, "approve"]), follow=True)
    assert "Đã duyệt và công bố lịch công tác (lần 1)" in response.content.decode()
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.PUBLISHED


def test_leader_returns_with_a_comment(client_for, keeper, leader, schedule):
    add(keeper, schedule)
    services.schedule_submit(membership=keeper, schedule=schedule)
    client_for(leader).post(reverse("schedule_action", args=[schedule.pk, "return"]),
                            {"comment": "Bổ sung lịch tiếp công dân"})
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.DRAFT
    html = client_for(keeper).get(reverse("schedule_detail", args=[schedule.pk])).content.decode()
    assert "Bổ sung lịch tiếp công dân" in html and 'data-testid="action-submit"' in html


def test_week_navigation_and_a_week_without_schedule(client_for, keeper, specialist, monday):
    url = reverse("schedule_week")
    html = client_for(keeper).get(url, {"week": f"{monday + timedelta(days=9):%Y-%m-%d}"}).content.decode()
    next_monday = monday + timedelta(days=7)
    assert f"Từ ngày {next_monday:%d/%m/%Y}" in html
    assert f"?week={monday:%Y-%m-%d}" in html and f"?week={monday + timedelta(days=14):%Y-%m-%d}" in html
    assert 'data-testid="schedule-create"' in html
    response = client_for(keeper).post(reverse("schedule_create"), {"week": f"{next_monday:%Y-%m-%d}"})
    schedule = Schedule.objects.get(week_start=next_monday, unit=None)
    assert response.url == reverse("schedule_detail", args=[schedule.pk])
    html = client_for(specialist).get(url, {"week": f"{monday:%Y-%m-%d}"}).content.decode()
    assert 'data-testid="no-schedule"' in html and 'data-testid="schedule-create"' not in html
    assert client_for(specialist).post(reverse("schedule_create"), {"week": f"{monday:%Y-%m-%d}"}).status_code == 403


def test_unit_schedules_are_chosen_in_the_selector(client_for, agency, keeper, monday):
    own = services.schedule_for_week(agency=agency, unit=keeper.unit, week_start=monday, created_by=keeper.user)
    add(keeper, own, content="Họp Văn phòng")
    html = client_for(keeper).get(reverse("schedule_week")).content.decode()
    assert 'data-testid="unit-selector"' in html and keeper.unit.name in html
    html = client_for(keeper).get(reverse("schedule_week"), {"unit": keeper.unit.pk}).content.decode()
    assert "Họp Văn phòng" in html


def test_dashboard_shows_this_weeks_published_schedule(client_for, keeper, leader, specialist, schedule):
    today = timezone.localdate()
    add(keeper, schedule, today.weekday(), content="Tiếp đoàn kiểm tra")
    html = client_for(specialist).get(reverse("dashboard")).content.decode()
    assert 'data-testid="schedule-panel"' in html and "Tiếp đoàn kiểm tra" not in html  # not yet published
    publish(keeper, leader, schedule)
    html = client_for(specialist).get(reverse("dashboard")).content.decode()
    panel = html.split('data-testid="schedule-panel"')[1]
    assert "Tiếp đoàn kiểm tra" in panel and f'panel-day-{today:%Y-%m-%d}' in panel and "Hôm nay" in panel
    assert reverse("schedule_week") in panel
    assert 'data-testid="nav-schedule"' in html


def test_meeting_entries_say_where_they_come_from(client_for, agency, keeper, monday):
    from .conftest import at

    entry = services.entry_sync_for_meeting(agency=agency, uid="m-9@meeting.portal", starts_at=at(monday, 9),
                                            ends_at=at(monday, 11), content="Họp bàn kế hoạch")
    html = client_for(keeper).get(reverse("schedule_detail", args=[entry.schedule_id])).content.decode()
    assert 'data-testid="entry-meeting"' in html
    html = client_for(keeper).get(reverse("schedule_entry_edit", args=[entry.schedule_id, entry.pk])).content.decode()
    assert 'data-testid="meeting-entry"' in html and 'value="09:00"' in html

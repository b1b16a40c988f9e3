"""Who may do what with a schedule, and what each reader sees: denials as well as grants."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from schedules import selectors, services
from schedules.models import Schedule
from tests import factories

from .conftest import add, publish

pytestmark = pytest.mark.django_db


def test_specialist_without_the_keeper_flag_cannot_edit(client_for, specialist, keeper, schedule):
    entry = add(keeper, schedule)
    with pytest.raises(PermissionDenied):
        add(specialist, schedule, 1)
    with pytest.raises(PermissionDenied):
        services.entry_update(membership=specialist, entry=entry, content="Sửa trộm")
    with pytest.raises(PermissionDenied):
        services.entry_remove(membership=specialist, entry=entry)
    with pytest.raises(PermissionDenied):
        services.schedule_submit(membership=specialist, schedule=schedule)

    client = client_for(specialist)
    assert client.get(reverse("schedule_entry_add", args=[schedule.pk])).status_code == 403
    assert client.post(reverse("schedule_entry_action", args=[schedule.pk, entry.pk, "remove"])).status_code == 403
    assert schedule.entries.count() == 1


def test_keeper_of_another_unit_keeps_only_their_own_unit(agency, keeper, monday):
    other_unit = factories.make_unit(agency, "Phòng Tổ chức", "TC")
    unit_schedule = services.schedule_for_week(agency=agency, unit=other_unit, week_start=monday,
                                               created_by=keeper.user)
    with pytest.raises(PermissionDenied):
        add(keeper, unit_schedule)
    own = services.schedule_for_week(agency=agency, unit=keeper.unit, week_start=monday, created_by=keeper.user)
    assert add(keeper, own).schedule == own


def test_leader_of_another_agency_cannot_approve(client_for, keeper, schedule, other_agency):
    add(keeper, schedule)
    services.schedule_submit(membership=keeper, schedule=schedule)
    stranger = factories.make_member(other_agency, "leader", position="Chủ tịch")
    factories.totp_enable(stranger.user)
    with pytest.raises(PermissionDenied):
        services.schedule_approve(membership=stranger, schedule=schedule)
    with pytest.raises(PermissionDenied):
        services.schedule_return(membership=stranger, schedule=schedule, comment="Không đồng ý")
    response = client_for(stranger).post(reverse("schedule_action", args=[schedule.pk, "approve"]))
    assert response.status_code == 404
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.SUBMITTED and schedule.version == 0


def test_keeper_cannot_approve_their_own_schedule(keeper, schedule):
    add(keeper, schedule)
    services.schedule_submit(membership=keeper, schedule=schedule)
    with pytest.raises(PermissionDenied):
        services.schedule_approve(membership=keeper, schedule=schedule)


def test_approve_without_two_factor_is_refused(client, keeper, leader, schedule):
    from tests.conftest import login

    add(keeper, schedule)
    services.schedule_submit(membership=keeper, schedule=schedule)
    url = reverse("schedule_action", args=[schedule.pk, "approve"])

    response = login(client, leader.user, passed_totp=False).post(url)  # no TOTP set up: sent to set it up
    assert response.status_code == 302 and "totp" in response.url
    factories.totp_enable(leader.user)
    response = client.post(url)  # TOTP set up but no code entered in this session: asked for one
    assert response.status_code == 302 and reverse("schedule_detail", args=[schedule.pk]) not in response.url
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.SUBMITTED and not schedule.versions.exists()

    response = login(client, leader.user).post(url)  # a fresh two-factor session
    assert response.status_code == 302 and response.url == reverse("schedule_detail", args=[schedule.pk])
    schedule.refresh_from_db()
    assert schedule.status == Schedule.Status.PUBLISHED and schedule.version == 1


def test_other_agency_reads_neither_internal_entries_nor_drafts(client_for, agency, keeper, leader, schedule,
                                                                 other_agency, monday):
    add(keeper, schedule, 0, content="Tiếp đoàn công tác")
    add(keeper, schedule, 1, content="Họp kín về nhân sự", is_internal=True)
    stranger = factories.make_member(other_agency, "leader")
    assert client_for(stranger).get(reverse("schedule_detail", args=[schedule.pk])).status_code == 404
    assert selectors.entries_visible(stranger, schedule) == []  # a draft never published

    publish(keeper, leader, schedule)
    add(keeper, schedule, 2, content="Mục mới chưa duyệt")

    assert [row.content for row in selectors.entries_visible(stranger, schedule)] == ["Tiếp đoàn công tác"]
    start, end = services.week_bounds(monday)
    assert [row.content for row in selectors.entries_public(agency, start, end)] == ["Tiếp đoàn công tác"]
    assert selectors.entries_public(other_agency, start, end) == []
    # the week page of the other agency's own staff shows nothing of this agency
    html = client_for(stranger).get(reverse("schedule_week"), {"week": f"{monday:%Y-%m-%d}"}).content.decode()
    assert "Tiếp đoàn công tác" not in html and "Họp kín" not in html


def test_staff_read_the_published_version_keepers_and_leaders_the_draft(client_for, keeper, leader, specialist,
                                                                        schedule):
    add(keeper, schedule, 0, content="Giao ban tuần")
    assert selectors.entries_visible(specialist, schedule) == []
    html = client_for(specialist).get(reverse("schedule_detail", args=[schedule.pk])).content.decode()
    assert "Giao ban tuần" not in html and "Lịch tuần này chưa được công bố." in html

    add(keeper, schedule, 1, content="Họp nội bộ", is_internal=True)
    publish(keeper, leader, schedule)
    add(keeper, schedule, 2, content="Mục bổ sung chưa duyệt")

    staff_view = [row.content for row in selectors.entries_visible(specialist, schedule)]
    assert staff_view == ["Giao ban tuần", "Họp nội bộ"]  # internal entries for the agency's own staff
    for member in (keeper, leader):
        assert [row.content for row in selectors.entries_visible(member, schedule)] == [
            "Giao ban tuần", "Họp nội bộ", "Mục bổ sung chưa duyệt"]
    html = client_for(specialist).get(reverse("schedule_detail", args=[schedule.pk])).content.decode()
    assert "Mục bổ sung chưa duyệt" not in html and "Họp nội bộ" in html
    assert 'data-testid="action-submit"' not in html and 'data-testid="entry-add"' not in html


def test_buttons_only_for_who_may_use_them(client_for, keeper, leader, schedule):
    add(keeper, schedule)
    url = reverse("schedule_detail", args=[schedule.pk])
    html = client_for(leader).get(url).content.decode()
    assert 'data-testid="action-submit"' not in html and 'data-testid="action-approve"' not in html
    services.schedule_submit(membership=keeper, schedule=schedule)
    html = client_for(leader).get(url).content.decode()
    assert 'data-testid="action-approve"' in html and 'data-testid="action-return"' in html
    html = client_for(keeper).get(url).content.decode()
    assert 'data-testid="action-approve"' not in html and 'data-testid="action-submit"' not in html
    assert 'data-testid="entry-add"' not in html  # waiting for the leader: no edits


def test_agency_admin_grants_the_keeper_flag(client_for, admin_member, specialist, unit):
    url = reverse("staff_edit", args=[specialist.pk])
    html = client_for(admin_member).get(url).content.decode()
    assert "Soạn lịch công tác" in html and 'name="is_schedule_keeper"' in html
    response = client_for(admin_member).post(url, {
        "unit": unit.pk, "roles": ["specialist"], "position": "Chuyên viên Văn phòng",
        "official_email": specialist.official_email, "is_active": "on", "is_schedule_keeper": "on",
    })
    assert response.status_code == 302
    specialist.refresh_from_db()
    assert specialist.is_schedule_keeper

"""Changes to a meeting: postpone, move, update, cancel — by the drafter, the chair or the organiser's clerks;
each raises SEQUENCE, is kept with before/after, is sent to every invitee and updates the schedules that carry
the meeting; "Nhắc trả lời" asks those who have not answered, once a day."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from meetings.models import Invitee, Meeting, MeetingChange, MeetingMail
from meetings.services import changes
from meetings.services.papers import paper_add
from meetings.services.schedules import meeting_schedules_sync
from schedules.models import Entry
from tests import factories
from tests.core.samples import pdf_bytes

from .meeting_data import invite_agency, invite_email, invite_person, make_meeting
from .test_papers import upload


@pytest.fixture
def guest_leader(other_agency):
    return factories.make_member(other_agency, "leader", position="Chủ tịch")


@pytest.fixture
def meeting(specialist, leader, other_agency, guest_leader):
    meeting = make_meeting(specialist, leader)
    invite_email(meeting)
    guest = invite_agency(meeting, other_agency)
    guest.answer = Invitee.Answer.ATTEND
    guest.save()
    guest.attending_members.add(guest_leader)
    meeting_schedules_sync(meeting)
    return meeting


def later(meeting, days=1):
    return meeting.starts_at + timedelta(days=days), meeting.ends_at + timedelta(days=days)


def test_a_postponement_is_kept_sent_to_every_invitee_and_moves_the_schedule_entries(meeting, leader, agency,
                                                                                     other_agency):
    assert set(Entry.objects.filter(meeting_uid=meeting.uid).values_list("schedule__agency", flat=True)) == {
        agency.pk, other_agency.pk}
    starts, ends = later(meeting, days=7)
    change = changes.meeting_postpone(membership=leader, meeting=meeting, starts_at=starts, ends_at=ends,
                                      reason="Trùng lịch làm việc với Chính phủ")  # the chair
    meeting.refresh_from_db()
    assert (meeting.sequence, change.sequence, change.kind) == (1, 1, MeetingChange.Kind.POSTPONE)
    assert change.before["starts_at"] != change.after["starts_at"] == starts.isoformat()
    assert set(MeetingMail.objects.values_list("purpose", "key", "email")) == {
        ("change", "1", "hopthu@congty.vn"), ("change", "1", other_agency.official_email)}
    for entry in Entry.objects.filter(meeting_uid=meeting.uid, schedule__week_start__lte=starts.date(),
                                      schedule__week_start__gt=starts.date() - timedelta(days=7)):
        assert entry.starts_at == starts and entry.ends_at == ends
    assert set(Entry.objects.filter(meeting_uid=meeting.uid, starts_at=starts)
               .values_list("schedule__agency", flat=True)) == {agency.pk, other_agency.pk}


def test_move_and_update_change_what_they_say(meeting, clerk):
    change = changes.meeting_move(membership=clerk, meeting=meeting, place="Hội trường tầng 3",
                                  online_link="https://hop.moha.gov.vn/phong-1")
    assert change.before == {"place": "Phòng họp số 1", "online_link": ""}
    assert change.after == {"place": "Hội trường tầng 3", "online_link": "https://hop.moha.gov.vn/phong-1"}
    change = changes.meeting_update(membership=clerk, meeting=meeting, title="Họp sơ kết Chỉ thị 34",
                                    content="Sơ kết sáu tháng")
    meeting.refresh_from_db()
    assert (meeting.sequence, change.sequence, meeting.title) == (2, 2, "Họp sơ kết Chỉ thị 34")
    assert Entry.objects.filter(meeting_uid=meeting.uid, content="Họp sơ kết Chỉ thị 34").count() == 2
    with pytest.raises(ValidationError, match="không có gì thay đổi"):
        changes.meeting_update(membership=clerk, meeting=meeting, title="Họp sơ kết Chỉ thị 34",
                               content="Sơ kết sáu tháng")
    assert MeetingMail.objects.filter(key="2").count() == 2


def test_a_cancellation_takes_the_meeting_off_the_schedules_and_ends_its_changes(meeting, specialist, clerk):
    with pytest.raises(ValidationError):
        changes.meeting_cancel(membership=clerk, meeting=meeting, reason="  ")
    changes.meeting_cancel(membership=specialist, meeting=meeting, reason="Lãnh đạo đi công tác")  # the drafter
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED and meeting.sequence == 1
    # The weeks were drafts never published: the entries are gone.
    assert not Entry.objects.filter(meeting_uid=meeting.uid).exists()
    with pytest.raises(ValidationError, match="đã hủy"):
        changes.meeting_postpone(membership=clerk, meeting=meeting, starts_at=meeting.starts_at,
                                 ends_at=meeting.ends_at)
    with pytest.raises(ValidationError, match="đã hủy"):
        paper_add(membership=clerk, meeting=meeting, title="Tài liệu", file=upload("a.pdf", pdf_bytes()))


def test_only_the_drafter_the_chair_and_the_organisers_clerks_change_a_meeting(meeting, agency, other_agency,
                                                                               guest_leader):
    starts, ends = later(meeting)
    for outsider in (factories.make_member(agency, "leader"), factories.make_member(agency, "specialist"),
                     factories.make_member(other_agency, "clerk"), guest_leader):
        with pytest.raises(PermissionDenied):
            changes.meeting_postpone(membership=outsider, meeting=meeting, starts_at=starts, ends_at=ends)
        with pytest.raises(PermissionDenied):
            changes.answer_reminders_send(membership=outsider, meeting=meeting)
    assert not MeetingChange.objects.exists() and not MeetingMail.objects.exists()


def test_a_draft_invitation_is_changed_on_the_draft_and_times_are_checked(specialist, leader, clerk):
    draft = make_meeting(specialist, leader, issued=False)
    with pytest.raises(ValidationError, match="chưa phát hành"):
        changes.meeting_move(membership=clerk, meeting=draft, place="Phòng 2")
    meeting = make_meeting(specialist, leader, title="Họp giao ban")
    with pytest.raises(ValidationError) as refused:
        changes.meeting_postpone(membership=clerk, meeting=meeting, starts_at=meeting.ends_at,
                                 ends_at=meeting.starts_at)
    assert "ends_at" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        changes.meeting_postpone(membership=clerk, meeting=meeting, starts_at=timezone.now() - timedelta(hours=1),
                                 ends_at=timezone.now() + timedelta(hours=1))
    assert "starts_at" in refused.value.error_dict


def test_a_notice_of_the_organiser_may_be_linked(meeting, clerk, specialist, leader, other_agency):
    notice = make_meeting(specialist, leader, title="Thông báo hoãn").invitation
    foreign = factories.make_member(other_agency, "specialist", unit=factories.make_unit(other_agency))
    foreign_notice = make_meeting(foreign, factories.make_member(other_agency, "leader")).invitation
    with pytest.raises(ValidationError):
        changes.meeting_move(membership=clerk, meeting=meeting, place="Phòng 2", notice=foreign_notice)
    change = changes.meeting_move(membership=clerk, meeting=meeting, place="Phòng 2", notice=notice)
    assert change.notice == notice


def test_answer_reminders_go_to_those_without_an_answer_once_a_day(meeting, clerk, specialist):
    person = invite_person(meeting, specialist)
    assert changes.answer_reminders_send(membership=clerk, meeting=meeting) == 2  # the address and the person
    assert changes.answer_reminders_send(membership=clerk, meeting=meeting) == 0
    today = timezone.localdate().isoformat()
    assert set(MeetingMail.objects.values_list("purpose", "key", "email")) == {
        ("answer", today, "hopthu@congty.vn"), ("answer", today, specialist.official_email)}
    person.refresh_from_db()
    assert person.answer_reminded_at is not None


def test_the_meeting_page_changes_the_meeting_and_invitees_see_it(meeting, clerk, other_agency, client_for, client):
    client_for(clerk)
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'data-testid="change-postpone"' in page and 'data-testid="answer-reminders"' in page
    starts, ends = later(meeting, days=2)
    response = client.post(f"/meetings/{meeting.pk}/changes/postpone/", {
        "starts_at": timezone.localtime(starts).strftime("%d/%m/%Y %H:%M"),
        "ends_at": timezone.localtime(ends).strftime("%d/%m/%Y %H:%M"), "reason": "Trùng lịch"}, follow=True)
    text = response.content.decode()
    assert "Đã dời thời gian cuộc họp" in text and "Trùng lịch" in text
    meeting.refresh_from_db()
    assert meeting.starts_at == starts and meeting.sequence == 1
    response = client.post(f"/meetings/{meeting.pk}/changes/cancel/", {"reason": ""}, follow=True)
    assert "bắt buộc" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.PLANNED
    response = client.post(f"/meetings/{meeting.pk}/answer-reminders/", follow=True)
    assert "Đã gửi thư nhắc trả lời tới 1 thành phần" in response.content.decode()
    # The organiser sees every message about the meeting and its state.
    assert response.content.decode().count('data-testid="meeting-mail"') == MeetingMail.objects.count() == 3
    # The invited agency's clerk sees the change in the invitation list and on the invitation.
    guest_clerk = factories.make_member(other_agency, "clerk")
    client_for(guest_clerk)
    listing = client.get("/meetings/invitations/").content.decode()
    assert 'data-testid="invitation-changed"' in listing
    invitee = meeting.invitees.get(kind=Invitee.Kind.AGENCY)
    invitation = client.get(f"/meetings/invitations/{invitee.pk}/").content.decode()
    assert 'data-testid="meeting-change"' in invitation and "Trùng lịch" in invitation
    assert 'data-testid="change-postpone"' not in invitation


def test_the_change_forms_deny_others(meeting, agency, other_agency, client_for, client):
    client_for(factories.make_member(agency, "specialist"))
    assert client.post(f"/meetings/{meeting.pk}/changes/move/", {"place": "Phòng 9"}).status_code == 403
    client_for(factories.make_member(other_agency, "clerk"))
    assert client.post(f"/meetings/{meeting.pk}/changes/move/", {"place": "Phòng 9"}).status_code == 404
    assert client.post(f"/meetings/{meeting.pk}/answer-reminders/").status_code == 404
    assert not MeetingChange.objects.exists()

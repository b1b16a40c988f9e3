"""Answers in the portal, the organiser's meeting pages (live attendance, exports) and who may open them."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from documents.models import Incoming
from meetings.models import Invitee
from meetings.tokens import invitee_token
from schedules.models import Entry
from tests import factories
from tests.documents.conftest import to_agency

pytestmark = pytest.mark.django_db
K = Invitee.Kind


def incoming_of(invitee):
    return Incoming.objects.get(delivery=invitee.delivery)


def test_the_receiving_clerk_answers_on_the_incoming_page_and_its_leader_gets_the_meeting(
        invitation, guest_agencies, client_for):
    gialai = guest_agencies["gialai"]
    invitee = invitation.invitees.get(agency=gialai["agency"])
    client = client_for(gialai["clerk"])
    page = client.get(reverse("incoming_detail", args=[incoming_of(invitee).pk])).content.decode()
    assert 'data-testid="invitation-panel"' in page and invitation.title in page
    assert reverse("meeting_invitation", args=[invitee.pk]) in page
    response = client.post(reverse("meeting_invitation", args=[invitee.pk]), {
        "answer": "attend", "members": [gialai["leader"].pk],
        "next": reverse("incoming_detail", args=[incoming_of(invitee).pk])})
    assert response.status_code == 302 and response["Location"] == reverse(
        "incoming_detail", args=[incoming_of(invitee).pk])
    invitee.refresh_from_db()
    assert (invitee.answer, invitee.answered_via, invitee.answered_by) == ("attend", "portal", gialai["clerk"].user)
    assert list(invitee.attending_members.all()) == [gialai["leader"]]
    assert invitee.attendees == f"{gialai['leader'].user.full_name} – Phó Chủ tịch"
    entry = Entry.objects.get(meeting_uid=invitation.uid, schedule__agency=gialai["agency"])
    assert list(entry.leaders.all()) == [gialai["leader"]]
    # Declining takes the meeting off the leader's week again.
    client.post(reverse("meeting_invitation", args=[invitee.pk]), {"answer": "decline", "reason": "Trùng lịch"})
    assert not Entry.objects.filter(meeting_uid=invitation.uid, schedule__agency=gialai["agency"]).exists()


def test_only_clerks_and_leaders_answer_for_an_agency_and_only_its_own_staff_can_be_named(
        invitation, guest_agencies, client_for):
    gialai, kontum = guest_agencies["gialai"], guest_agencies["kontum"]
    invitee = invitation.invitees.get(agency=gialai["agency"])
    url = reverse("meeting_invitation", args=[invitee.pk])
    assert client_for(gialai["specialist"]).post(url, {"answer": "decline", "reason": "x"}).status_code == 404
    assert client_for(kontum["clerk"]).post(url, {"answer": "decline", "reason": "x"}).status_code == 404
    response = client_for(gialai["clerk"]).post(url, {"answer": "attend", "members": [kontum["leader"].pk]})
    assert response.status_code == 200
    invitee.refresh_from_db()
    assert invitee.answer == ""


def test_the_invitations_list_shows_what_the_person_answers_for(invitation, guest_agencies, client_for):
    gialai = guest_agencies["gialai"]
    page = client_for(gialai["clerk"]).get(reverse("meeting_invitations")).content.decode()
    assert invitation.title in page and gialai["agency"].name in page
    page = client_for(gialai["specialist"]).get(reverse("meeting_invitations")).content.decode()
    assert invitation.title not in page


def test_a_named_person_of_the_own_agency_answers_for_themselves(issue_gm, guest_agencies, agency, client_for):
    from tests.documents.conftest import to_agency

    deputy = factories.make_member(agency, "leader", position="Thứ trưởng")
    meeting = issue_gm(to_agency(guest_agencies["gialai"]["agency"]), people=[deputy])
    invitee = meeting.invitees.get(kind=K.PERSON)
    client = client_for(deputy)
    assert meeting.title in client.get(reverse("meeting_invitations")).content.decode()
    client.post(reverse("meeting_invitation", args=[invitee.pk]), {"answer": "attend"})
    invitee.refresh_from_db()
    assert invitee.answer == "attend" and list(invitee.attending_members.all()) == [deputy]
    entry = Entry.objects.get(meeting_uid=meeting.uid, schedule__agency=agency)
    assert set(entry.leaders.all()) == {deputy, meeting.chair}


def test_the_organiser_sees_both_answers_live(invitation, guest_agencies, client_for, clerk, client):
    gialai = guest_agencies["gialai"]
    portal_invitee = invitation.invitees.get(agency=gialai["agency"])
    client_for(gialai["clerk"]).post(reverse("meeting_invitation", args=[portal_invitee.pk]),
                                     {"answer": "deputy", "attendees": "Trần Văn Bình – Chánh Văn phòng"})
    client.logout()
    link_invitee = invitation.invitees.get(kind=K.EMAIL)
    client.post(reverse("meeting_answer_link", args=[invitee_token(link_invitee)]),
                {"answer": "decline", "reason": "Công ty đang kiểm kê cuối năm"})
    organiser = client_for(clerk)
    page = organiser.get(reverse("meeting_detail", args=[invitation.pk])).content.decode()
    assert 'aria-live="polite"' in page and reverse("meeting_attendance", args=[invitation.pk]) in page
    assert "js/meeting-attendance.js" in page
    fragment = organiser.get(reverse("meeting_attendance", args=[invitation.pk])).content.decode()
    assert "Trần Văn Bình – Chánh Văn phòng" in fragment and "Công ty đang kiểm kê cuối năm" in fragment
    assert "Đã trả lời: 2" in fragment and "Tham dự: 1" in fragment and "Không tham dự: 1" in fragment
    assert "Chưa trả lời: 1" in fragment


def test_exports_hold_the_answers_as_data(invitation, guest_agencies, client_for, clerk):
    gialai = guest_agencies["gialai"]
    invitee = invitation.invitees.get(agency=gialai["agency"])
    client_for(gialai["clerk"]).post(reverse("meeting_invitation", args=[invitee.pk]),
                                     {"answer": "attend", "attendees": '=HYPERLINK("http://evil.example","Bấm")'})
    organiser = client_for(clerk)
    response = organiser.get(reverse("meeting_attendance_export", args=[invitation.pk, "xlsx"]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    row = next(r for r in rows if r[1] == gialai["agency"].name)
    assert row[3] == "Tham dự" and row[4] == '\'=HYPERLINK("http://evil.example","Bấm")' and row[7] == "Trong cổng"
    cell = next(c for r in sheet.iter_rows() for c in r if c.value == row[4])
    assert cell.data_type == "s"
    assert any(r[1] == "Công ty Cổ phần Đông Á" and r[3] == "Chưa trả lời" for r in rows)
    pdf = organiser.get(reverse("meeting_attendance_export", args=[invitation.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("name", ["meeting_detail", "meeting_attendance"])
def test_agencies_other_than_the_organiser_get_404_on_the_meeting_pages(invitation, guest_agencies, client_for, name):
    stranger = factories.make_member(factories.make_agency("Sở Tài chính tỉnh Bình Định"), "clerk")
    for member in (stranger, guest_agencies["gialai"]["clerk"], guest_agencies["kontum"]["leader"]):
        client = client_for(member)
        assert client.get(reverse(name, args=[invitation.pk])).status_code == 404
        for fmt in ("xlsx", "pdf"):
            assert client.get(reverse("meeting_attendance_export", args=[invitation.pk, fmt])).status_code == 404


def test_the_meeting_list_shows_the_agencys_meetings_upcoming_first(issue_gm, guest_agencies, client_for,
                                                                    specialist, clerk):
    from datetime import timedelta

    from meetings.models import Meeting
    from tests.documents.conftest import to_agency

    later = issue_gm(to_agency(guest_agencies["gialai"]["agency"]), title="Họp tổng kết năm")
    sooner = issue_gm(to_agency(guest_agencies["gialai"]["agency"]), title="Họp giao ban tuần")
    Meeting.objects.filter(pk=later.pk).update(starts_at=later.starts_at + timedelta(days=7),
                                               ends_at=later.ends_at + timedelta(days=7))
    page = client_for(clerk).get(reverse("meeting_list")).content.decode()
    assert page.index("Họp giao ban tuần") < page.index("Họp tổng kết năm")
    assert sooner.invitation.notation in page
    filtered = client_for(clerk).get(reverse("meeting_list"), {"q": "tổng kết"}).content.decode()
    assert "Họp tổng kết năm" in filtered and "Họp giao ban tuần" not in filtered
    assert "Họp tổng kết năm" not in client_for(guest_agencies["gialai"]["clerk"]).get(
        reverse("meeting_list")).content.decode()


def test_a_secret_meeting_opens_only_to_its_insiders(issue_gm, guest_agencies, agency, client_for, clerk, leader,
                                                     specialist):
    from tests.documents.conftest import to_agency

    meeting = issue_gm(to_agency(guest_agencies["gialai"]["agency"]), secret=True, title="Họp phương án mật")
    other_leader = factories.make_member(agency, "leader", position="Thứ trưởng")
    colleague = factories.make_member(agency, "specialist")
    for member in (clerk, leader, specialist):
        assert client_for(member).get(reverse("meeting_detail", args=[meeting.pk])).status_code == 200
    for member in (other_leader, colleague):
        assert client_for(member).get(reverse("meeting_detail", args=[meeting.pk])).status_code == 404


def test_the_desk_lists_invitations_waiting_for_an_answer_until_answered(invitation, guest_agencies, client_for):
    gialai = guest_agencies["gialai"]
    client = client_for(gialai["clerk"])
    page = client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="invitations-awaiting"' in page and invitation.title in page
    assert 'data-testid="invitations-awaiting"' not in client_for(gialai["specialist"]).get(
        reverse("dashboard")).content.decode()
    invitee = invitation.invitees.get(agency=gialai["agency"])
    client = client_for(gialai["clerk"])
    client.post(reverse("meeting_invitation", args=[invitee.pk]), {"answer": "decline", "reason": "Trùng lịch"})
    assert 'data-testid="invitations-awaiting"' not in client.get(reverse("dashboard")).content.decode()


def test_a_secret_meeting_enters_the_schedule_as_internal_and_never_reaches_the_public_page(
        issue_gm, guest_agencies, agency, client):
    meeting = issue_gm(to_agency(guest_agencies["gialai"]["agency"]), secret=True, title="Phương án bảo vệ mục tiêu")
    entry = Entry.objects.get(meeting_uid=meeting.uid, schedule__agency=agency)
    assert entry.is_internal
    client.logout()
    week = entry.schedule.week_start.isoformat()
    page = client.get(reverse("public_schedule", args=[agency.code]), {"week": week}).content.decode()
    assert meeting.title not in page
    assert meeting.title not in client.get(reverse("public_schedule_feed", args=[agency.code])).content.decode()

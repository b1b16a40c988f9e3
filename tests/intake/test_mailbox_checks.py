"""The mailbox checked on time: the rule's due times, checks made by people (never by the poller), missed due
times as incidents, and the clerk's desk."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from intake import checks, tasks
from intake.models import CalendarDay, InboundMessage, Mailbox, MailboxCheck, MailboxCheckRule, MailboxCheckSlot
from tests import factories

from .mail import build
from .test_views import message_for

pytestmark = pytest.mark.django_db
ZONE = datetime.timezone(datetime.timedelta(hours=7))


def at(y, m, d, hh, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=ZONE)


def local_hhmm(moments):
    return [timezone.localtime(m).strftime("%d/%m %H:%M") for m in moments]


def test_fixed_times_skip_public_holidays_and_days_off_and_count_a_working_saturday(agency):
    CalendarDay.objects.create(agency=agency, date=datetime.date(2026, 9, 5), kind=CalendarDay.Kind.WORKING_DAY)
    CalendarDay.objects.create(agency=agency, date=datetime.date(2026, 9, 4), kind=CalendarDay.Kind.DAY_OFF)
    # Mon 31/8 is the day off for National Day, Tue 1/9 and Wed 2/9 National Day, Fri 4/9 the agency's own day off.
    moments = checks.due_times_between(agency, at(2026, 8, 31, 0), at(2026, 9, 6, 23, 59))
    assert local_hhmm(moments) == ["03/09 08:00", "03/09 13:30", "03/09 16:30",
                                   "05/09 08:00", "05/09 13:30", "05/09 16:30"]
    assert checks.due_times_between(agency, at(2026, 2, 16, 0), at(2026, 2, 22, 23)) == []  # Tết


def test_every_n_hours_within_the_working_day(agency):
    MailboxCheckRule.objects.create(agency=agency, mode=MailboxCheckRule.Mode.EVERY_N_HOURS, interval_hours=3,
                                    day_start=datetime.time(7, 30), day_end=datetime.time(17, 0))
    moments = checks.due_times_between(agency, at(2026, 12, 1, 0), at(2026, 12, 1, 23))
    assert local_hhmm(moments) == ["01/12 07:30", "01/12 10:30", "01/12 13:30", "01/12 16:30"]


def test_question_due_date_counts_working_days_over_tet(agency):
    # Received Friday 13/2/2026; Tết runs 16–20/2: five working days end on Friday 27/2.
    assert checks.working_days_after(agency, datetime.date(2026, 2, 13), 5) == datetime.date(2026, 2, 27)


def test_polling_records_no_check_but_opening_and_triage_do(client_for, clerk, mailbox, imap_account):
    imap_account.append(build(subject="Công văn 12/UBND-VP"))
    tasks.mailbox_poll(mailbox.pk)
    assert InboundMessage.objects.filter(agency=clerk.agency).count() == 1
    assert not MailboxCheck.objects.exists()

    client = client_for(clerk)
    assert client.get(reverse("inbound_list")).status_code == 200
    client.get(reverse("inbound_list") + "?page=1")  # paging the list is the same look
    opened = MailboxCheck.objects.get()
    assert (opened.membership, opened.action, opened.new_items) == (clerk, MailboxCheck.Action.OPENED, 1)

    message = InboundMessage.objects.get()
    client.post(reverse("inbound_mark", args=[message.pk]), {"status": InboundMessage.Status.DISMISSED})
    triaged = MailboxCheck.objects.exclude(pk=opened.pk).get()
    assert (triaged.action, triaged.message) == (MailboxCheck.Action.TRIAGED, message)
    tasks.mailbox_poll(mailbox.pk)
    assert MailboxCheck.objects.count() == 2


def test_a_specialist_cannot_open_or_triage_the_mailbox_and_records_nothing(client_for, specialist, mailbox,
                                                                            other_agency):
    message = message_for(mailbox)
    client = client_for(specialist)
    assert client.get(reverse("inbound_list")).status_code == 403
    assert client.post(reverse("inbound_mark", args=[message.pk]), {"status": "dismissed"}).status_code == 403
    stranger = factories.make_member(other_agency, "clerk")
    client = client_for(stranger)
    client.get(reverse("inbound_list"))
    assert client.post(reverse("inbound_mark", args=[message.pk]), {"status": "dismissed"}).status_code == 404
    assert not MailboxCheck.objects.filter(agency=mailbox.agency).exists()
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.PENDING


@pytest.fixture
def judged_mailbox(mailbox):
    """A mailbox set up at midnight on Tuesday 1/12/2026: nothing before is judged."""
    Mailbox.objects.filter(pk=mailbox.pk).update(created_at=at(2026, 12, 1, 0))
    return mailbox


def test_a_missed_due_time_opens_one_incident_for_the_chief_resolved_by_the_next_check(judged_mailbox, clerk,
                                                                                       agency):
    chief = factories.make_member(agency, "leader", position="Chánh Văn phòng", is_chief_of_office=True)
    chief.user.full_name = "Lê Thị Chánh"
    chief.user.save()
    # Tuesday 1/12/2026: nobody looked by 8:30.
    assert checks.mailbox_checks_judge(now=at(2026, 12, 1, 9, 0)) == 1
    assert checks.mailbox_checks_judge(now=at(2026, 12, 1, 9, 5)) == 0  # beat runs again: nothing twice
    slot = MailboxCheckSlot.objects.get()
    assert (timezone.localtime(slot.due_at).hour, slot.outcome) == (8, MailboxCheckSlot.Outcome.MISSED)
    incident = Incident.objects.get(kind=Incident.Kind.MAILBOX_CHECK_MISSED)
    assert incident.subject == slot and incident.is_open
    assert "08:00 01/12/2026" in incident.cause and "Lê Thị Chánh" in incident.cause

    check = checks.mailbox_check_record(membership=clerk, action=MailboxCheck.Action.OPENED,
                                        now=at(2026, 12, 1, 9, 10))
    slot.refresh_from_db()
    incident.refresh_from_db()
    assert (slot.outcome, slot.met_by) == (MailboxCheckSlot.Outcome.LATE, check)
    assert not incident.is_open and clerk.user.full_name in incident.resolution

    # 13:30 is met by a look at 13:20 (within the 30 minutes): judged on time, no incident.
    checks.mailbox_check_record(membership=clerk, action=MailboxCheck.Action.OPENED, now=at(2026, 12, 1, 13, 20))
    assert checks.mailbox_checks_judge(now=at(2026, 12, 1, 14, 5)) == 0
    on_time = MailboxCheckSlot.objects.get(due_at=at(2026, 12, 1, 13, 30))
    assert on_time.outcome == MailboxCheckSlot.Outcome.ON_TIME and on_time.met_by.membership == clerk
    assert Incident.objects.filter(kind=Incident.Kind.MAILBOX_CHECK_MISSED).count() == 1


def test_the_judge_skips_holidays_and_runs_as_a_task(mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(created_at=at(2026, 9, 1, 0))
    assert checks.mailbox_checks_judge(now=at(2026, 9, 2, 18, 0)) == 0  # National Day, both days
    assert checks.mailbox_checks_judge(now=at(2026, 9, 3, 18, 0)) == 3  # Thursday: 8:00, 13:30, 16:30
    judged = MailboxCheckSlot.objects.count()
    Mailbox.objects.filter(pk=mailbox.pk).update(enabled=False)
    assert checks.mailbox_checks_judge(now=at(2026, 9, 4, 18, 0)) == 0  # reading switched off: not judged
    Mailbox.objects.filter(pk=mailbox.pk).update(enabled=True)
    tasks.mailbox_checks_judge.delay().get()  # today: whatever is due now is judged once
    assert tasks.mailbox_checks_judge.delay().get() == 0
    assert judged == 3 and MailboxCheckSlot.objects.filter(due_at__lt=at(2026, 9, 4, 0)).count() == 3


def test_the_desk_shows_what_is_new_since_the_last_look_and_whether_a_check_is_due(client_for, clerk, mailbox):
    today = timezone.localdate()
    CalendarDay.objects.create(agency=clerk.agency, date=today, kind=CalendarDay.Kind.WORKING_DAY)
    MailboxCheckRule.objects.create(agency=clerk.agency, times=["00:00"], min_per_day=1)
    client = client_for(clerk)
    page = client.get(reverse("dashboard")).content.decode()
    assert "Đã quá giờ kiểm tra 00:00 hôm nay" in page

    client.get(reverse("inbound_list"))
    message_for(mailbox, "Công văn mới", received_at=timezone.now() + datetime.timedelta(seconds=1))
    message_for(mailbox, "Công văn mới nữa", received_at=timezone.now() + datetime.timedelta(seconds=1))
    page = client.get(reverse("dashboard")).content.decode()
    assert "Đã quá giờ kiểm tra" not in page
    assert "Lần kiểm tra tiếp theo: 00:00" in page
    assert "2 thư mới từ lần bạn xem hộp thư lúc" in page


def test_the_desk_of_the_chief_of_office_lists_missed_checks(client_for, judged_mailbox, agency):
    chief = factories.make_member(agency, "leader", is_chief_of_office=True)
    checks.mailbox_checks_judge(now=at(2026, 12, 1, 9, 0))
    page = client_for(chief).get(reverse("dashboard")).content.decode()
    assert "Hộp thư không được kiểm tra đúng giờ" in page and "08:00 01/12/2026" in page
    assert 'data-testid="mailbox-check"' not in page  # a leader does not check the mailbox


def test_the_agency_admin_sets_the_rule_and_the_agencys_own_days(client_for, admin_member, clerk):
    client = client_for(admin_member)
    response = client.post(reverse("mailbox_check_rule"), {
        "action": "rule", "mode": "times", "times": "7:30, 11:00, 14:00, 16:30", "min_per_day": 4,
        "interval_hours": 3, "day_start": "08:00", "day_end": "17:00", "grace_minutes": 20, "question_due_days": 3,
    })
    assert response.status_code == 302
    rule = MailboxCheckRule.objects.get(agency=admin_member.agency)
    assert (rule.times, rule.grace_minutes, rule.question_due_days) == (["07:30", "11:00", "14:00", "16:30"], 20, 3)
    page = client.post(reverse("mailbox_check_rule"), {
        "action": "rule", "mode": "times", "times": "8:00", "min_per_day": 3, "interval_hours": 3,
        "day_start": "08:00", "day_end": "17:00", "grace_minutes": 30, "question_due_days": 5,
    }).content.decode()
    assert "Cần ít nhất 3 giờ kiểm tra mỗi ngày." in page
    client.post(reverse("mailbox_check_rule"), {"action": "day", "date": "2026-12-26", "kind": "working",
                                                "note": "Làm bù"})
    assert CalendarDay.objects.get(agency=admin_member.agency).date == datetime.date(2026, 12, 26)
    assert client_for(clerk).get(reverse("mailbox_check_rule")).status_code == 403


def test_the_agency_admin_names_the_chief_of_office(client_for, admin_member, leader, unit):
    response = client_for(admin_member).post(f"/manage/staff/{leader.pk}/", {
        "unit": unit.pk, "roles": ["leader"], "position": "Chánh Văn phòng", "official_email": leader.official_email,
        "is_chief_of_office": "on", "is_active": "on",
    })
    assert response.status_code == 302
    leader.refresh_from_db()
    assert leader.is_chief_of_office

"""Schedules and meetings of the small province (tests/reports/data.py) whose report figures are worked out by hand
in test_meeting_figures.py. Plain ORM, no pytest: the SQLite test builds them in a subprocess too.

In H1 2026 for the province and the agencies under it (p, c, s):
- schedules: 4 versions published (p three times, c once), 2 of them sent electronically; the other province's is not
  counted, nor p's version of July; H2 2025: 1 published and sent.
- meetings: m1 (p, 2 papers, one also on paper) and m2 (c, no papers) held; m3 cancelled, m4 the other
  province's, m5 in July are not counted.
- answers: 4 answered in H1 (portal, link, decline in the portal, and one taken down by the clerk), 3 of them
  electronically; the other province's answer by link is not counted.
"""

import datetime

from meetings.models import Invitee, Meeting, Paper
from schedules.models import Schedule, ScheduleSending, ScheduleVersion
from tests.reports.data import at, issued


def _version(agency, person, published_at, *sendings, number=1):
    schedule, _ = Schedule.objects.get_or_create(
        agency=agency, unit=None, week_start=published_at.date() - datetime.timedelta(days=published_at.weekday()),
        defaults={"created_by": person.user, "status": Schedule.Status.PUBLISHED})
    version = ScheduleVersion.objects.create(schedule=schedule, number=number, published_at=published_at,
                                             published_by=person, approved_by=person)
    for n, (channel, status) in enumerate(sendings):
        ScheduleSending.objects.create(
            version=version, channel=channel, status=status, name=f"Nơi nhận {n}",
            email=f"lich{n}@vidu.gov.vn" if channel == ScheduleSending.Channel.EMAIL else "",
            agency=agency if channel == ScheduleSending.Channel.PORTAL else None)
    return version


def _meeting(agency, unit, person, starts_at, *, cancelled=False, papers=()):
    invitation = issued(agency, unit, person, starts_at.replace(day=1), doc_type="GM")
    meeting = Meeting.objects.create(
        agency=agency, invitation=invitation, title=f"Họp {invitation.notation}", starts_at=starts_at,
        ends_at=starts_at.replace(hour=starts_at.hour + 2), chair_name="Đ/c Chủ tịch", created_by=person.user,
        status=Meeting.Status.CANCELLED if cancelled else Meeting.Status.PLANNED)
    for n, paper_copies in enumerate(papers):
        Paper.objects.create(meeting=meeting, title=f"Tài liệu {n}", created_by=person.user, paper_copies=paper_copies)
    return meeting


def _answer(meeting, answered_at, answer, via, kind, **target):
    Invitee.objects.create(meeting=meeting, kind=kind, name=f"Thành phần {kind}", answer=answer, answered_via=via,
                           answered_at=answered_at, **target)


def meetings(province):
    p, c, other = province["p"], province["c"], province["other"]
    people = province["people"]
    lp, lc = people["p"], people["c"]
    sent, failed = ScheduleSending.Status.SENT, ScheduleSending.Status.FAILED
    email, portal = ScheduleSending.Channel.EMAIL, ScheduleSending.Channel.PORTAL
    _version(p, lp, at(2026, 3, 2, 8), (email, sent), (email, failed))
    _version(p, lp, at(2026, 3, 3, 8), (email, failed), number=2)  # the first version's week, republished
    _version(c, lc, at(2026, 5, 4, 8), (portal, sent))
    _version(p, lp, at(2026, 1, 5, 8))  # published, never sent
    _version(other, people["other"], at(2026, 3, 2, 8), (email, sent))
    _version(p, lp, at(2026, 7, 6, 8), (email, sent))
    _version(p, lp, at(2025, 12, 1, 8), (email, sent))

    m1 = _meeting(p, province["u1"], lp, at(2026, 3, 10, 8), papers=(True, False))
    m2 = _meeting(c, province["cu"], lc, at(2026, 4, 1, 14))
    m3 = _meeting(p, province["u1"], lp, at(2026, 2, 1, 8), cancelled=True, papers=(False,))
    m4 = _meeting(other, other.units.get(), people["other"], at(2026, 3, 10, 8), papers=(False,))
    _meeting(p, province["u1"], lp, at(2026, 7, 2, 8), papers=(False,))
    answer, via, kind = Invitee.Answer, Invitee.Via, Invitee.Kind
    _answer(m1, at(2026, 3, 5, 9), answer.ATTEND, via.PORTAL, kind.AGENCY, agency=c)
    _answer(m1, at(2026, 3, 6, 9), answer.DEPUTY, via.LINK, kind.EMAIL, email="khach@vidu.vn")
    _answer(m1, at(2026, 3, 6, 10), answer.ATTEND, via.PAPER, kind.PERSON, membership=lc)
    _answer(m1, None, answer.NONE, "", kind.AGENCY, agency=province["s"])
    _answer(m2, at(2026, 3, 20, 9), answer.DECLINE, via.PORTAL, kind.AGENCY, agency=province["s"])
    _answer(m4, at(2026, 3, 5, 9), answer.ATTEND, via.LINK, kind.AGENCY, agency=p)
    return {"m1": m1, "m2": m2, "m3": m3, "m4": m4}

"""Two agencies (a parent and its child) and a stranger whose evaluation scores (reports.evaluation) are worked
out by hand in test_evaluation.py. Period: H1 2026; today: 15/07/2026 (tests/reports/data.TODAY)."""

import datetime
import hashlib
import itertools

from accounts.models import Membership, User
from agencies.models import Agency, Unit
from documents.models import Delivery, Incoming, Outgoing
from intake.models import InboundMessage, Mailbox, MailboxCheck, MailboxCheckSlot, Question
from tests.reports.data import arrived, at, issued

_uids = itertools.count(1)
D = datetime.date


def _agency(code, short, parent=None):
    return Agency.objects.create(code=code, name=f"Cơ quan {short}", short_name=short, parent=parent,
                                 official_email=f"vanphong@{short.lower()}.gov.vn")


def _person(agency, unit, name, **roles):
    user = User.objects.create_user(email=f"{next(_uids)}@{agency.short_name.lower()}.gov.vn", full_name=name,
                                    kind="staff")
    return Membership.objects.create(user=user, agency=agency, unit=unit, **roles)


def _slot(agency, due, outcome, by=None, checked=None):
    check = None
    if by is not None:
        check = MailboxCheck.objects.create(agency=agency, membership=by, checked_at=checked or due,
                                            action=MailboxCheck.Action.OPENED)
    return MailboxCheckSlot.objects.create(agency=agency, due_at=due, deadline_at=due + datetime.timedelta(minutes=30),
                                           outcome=outcome, met_by=check)


def _question(agency, asked, due_on, answered=None, by=None):
    uid = next(_uids)
    mailbox = Mailbox.objects.get_or_create(agency=agency, defaults={"host": "imap.vidu.gov.vn", "username": "vp"})[0]
    message = InboundMessage.objects.create(agency=agency, mailbox=mailbox, uidvalidity=1, uid=uid,
                                            raw_sha256=hashlib.sha256(str(uid).encode()).hexdigest(),
                                            raw=f"q{uid}.eml", sender_email="dan@example.com", received_at=asked)
    return Question.objects.create(
        message=message, agency=agency, asked_at=asked, due_on=due_on,
        status=Question.Status.ANSWERED if answered else Question.Status.OPEN, answered_at=answered, answered_by=by,
        time_taken=answered - asked if answered else None)


def _reply(incoming, unit, drafter, when, citizen=True):
    reply = issued(incoming.agency, unit, drafter, when,
                   deliveries=[("email", Delivery.Status.SENT, citizen)] if citizen else
                   [("portal", Delivery.Status.SENT, False)])
    Outgoing.objects.filter(pk=reply.pk).update(in_reply_to=incoming)
    return reply


def build():
    a, x = _agency("000.00.00.K01", "A"), _agency("000.00.00.K09", "X")
    b = _agency("000.00.01.K01", "B", parent=a)
    u1 = Unit.objects.create(agency=a, name="Văn phòng", abbreviation="VP")
    u2 = Unit.objects.create(agency=a, name="Phòng Kinh tế", abbreviation="KT")
    bu = Unit.objects.create(agency=b, name="Phòng Tổ chức", abbreviation="TC")
    xu = Unit.objects.create(agency=x, name="Văn phòng", abbreviation="VP")
    p = {
        "leader": _person(a, u1, "Lê Lãnh Đạo", is_leader=True),
        "chief": _person(a, u1, "Chu Chánh Văn", is_clerk=True, is_chief_of_office=True),
        "admin": _person(a, u1, "An Quản Trị", is_agency_admin=True),
        "c1": _person(a, u1, "Cao Văn Thư", is_clerk=True),
        "c2": _person(a, u2, "Đỗ Văn Thư", is_clerk=True),
        "s1": _person(a, u2, "Sử Chuyên Viên", is_specialist=True),
        "b_leader": _person(b, bu, "Bùi Lãnh Đạo", is_leader=True),
        "x_leader": _person(x, xu, "Xa Lãnh Đạo", is_leader=True),
    }
    on_time, missed, late = (MailboxCheckSlot.Outcome.ON_TIME, MailboxCheckSlot.Outcome.MISSED,
                             MailboxCheckSlot.Outcome.LATE)
    # Mailbox checks: A has 5 due times in H1 (c1 met 2 on time, c2 1; one missed; one met late by c1).
    _slot(a, at(2026, 2, 2, 8), on_time, p["c1"])
    _slot(a, at(2026, 2, 2, 13, 30), on_time, p["c1"])
    _slot(a, at(2026, 2, 3, 8), on_time, p["c2"])
    _slot(a, at(2026, 2, 3, 13, 30), missed)
    _slot(a, at(2026, 2, 3, 16, 30), late, p["c1"], checked=at(2026, 2, 3, 17, 30))
    _slot(a, at(2026, 7, 1, 8), on_time, p["c1"])  # H2
    _slot(a, at(2025, 12, 31, 16, 30), on_time, p["c2"])  # H2 2025
    _slot(b, at(2026, 3, 2, 8), on_time, p["b_leader"])
    _slot(b, at(2026, 3, 2, 13, 30), missed)
    _slot(x, at(2026, 3, 2, 8), on_time, p["x_leader"])

    done, in_progress, new = Incoming.Status.DONE, Incoming.Status.IN_PROGRESS, Incoming.Status.ARRIVED
    # Documents handled: u2 1/2 (s1 1/2), u1 0/2 (c1 0/1, the leader 0/1).
    h2 = arrived(a, at(2026, 3, 2, 8), status=done, due=D(2026, 3, 10), completed=at(2026, 3, 12, 9), lead_unit=u1)
    Incoming.objects.filter(pk=h2.pk).update(completed_by=p["c1"].user)
    h7 = arrived(a, at(2026, 4, 10, 8), status=done, due=D(2026, 4, 20), completed=at(2026, 4, 21, 6), lead_unit=u1)
    Incoming.objects.filter(pk=h7.pk).update(completed_by=p["leader"].user)  # 06:00 on 21/04 in Vietnam: late
    documents = {
        "h1": arrived(a, at(2026, 2, 1, 8), status=done, due=D(2026, 2, 10), completed=at(2026, 2, 9, 16),
                      lead_member=p["s1"]),
        "h2": h2, "h7": h7,
        "h3": arrived(a, at(2026, 4, 1, 8), status=in_progress, due=D(2026, 4, 20), lead_member=p["s1"]),
        "h4": arrived(a, at(2026, 5, 1, 8), status=in_progress, due=D(2099, 7, 30), lead_member=p["s1"]),  # not yet
        "h5": arrived(a, at(2026, 1, 5, 8), status=done, completed=at(2026, 1, 6, 8), lead_unit=u1),  # no due date
        "h6": arrived(a, at(2025, 12, 1, 8), status=done, due=D(2025, 12, 5), completed=at(2025, 12, 9, 8),
                      lead_unit=u1),  # previous period
        "hx": arrived(x, at(2026, 2, 1, 8), status=done, due=D(2026, 2, 2), completed=at(2026, 2, 9, 8),
                      lead_member=p["x_leader"]),
    }
    # Replies to citizens: questions (u2/c2 1/2, one open past due for nobody) and documents replied to.
    _question(a, at(2026, 2, 2, 9), D(2026, 2, 10), at(2026, 2, 9, 10), p["c2"])
    _question(a, at(2026, 3, 2, 9), D(2026, 3, 5), at(2026, 3, 6, 10), p["c2"])
    _question(a, at(2026, 6, 1, 9), D(2026, 6, 20))
    _question(a, at(2026, 6, 30, 9), D(2099, 7, 20))  # open, not yet due
    _question(x, at(2026, 2, 2, 9), D(2026, 2, 10), at(2026, 2, 20, 10), p["x_leader"])
    h8 = arrived(a, at(2026, 3, 1, 8), status=new, due=D(2026, 3, 15), sender="Nguyễn Văn Dân")
    h9 = arrived(a, at(2026, 4, 1, 8), status=new, due=D(2026, 4, 10), sender="Công ty Vì Dân")
    h10 = arrived(a, at(2026, 4, 2, 8), status=new, due=D(2026, 4, 10), sender="Sở Y tế")
    # Outgoing: u2 (s1) o1 electronic, o2 paper, r8 electronic; u1 o3 electronic (the leader), o4 none
    # (the leader), r9 electronic (the leader), r10 electronic (c1).
    sent = Delivery.Status.SENT
    documents.update({
        "h8": h8, "h9": h9, "h10": h10,
        "r8": _reply(h8, u2, p["s1"], at(2026, 3, 14, 10)),
        "r9": _reply(h9, u1, p["leader"], at(2026, 4, 12, 10)),
        "r10": _reply(h10, u1, p["c1"], at(2026, 4, 5, 10), citizen=False),
        "o1": issued(a, u2, p["s1"], at(2026, 2, 10, 9), deliveries=[("portal", sent, False)]),
        "o2": issued(a, u2, p["s1"], at(2026, 2, 11, 9), deliveries=[("paper", Delivery.Status.NOT_ELECTRONIC,
                                                                          False)]),
        "o3": issued(a, u1, p["leader"], at(2026, 3, 10, 9), also_on_paper=True,
                     deliveries=[("email", sent, False), ("paper", Delivery.Status.NOT_ELECTRONIC, False)]),
        "o4": issued(a, u1, p["leader"], at(2026, 3, 11, 9)),
        "o5": issued(a, u1, p["c1"], at(2026, 7, 2, 9), deliveries=[("email", sent, False)]),  # H2
        "ob": issued(b, bu, p["b_leader"], at(2026, 5, 2, 9), deliveries=[("email", sent, False)]),
        "ox": issued(x, xu, p["x_leader"], at(2026, 5, 2, 9), deliveries=[("email", sent, False)]),
    })
    Outgoing.objects.create(agency=a, drafting_unit=u1, created_by=p["c1"].user, signer=p["leader"], summary="Nháp")
    return {"a": a, "b": b, "x": x, "u1": u1, "u2": u2, "bu": bu, "people": p, **documents}

"""A small province whose report figures are worked out by hand in test_figures.py.

Plain ORM, no pytest: tests/reports/test_figures.py also builds it in a SQLite database in a subprocess.
"""

import datetime
import itertools
from zoneinfo import ZoneInfo

from accounts.models import Membership, User
from agencies.models import Agency, Unit
from documents.models import Assignment, Delivery, Incoming, Outgoing

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = datetime.date(2026, 7, 15)
_numbers = itertools.count(1)


def at(*args):
    return datetime.datetime(*args, tzinfo=VN)


def _agency(code, name, short, parent=None):
    return Agency.objects.create(code=code, name=name, short_name=short, parent=parent,
                                 official_email=f"vanphong@{short.lower()}.gov.vn")


def issued(agency, unit, signer, when, doc_type="CV", deliveries=(), also_on_paper=False, secrecy=""):
    """An issued outgoing document with deliveries given as (channel, status, is_citizen)."""
    number = next(_numbers)
    outgoing = Outgoing.objects.create(
        agency=agency, drafting_unit=unit, created_by=signer.user, signer=signer, doc_type=doc_type,
        summary=f"Văn bản đi số {number}", status=Outgoing.Status.ISSUED, year=when.year, number=number,
        notation=f"{number:02d}/{agency.short_name}-{unit.abbreviation}", issued_at=when,
        also_on_paper=also_on_paper, secrecy=secrecy,
    )
    for n, (channel, status, citizen) in enumerate(deliveries):
        Delivery.objects.create(
            outgoing=outgoing, channel=channel, status=status, is_citizen=citizen, name=f"Nơi nhận {n}",
            agency=Agency.objects.exclude(pk=agency.pk).order_by("pk")[n] if channel == "portal" else None,
            email="" if channel == "portal" else f"nhan{n}@vidu.gov.vn",
        )
    return outgoing


def arrived(agency, when, source="portal", doc_type="CV", status=Incoming.Status.ARRIVED, registered=None,
            due=None, completed=None, lead_unit=None, lead_member=None, sender="Bộ Nội vụ"):
    incoming = Incoming.objects.create(
        agency=agency, source=source, doc_type=doc_type, sender_name=sender, summary="Văn bản đến",
        notation=f"{next(_numbers)}/BNV-VP", status=status,
    )
    Incoming.objects.filter(pk=incoming.pk).update(
        arrived_at=when, registered_at=registered, due_date=due, completed_at=completed,
        routed_at=registered if due else None,
    )
    if lead_unit or lead_member:
        Assignment.objects.create(incoming=incoming, role=Assignment.Role.LEAD, unit=lead_unit, member=lead_member)
    incoming.refresh_from_db()
    return incoming


def province():
    """Returns a dict of what the tests refer to by name."""
    p = _agency("000.00.00.H50", "Ủy ban nhân dân tỉnh Thử", "UBND")
    c = _agency("000.00.01.H50", "Sở Nội vụ tỉnh Thử", "SNV", parent=p)
    s = _agency("000.00.02.H50", "Sở Tài chính tỉnh Thử", "STC", parent=p)
    other = _agency("000.00.00.H51", "Ủy ban nhân dân tỉnh Khác", "UBNDK")
    u1 = Unit.objects.create(agency=p, name="Văn phòng", abbreviation="VP")
    u2 = Unit.objects.create(agency=p, name="Phòng Kinh tế", abbreviation="KT")
    cu = Unit.objects.create(agency=c, name="Phòng Tổ chức", abbreviation="TC")
    su = Unit.objects.create(agency=s, name="Phòng Ngân sách", abbreviation="NS")
    ou = Unit.objects.create(agency=other, name="Văn phòng", abbreviation="VP")
    people = {}
    for key, agency, unit in (("p", p, u1), ("c", c, cu), ("s", s, su), ("other", other, ou)):
        user = User.objects.create_user(email=f"lanhdao.{key}@thu.gov.vn", full_name=f"Lãnh đạo {key}", kind="staff")
        people[key] = Membership.objects.create(user=user, agency=agency, unit=unit, is_leader=True,
                                                position="Chủ tịch")
    lp, lc = people["p"], people["c"]
    sent, failed = Delivery.Status.SENT, Delivery.Status.FAILED
    documents = {
        # Current half-year (H1 2026), the province's own.
        "o1": issued(p, u1, lp, at(2026, 2, 10, 9), deliveries=[("portal", sent, False), ("email", sent, False),
                                                             ("email", sent, True)]),
        "o2": issued(p, u2, lp, at(2026, 3, 5, 9), "QĐ", [("email", failed, False), ("portal", sent, False)],
                     also_on_paper=True),
        "o3": issued(p, u1, lp, at(2026, 3, 20, 9), secrecy="mat",
                     deliveries=[("paper", Delivery.Status.NOT_ELECTRONIC, False)]),
        # The child's: the last evening of June is in H1; the first night of July (still 30/06 in UTC) is not.
        "o4": issued(c, cu, lc, at(2026, 6, 30, 23, 30), deliveries=[("portal", sent, False)]),
        "o5": issued(c, cu, lc, at(2026, 7, 1, 0, 30), deliveries=[("portal", sent, False)]),
        "o8": issued(s, su, people["s"], at(2026, 4, 1, 9), deliveries=[("email", sent, False)]),
        # Previous half-year (H2 2025); another province's, never counted.
        "o6": issued(p, u1, lp, at(2025, 10, 1, 9), deliveries=[("email", sent, False)]),
        "o9": issued(other, ou, people["other"], at(2026, 2, 1, 9), deliveries=[("email", sent, False)]),
        "i1": arrived(p, at(2026, 1, 5, 8), "portal", status="06", registered=at(2026, 1, 5, 10),
                      due=datetime.date(2026, 1, 15), completed=at(2026, 1, 12, 10), lead_unit=u1),
        "i2": arrived(p, at(2026, 2, 1, 8), "email", "QĐ", status="06", registered=at(2026, 2, 1, 12),
                      due=datetime.date(2026, 2, 5), completed=at(2026, 2, 10, 8), lead_unit=u2),
        "i3": arrived(p, at(2026, 3, 1, 8), "paper", status="05", registered=at(2026, 3, 1, 9),
                      due=datetime.date(2026, 3, 10), lead_unit=u1),
        "i4": arrived(p, at(2026, 6, 1, 8), "portal"),
        # Completed at 06:00 on 21/04 in Vietnam, still 20/04 in UTC: late for a due date of 20/04.
        "i5": arrived(c, at(2026, 4, 10, 8), "portal", status="06", registered=at(2026, 4, 10, 14),
                      due=datetime.date(2026, 4, 20), completed=at(2026, 4, 21, 6), lead_member=lc),
        "i6": arrived(p, at(2025, 11, 3, 8), "email", status="06", registered=at(2025, 11, 3, 9),
                      due=datetime.date(2025, 11, 10), completed=at(2025, 11, 8, 8), lead_unit=u1),
        "i7": arrived(other, at(2026, 2, 3, 8), "portal"),
    }
    Outgoing.objects.create(agency=p, drafting_unit=u1, created_by=lp.user, signer=lp, summary="Dự thảo")
    return {"p": p, "c": c, "s": s, "other": other, "u1": u1, "u2": u2, "cu": cu, "su": su, "people": people,
            **documents}

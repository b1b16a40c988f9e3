"""A published week to build the outputs on (sched-out's tests): an agency with its office and a department,
a keeper, two leaders, a week with public and internal entries, recipients of every kind."""

from datetime import date, datetime, time

from django.utils import timezone

from schedules import services
from schedules.models import ScheduleRecipient
from tests import factories

WEEK = date(2026, 12, 7)  # a Monday
INTERNAL = "Họp giao ban nội bộ về nhân sự"
OTHER_INTERNAL = "Họp kín của Sở Tư pháp về kỷ luật"


def at(day, hour, minute=0):
    """An aware datetime: `day` days after WEEK's Monday, at hour:minute in Vietnam."""
    return timezone.make_aware(datetime.combine(WEEK, time(hour, minute)) + timezone.timedelta(days=day),
                               timezone.get_default_timezone())


def make_world():
    agency = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")
    office = factories.make_unit(agency, "Văn phòng", "VP")
    finance = factories.make_unit(agency, "Phòng Tài chính", "TC")
    planning = factories.make_unit(agency, "Phòng Kế hoạch", "KH")
    other = factories.make_agency("Sở Tư pháp tỉnh Kon Tum", code="000.00.00.H35", domain="stp.kontum.gov.vn")
    outside = factories.make_agency("Ủy ban nhân dân tỉnh Nghệ An", code="000.00.00.H40", domain="nghean.gov.vn",
                                    uses_portal=False)
    keeper = factories.make_member(agency, "clerk", unit=office, position="Văn thư", is_schedule_keeper=True)
    leader = factories.make_member(agency, "leader", unit=office, position="Chủ tịch",
                                   user=factories.make_user(full_name="Nguyễn Văn Chủ"))
    deputy = factories.make_member(agency, "leader", unit=finance, position="Phó Chủ tịch",
                                   user=factories.make_user(full_name="Trần Thị Phó"))
    specialist = factories.make_member(agency, "specialist", unit=planning,
                                       user=factories.make_user(full_name="Lê Văn Chuyên"))
    for kind, fields in ((ScheduleRecipient.Kind.UNIT, {"unit": finance}),
                         (ScheduleRecipient.Kind.UNIT, {"unit": planning}),
                         (ScheduleRecipient.Kind.AGENCY, {"target_agency": other}),
                         (ScheduleRecipient.Kind.AGENCY, {"target_agency": outside}),
                         (ScheduleRecipient.Kind.EMAIL, {"email": "baochi@kontum.gov.vn", "name": "Báo Kon Tum"})):
        ScheduleRecipient.objects.create(agency=agency, kind=kind, **fields)
    return {"agency": agency, "office": office, "finance": finance, "planning": planning, "other": other,
            "outside": outside, "keeper": keeper, "leader": leader, "deputy": deputy, "specialist": specialist}


def draft_week(w):
    schedule = services.schedule_for_week(agency=w["agency"], week_start=WEEK, created_by=w["keeper"].user)
    entries = {
        "meeting": services.entry_add(
            membership=w["keeper"], schedule=schedule, starts_at=at(0, 8), ends_at=at(0, 10, 30),
            content="Họp Ủy ban nhân dân tỉnh thường kỳ tháng 12", chair=w["leader"],
            chair_name="Đ/c Nguyễn Văn Chủ, Chủ tịch UBND tỉnh", leaders=[w["deputy"]], units=[w["finance"]],
            place="Phòng họp số 1", preparing_unit=w["office"]),
        "visit": services.entry_add(
            membership=w["keeper"], schedule=schedule, starts_at=at(2, 14), content="Kiểm tra công trình đường tỉnh",
            chair_name="Đ/c Trần Thị Phó, Phó Chủ tịch", people=[w["specialist"]], place="Huyện Đắk Hà",
            preparing_unit=w["planning"]),
        "internal": services.entry_add(
            membership=w["keeper"], schedule=schedule, starts_at=at(3, 8), content=INTERNAL, is_internal=True,
            chair=w["leader"], place="Phòng họp số 2"),
    }
    return schedule, entries


def publish(w, schedule):
    services.schedule_submit(membership=w["keeper"], schedule=schedule)
    return services.schedule_approve(membership=w["leader"], schedule=schedule)

"""A published week to build the outputs on (sched-out's tests): an agency with its office and a department,
a keeper, two leaders, a week with public and internal entries, recipients of every kind."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from schedules import services
from schedules.models import ScheduleRecipient
from tests import factories

# Next week's Monday: inside every feed's window whenever the suite runs.
WEEK = services.week_start_of(timezone.localdate()) + timedelta(days=7)
INTERNAL = "Họp giao ban nội bộ về nhân sự"
OTHER_INTERNAL = "Họp kín của Sở Tư pháp về kỷ luật"


def at(day, hour, minute=0):
    """An aware datetime: `day` days after WEEK's Monday, at hour:minute in Vietnam."""
    return timezone.make_aware(datetime.combine(WEEK + timedelta(days=day), time(hour, minute)),
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


def change_week(w, schedule, entries):
    """After the first publication: the meeting moves room, the visit is postponed, an entry is added."""
    services.entry_update(membership=w["keeper"], entry=entries["meeting"], place="Hội trường tầng 3")
    services.entry_postpone(membership=w["keeper"], entry=entries["visit"])
    return services.entry_add(membership=w["keeper"], schedule=schedule, starts_at=at(4, 15),
                              content="Tiếp công dân định kỳ", chair_name="Đ/c Trần Thị Phó", place="Trụ sở tiếp dân",
                              units=[w["finance"]])


def other_agency_week(w):
    """The Sở Tư pháp's own published week, with an internal entry of its own."""
    other = w["other"]
    keeper = factories.make_member(other, "clerk", is_schedule_keeper=True)
    leader = factories.make_member(other, "leader", position="Giám đốc")
    schedule = services.schedule_for_week(agency=other, week_start=WEEK, created_by=keeper.user)
    services.entry_add(membership=keeper, schedule=schedule, starts_at=at(1, 8), content="Hội nghị phổ biến pháp luật",
                       place="Hội trường Sở")
    services.entry_add(membership=keeper, schedule=schedule, starts_at=at(1, 14), content=OTHER_INTERNAL,
                       is_internal=True)
    services.schedule_submit(membership=keeper, schedule=schedule)
    services.schedule_approve(membership=leader, schedule=schedule)
    return schedule

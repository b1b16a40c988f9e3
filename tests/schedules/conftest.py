from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from schedules import services
from tests import factories


def at(day, hour, minute=0):
    """An aware datetime in the portal's time zone."""
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_default_timezone())


@pytest.fixture
def monday():
    return services.week_start_of(timezone.localdate())


@pytest.fixture
def keeper(agency, unit):
    """The Văn phòng's clerk, granted the drafting of the weekly schedule."""
    return factories.make_member(agency, "clerk", unit=unit, position="Văn thư", is_schedule_keeper=True)


@pytest.fixture
def leader2fa(leader):
    factories.totp_enable(leader.user)
    return leader


@pytest.fixture
def schedule(agency, keeper, monday):
    return services.schedule_for_week(agency=agency, week_start=monday, created_by=keeper.user)


def add(keeper, schedule, day_offset=0, hour=8, content="Họp giao ban", **fields):
    day = schedule.week_start + timedelta(days=day_offset)
    return services.entry_add(membership=keeper, schedule=schedule, starts_at=at(day, hour),
                              ends_at=at(day, hour + 2), content=content, **fields)


def publish(keeper, leader, schedule):
    services.schedule_submit(membership=keeper, schedule=schedule)
    return services.schedule_approve(membership=leader, schedule=schedule)

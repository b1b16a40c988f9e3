"""The demo data: every clerk keeps the schedule; Kon Tum's current week is published, one entry internal."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Membership
from devtools import demo
from schedules import services
from schedules.models import Schedule, ScheduleVersion


@pytest.mark.django_db
def test_seed_demo_publishes_this_week_once():
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    clerks = Membership.objects.filter(is_clerk=True)
    assert clerks.exists() and not clerks.filter(is_schedule_keeper=False).exists()
    schedule = Schedule.objects.get(agency__code=demo.SCHEDULE_AGENCY, unit=None,
                                    week_start=services.week_start_of(timezone.localdate()))
    assert schedule.status == Schedule.Status.PUBLISHED and schedule.version == 1
    assert ScheduleVersion.objects.filter(schedule=schedule).count() == 1
    assert schedule.entries.count() == len(demo.SCHEDULE_ENTRIES)
    assert schedule.entries.filter(is_internal=True).count() == 1

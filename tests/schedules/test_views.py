"""The week page in Vietnamese: entries in their days, dd/mm/yyyy, the keepers' and leaders' buttons."""

from datetime import timedelta

import pytest
from django.urls import reverse

from .conftest import add

pytestmark = pytest.mark.django_db


def test_week_page_shows_entries_in_their_days(client_for, keeper, leader, schedule):
    add(keeper, schedule, 0, 8, content="Giao ban đầu tuần")
    add(keeper, schedule, 3, 14, content="Làm việc với Sở Nội vụ", place="Phòng họp tầng 2")
    response = client_for(keeper).get(reverse("schedule_week"), {"week": f"{schedule.week_start:%Y-%m-%d}"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lịch công tác tuần" in html and "Thứ Hai" in html and "Chủ nhật" in html
    monday, thursday = schedule.week_start, schedule.week_start + timedelta(days=3)
    assert f"{monday:%d/%m/%Y}" in html and f"Từ ngày {monday:%d/%m/%Y} đến ngày {monday + timedelta(days=6):%d/%m/%Y}" in html
    rows = html.split('data-testid="entry"')
    assert f'data-day="{monday:%Y-%m-%d}"' in rows[1] and "Giao ban đầu tuần" in rows[1] and "08:00 – 10:00" in rows[1]
    assert f'data-day="{thursday:%Y-%m-%d}"' in rows[2] and "Làm việc với Sở Nội vụ" in rows[2]
    assert 'data-testid="action-submit"' in html and 'data-testid="entry-add"' in html
    assert 'data-testid="action-approve"' not in html

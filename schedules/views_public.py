"""An agency's published week for everyone (no login): the page, week by week, and its calendar feed.
Internal entries never appear: the rows come from selectors.entries_public."""

from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.ical import CONTENT_TYPE

from . import feeds, pdf


@require_safe
def public_schedule(request, code):
    agency = feeds.public_agency(code)
    week_start = feeds.week_of(request.GET.get("week"))
    return render(request, "schedules/public_week.html", {
        "agency": agency, "week_start": week_start, "week_end": week_start + timedelta(days=6),
        "week_number": week_start.isocalendar().week,
        "days": [(day, pdf.weekday_name(day), rows) for day, rows in feeds.public_week(agency, week_start)],
        "previous_week": week_start - timedelta(days=7), "next_week": week_start + timedelta(days=7),
    })


@require_safe
def public_schedule_feed(request, code):
    agency = feeds.public_agency(code)
    response = HttpResponse(feeds.agency_feed(agency), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="lich-cong-tac-{agency.code}.ics"'
    return response

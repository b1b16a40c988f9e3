"""iCalendar (RFC 5545) for schedules, feeds and meeting invitations, built with the icalendar library.

Times are written in Asia/Ho_Chi_Minh with its VTIMEZONE, so a calendar shows 08:00 as the agency meant it
whatever the reader's own zone; UIDs are stable per event so that a later SEQUENCE replaces the earlier copy.
"""

from datetime import UTC, datetime

import icalendar
from django.conf import settings
from django.utils import timezone

PRODID = "-//Cong trao doi van ban//Portal//VI"


def calendar_new(*, method=None, name=""):
    """An empty VCALENDAR; `method` is REQUEST or CANCEL for invitations (RFC 5546), none for feeds and files."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def local(moment):
    """An aware datetime in Vietnam's zone, as every DTSTART/DTEND is written."""
    return timezone.localtime(moment, timezone.get_default_timezone())


def event_new(*, uid, summary, start, end=None, all_day=False, sequence=0, location="", description="", url="",
              status="CONFIRMED", organizer=None, attendees=()):
    """One VEVENT. `start`/`end` are aware datetimes (all-day events use their local dates, DTEND exclusive);
    `organizer` is (name, email); `attendees` are (name, email) pairs."""
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.now(UTC))
    event.add("sequence", sequence)
    event.add("summary", summary)
    if all_day:
        first = local(start).date()
        event.add("dtstart", first)
        event.add("dtend", (local(end).date() if end else first) + timezone.timedelta(days=1))
    else:
        event.add("dtstart", local(start))
        if end:
            event.add("dtend", local(end))
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    event.add("status", status)
    if organizer:
        name, email = organizer
        event.add("organizer", icalendar.vCalAddress(f"mailto:{email}"), parameters={"CN": name})
    for name, email in attendees:
        event.add("attendee", icalendar.vCalAddress(f"mailto:{email}"),
                  parameters={"CN": name, "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "FALSE"})
    return event


def calendar_bytes(cal):
    """The calendar as RFC 5545 bytes (CRLF, folded), with a VTIMEZONE for every zone its events use."""
    cal.add_missing_timezones()
    return cal.to_ical()


CONTENT_TYPE = "text/calendar; charset=utf-8"

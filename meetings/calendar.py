"""The iCalendar invitation of a meeting (RFC 5546): REQUEST for the invitation and every change, CANCEL when
it is called off. One UID for the meeting's whole life; SEQUENCE is the meeting's, up by one with each change."""

from django.utils.translation import gettext as _

from core.ical import calendar_bytes, calendar_new, event_new, local

from .models import Invitee
from .services.invitations import invitee_address


def _location(meeting):
    return " – ".join(part for part in (meeting.place, meeting.online_link) if part)


def _description(meeting):
    lines = [meeting.content] if meeting.content else []
    lines.append(_("Chủ trì: %(chair)s") % {"chair": meeting.chair_name})
    if meeting.online_link:
        lines.append(_("Họp trực tuyến: %(link)s") % {"link": meeting.online_link})
    if meeting.confirm_by:
        when = local(meeting.confirm_by).strftime("%H:%M %d/%m/%Y")
        lines.append(_("Xác nhận tham dự trước %(when)s") % {"when": when})
    return "\n".join(lines)


def _attendee(invitee):
    address = invitee_address(invitee)
    return (invitee.name, address) if address else None


def meeting_ics(meeting, *, method="REQUEST", invitee=None):
    """The calendar bytes of the meeting, its ATTENDEEs the invitation's recipients with an address (staff invited
    by name are left out: their addresses are not for every recipient to read), or `invitee` alone."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(method)
    invitees = [invitee] if invitee is not None else list(
        meeting.invitees.exclude(kind=Invitee.Kind.PERSON).select_related("agency", "unit"))
    attendees = [pair for pair in (_attendee(one) for one in invitees) if pair]
    agency = meeting.agency
    cal = calendar_new(method=method)
    cal.add_component(event_new(
        uid=meeting.uid, summary=meeting.title, start=meeting.starts_at, end=meeting.ends_at,
        sequence=meeting.sequence, location=_location(meeting), description=_description(meeting),
        url=meeting.online_link,
        status="CANCELLED" if method == "CANCEL" or meeting.status == meeting.Status.CANCELLED else "CONFIRMED",
        organizer=(agency.name, agency.official_email), attendees=attendees,
    ))
    return calendar_bytes(cal)

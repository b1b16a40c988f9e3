"""Schedules as iCalendar (RFC 5545, built by core.ical): the .ics of a published version, a person's private
feed and an agency's public feed. One VEVENT per entry, UID = Entry.uid and SEQUENCE = Entry.sequence, so that a
calendar that already has an entry replaces it; a postponed entry is STATUS:CANCELLED."""

from django.utils.translation import gettext as _

from core import ical

from .pdf import participants_label, person_name


def entry_event(entry, *, removed=False):
    """The VEVENT of one selectors.EntryRow (a live entry or a version's snapshot row); `removed`: an entry taken
    off the schedule since the calendar last had it, cancelled with a higher SEQUENCE."""
    details = []
    chair = entry.who_chairs
    if chair:
        details.append(_("Chủ trì: %(name)s") % {"name": chair})
    participants = participants_label(entry)
    if participants:
        details.append(_("Thành phần: %(names)s") % {"names": participants})
    if entry.preparing_unit:
        details.append(_("Đơn vị chuẩn bị: %(unit)s") % {"unit": entry.preparing_unit})
    if entry.online_link:
        details.append(_("Họp trực tuyến: %(link)s") % {"link": entry.online_link})
    summary = entry.content.splitlines()[0] if entry.content else ""
    if entry.is_postponed:
        summary = _("Hoãn: %(content)s") % {"content": summary}
    return ical.event_new(
        uid=entry.uid, summary=summary, start=entry.starts_at, end=entry.ends_at, all_day=entry.all_day,
        sequence=entry.sequence + 1 if removed else entry.sequence, location=entry.place or entry.online_link,
        description="\n".join([entry.content, *details]) if details or "\n" in entry.content else "",
        url=entry.online_link, status="CANCELLED" if entry.is_postponed or removed else "CONFIRMED",
    )


def entries_ics(entries, *, name="", removed=()):
    cal = ical.calendar_new(name=name)
    for entry in entries:
        cal.add_component(entry_event(entry))
    for entry in removed:
        cal.add_component(entry_event(entry, removed=True))
    return ical.calendar_bytes(cal)


def version_ics(version, entries, removed=()):
    """The .ics attached to a published version: its public entries, and those the version took off the
    schedule (cancelled, so that a calendar that imported an earlier version drops them)."""
    schedule = version.schedule
    return entries_ics(entries, name=_("Lịch công tác %(owner)s") % {"owner": schedule.unit or schedule.agency},
                       removed=removed)


def person_feed(membership, entries):
    return entries_ics(entries, name=_("Lịch công tác của %(name)s") % {"name": person_name(membership)})


def agency_feed(agency, entries):
    return entries_ics(entries, name=_("Lịch công tác %(agency)s") % {"agency": agency.name})

"""A meeting in the schedules of the agencies whose leaders go: the organiser's (its chair) and each agency whose
answer names leaders among who attends (schedules.services.entry_sync_for_meeting)."""

from agencies.models import Agency
from schedules import services as schedule_services
from schedules.models import Entry

from ..models import Invitee, Meeting


def _who_goes(meeting):
    """{agency_id: (leaders, people)} of the members named as going, the chair with the organiser's leaders."""
    going = {}

    def add(member):
        leaders, people = going.setdefault(member.agency_id, ([], []))
        group = leaders if member.is_leader else people
        if member not in group:
            group.append(member)

    if meeting.chair is not None:
        add(meeting.chair)
    answered = meeting.invitees.filter(answer__in=[Invitee.Answer.ATTEND, Invitee.Answer.DEPUTY])
    for invitee in answered.prefetch_related("attending_members__user"):
        for member in invitee.attending_members.all():
            add(member)
    return going


def meeting_schedules_sync(meeting, *, by=None):
    """Every agency with a leader going gets (or keeps) the meeting in its week; an agency whose leaders no longer
    go, or every agency when the meeting is cancelled, has it taken off. Called inside the caller's transaction."""
    meeting = Meeting.objects.select_related("agency", "chair__user").get(pk=meeting.pk)
    cancelled = meeting.status == Meeting.Status.CANCELLED
    going = {} if cancelled else {agency: pair for agency, pair in _who_goes(meeting).items() if pair[0]}
    listed = set(Entry.objects.filter(meeting_uid=meeting.uid, schedule__unit=None)
                 .values_list("schedule__agency", flat=True))
    agencies = Agency.objects.in_bulk(set(going) | listed)
    for agency_id, agency in sorted(agencies.items()):
        leaders, people = going.get(agency_id, ((), ()))
        chair = meeting.chair if meeting.chair is not None and meeting.chair.agency_id == agency_id else None
        schedule_services.entry_sync_for_meeting(
            agency=agency, uid=meeting.uid, starts_at=meeting.starts_at, ends_at=meeting.ends_at,
            content=meeting.title, chair_name=meeting.chair_name, chair=chair, place=meeting.place,
            online_link=meeting.online_link, leaders=leaders, people=people,
            cancelled=cancelled or agency_id not in going, internal=meeting.is_secret, by=by,
        )

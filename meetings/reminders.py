"""Reminders before a meeting (default the day before and one hour before, Meeting.reminder_minutes) to those who
said they come. Beat runs meeting_reminders_due every few minutes; the MeetingMail row, unique per invitee,
purpose and key (the offset in minutes), makes each reminder leave once however often it runs.
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.mail import mail_may_name
from documents.models import Outgoing

from . import tasks
from .mail import meeting_mails_queue
from .models import Invitee, Meeting, MeetingMail


def _due_offset(meeting, now):
    """The reminder to send now: of the offsets whose time has come, the one nearest the start (when the beat
    was away past the day-before reminder, the hour-before one replaces it rather than both arriving)."""
    due = [int(minutes) for minutes in meeting.reminder_minutes or []
           if meeting.starts_at - datetime.timedelta(minutes=int(minutes)) <= now]
    return min(due) if due else None


def _member_address(membership):
    return membership.official_email or membership.user.email


def _named_staff_queue(meeting, coming, offset):
    """Staff of the organiser's agency named as going by an invitee (a unit sends two of its people) are reminded
    themselves, on rows of the naming invitee keyed "<offset>/<membership pk>". Returns how many were written."""
    reminder = MeetingMail.Purpose.REMINDER
    invited_persons = {invitee.membership_id for invitee in coming if invitee.kind == Invitee.Kind.PERSON}
    wanted = {}
    for invitee in coming:
        for member in invitee.attending_members.all():
            address = _member_address(member)
            if member.agency_id == meeting.agency_id and member.pk not in invited_persons and address:
                wanted.setdefault(f"{offset}/{member.pk}", (invitee, address))
    known = set(MeetingMail.objects.filter(meeting=meeting, purpose=reminder, key__in=wanted)
                .values_list("key", flat=True))
    status = MeetingMail.Status.PENDING if mail_may_name(meeting) else MeetingMail.Status.WITHHELD
    rows = [MeetingMail(meeting=meeting, invitee=invitee, purpose=reminder, key=key, email=address, status=status)
            for key, (invitee, address) in wanted.items() if key not in known]
    MeetingMail.objects.bulk_create(rows, ignore_conflicts=True)
    if status == MeetingMail.Status.PENDING and rows:
        ids = list(MeetingMail.objects.filter(meeting=meeting, purpose=reminder, status=status,
                                              key__in=[row.key for row in rows]).values_list("pk", flat=True))
        transaction.on_commit(lambda: tasks.meeting_mails_send.delay(ids), robust=True)
    return len(rows)


def meeting_reminders_due(now=None):
    """Queue the reminders whose time has come for every planned meeting not started yet whose invitation was
    issued; returns how many messages were written."""
    now = now or timezone.now()
    meetings = (Meeting.objects.filter(status=Meeting.Status.PLANNED, starts_at__gt=now,
                                       invitation__status=Outgoing.Status.ISSUED)
                .select_related("invitation").only("pk", "starts_at", "reminder_minutes", "agency_id",
                                                   "invitation__secrecy", "invitation__status"))
    written = 0
    for meeting in meetings.iterator():
        offset = _due_offset(meeting, now)
        if offset is None:
            continue
        with transaction.atomic():
            coming = list(meeting.invitees.filter(Q(answer=Invitee.Answer.ATTEND) | Q(answer=Invitee.Answer.DEPUTY))
                          .select_related("membership__user").prefetch_related("attending_members__user"))
            if not coming:
                continue
            written += meeting_mails_queue(meeting=meeting, invitees=coming, purpose=MeetingMail.Purpose.REMINDER,
                                           key=str(offset))
            written += _named_staff_queue(meeting, coming, offset)
    return written

"""Answers to an invitation: attend (with who goes), send a deputy, or decline with a reason."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.models import Outgoing

from .. import selectors
from ..models import Invitee, Meeting
from .invitations import person_label
from .schedules import meeting_schedules_sync

A = Invitee.Answer


def _check_open(invitee):
    meeting = invitee.meeting
    if meeting.invitation.status != Outgoing.Status.ISSUED:
        raise ValidationError(_("Giấy mời chưa được phát hành."), code="not_issued")
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("Cuộc họp đã bị hủy."), code="cancelled")
    if timezone.now() >= meeting.starts_at:
        raise ValidationError(_("Cuộc họp đã bắt đầu: không thể trả lời hoặc thay đổi trả lời nữa."),
                              code="started")


def _members_check(invitee, members):
    if not members:
        return []
    allowed = selectors.answer_members(invitee)
    members = list(members)
    if allowed is None or allowed.filter(pk__in=[m.pk for m in members]).count() != len(set(members)):
        raise ValidationError({"members": _("Chỉ chọn được cán bộ đang công tác của cơ quan được mời.")})
    return members


def invitee_answer(*, invitee, answer, attendees="", reason="", via, user=None, members=()):
    """Record (or change) the invitee's answer until the meeting starts. Attending or sending a deputy names who
    goes (in words, or members of a portal agency picked from its staff); declining gives a reason. Members named
    as going get the meeting into their schedules when leaders (schedules.services.entry_sync_for_meeting)."""
    if answer not in (A.ATTEND, A.DEPUTY, A.DECLINE):
        raise ValidationError({"answer": _("Chọn tham dự, cử người dự thay hoặc không tham dự.")})
    with transaction.atomic():
        invitee = (Invitee.objects.select_for_update(of=("self",))
                   .select_related("meeting__invitation", "meeting__agency", "agency", "membership__user")
                   .get(pk=invitee.pk))
        _check_open(invitee)
        members = _members_check(invitee, members) if answer != A.DECLINE else []
        attendees, reason = attendees.strip(), reason.strip()
        if answer == A.DECLINE:
            if not reason:
                raise ValidationError({"reason": _("Ghi lý do không tham dự.")})
            attendees = ""
        else:
            if answer == A.ATTEND and not members and not attendees and invitee.kind == Invitee.Kind.PERSON:
                members = [invitee.membership]
            if not attendees:
                attendees = "; ".join(person_label(member) for member in members)
            if not attendees:
                raise ValidationError({"attendees": _("Ghi họ tên, chức vụ người tham dự.")})
            reason = reason if answer == A.DEPUTY else ""
        invitee.answer, invitee.attendees, invitee.reason = answer, attendees, reason
        invitee.answered_at, invitee.answered_via, invitee.answered_by = timezone.now(), via, user
        invitee.save(update_fields=["answer", "attendees", "reason", "answered_at", "answered_via", "answered_by"])
        invitee.attending_members.set(members)
        meeting_schedules_sync(invitee.meeting, by=user)
    return invitee

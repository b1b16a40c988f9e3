"""Changes to a meeting after its invitation went out: postponed (new time), moved (place or online link),
updated (title, content) or cancelled. Each raises the meeting's iCalendar SEQUENCE by one, is kept as a
MeetingChange (before/after), is announced to every invitee (meetings.mail, CHANGE: REQUEST with the new
SEQUENCE, or CANCEL with the same UID) and brings the schedules that carry the meeting up to date. The notice the
agency issues about it, when it issues one, may be linked to the change. Also the organiser's "Nhắc trả lời".
See docs/meetings.md."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import nfc
from documents.models import Outgoing

from ..change_fields import snapshot
from ..mail import meeting_mails_queue
from ..models import Invitee, Meeting, MeetingChange, MeetingMail
from .schedules import meeting_schedules_sync

Kind = MeetingChange.Kind


def meeting_may_change(membership, meeting):
    """The invitation's drafter, the chair and the clerks of the organiser's agency."""
    if membership is None or membership.agency_id != meeting.agency_id:
        return False
    return bool(membership.is_clerk or meeting.invitation.created_by_id == membership.user_id
                or (meeting.chair_id and meeting.chair_id == membership.pk))


def _locked(membership, meeting):
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("invitation", "agency").get(
        pk=meeting.pk)
    if not meeting_may_change(membership, meeting):
        raise PermissionDenied(_("Chỉ người soạn giấy mời, người chủ trì và văn thư của cơ quan tổ chức mới được "
                                 "thay đổi cuộc họp."))
    if meeting.invitation.status != Outgoing.Status.ISSUED:
        raise ValidationError(_("Giấy mời chưa phát hành: hãy sửa thông tin cuộc họp ngay trên dự thảo."))
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("Cuộc họp đã hủy, không thay đổi được nữa."))
    return meeting


def _notice_checked(meeting, notice):
    if notice is not None and notice.agency_id != meeting.agency_id:
        raise ValidationError({"notice": _("Văn bản thông báo phải là văn bản đi của cơ quan tổ chức cuộc họp.")})
    return notice


def _announce(*, membership, meeting, kind, values, reason, notice):
    """Apply `values` to the locked meeting, record the change, tell every invitee, update the schedules."""
    _notice_checked(meeting, notice)
    before = snapshot(meeting, values)
    for name, value in values.items():
        setattr(meeting, name, value)
    after = snapshot(meeting, values)
    if kind != Kind.CANCEL and after == before:
        raise ValidationError(_("Thông tin mới giống hệt thông tin cũ: không có gì thay đổi."))
    if kind == Kind.CANCEL:
        meeting.status = Meeting.Status.CANCELLED
    meeting.sequence += 1
    meeting.save()
    change = MeetingChange.objects.create(meeting=meeting, kind=kind, reason=nfc(reason.strip()),
                                          sequence=meeting.sequence, before=before, after=after, notice=notice,
                                          by=membership.user)
    meeting_mails_queue(meeting=meeting, invitees=list(meeting.invitees.all()), purpose=MeetingMail.Purpose.CHANGE,
                        key=str(meeting.sequence))
    meeting_schedules_sync(meeting, by=membership.user)
    return change


@transaction.atomic
def meeting_postpone(*, membership, meeting, starts_at, ends_at, reason="", notice=None):
    meeting = _locked(membership, meeting)
    if ends_at < starts_at:
        raise ValidationError({"ends_at": _("Thời gian kết thúc phải sau thời gian bắt đầu.")})
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("Thời gian mới phải sau thời điểm hiện tại.")})
    return _announce(membership=membership, meeting=meeting, kind=Kind.POSTPONE,
                     values={"starts_at": starts_at, "ends_at": ends_at}, reason=reason, notice=notice)


@transaction.atomic
def meeting_move(*, membership, meeting, place, online_link="", reason="", notice=None):
    meeting = _locked(membership, meeting)
    place, online_link = nfc(place.strip()), online_link.strip()
    if not (place or online_link):
        raise ValidationError({"place": _("Nhập địa điểm hoặc đường dẫn họp trực tuyến.")})
    return _announce(membership=membership, meeting=meeting, kind=Kind.MOVE,
                     values={"place": place, "online_link": online_link}, reason=reason, notice=notice)


@transaction.atomic
def meeting_update(*, membership, meeting, title, content, reason="", notice=None):
    meeting = _locked(membership, meeting)
    title = nfc(title.strip())
    if not title:
        raise ValidationError({"title": _("Nhập tên cuộc họp.")})
    return _announce(membership=membership, meeting=meeting, kind=Kind.UPDATE,
                     values={"title": title, "content": nfc(content.strip())}, reason=reason, notice=notice)


@transaction.atomic
def meeting_cancel(*, membership, meeting, reason, notice=None):
    meeting = _locked(membership, meeting)
    if not reason.strip():
        raise ValidationError({"reason": _("Nêu lý do hủy cuộc họp.")})
    return _announce(membership=membership, meeting=meeting, kind=Kind.CANCEL, values={}, reason=reason,
                     notice=notice)


@transaction.atomic
def answer_reminders_send(*, membership, meeting):
    """"Nhắc trả lời": an e-mail asking each invitee that has not answered yet to answer, at most once a day
    (key: today's date). Returns how many were written."""
    meeting = _locked(membership, meeting)
    if meeting.ends_at <= timezone.now():
        raise ValidationError(_("Cuộc họp đã kết thúc, không nhắc trả lời nữa."))
    waiting = list(meeting.invitees.filter(answer=Invitee.Answer.NONE))
    queued = meeting_mails_queue(meeting=meeting, invitees=waiting, purpose=MeetingMail.Purpose.ANSWER_REMINDER,
                                 key=timezone.localdate().isoformat())
    Invitee.objects.filter(pk__in=[invitee.pk for invitee in waiting]).update(answer_reminded_at=timezone.now())
    return queued

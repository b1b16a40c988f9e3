"""After the meeting: the conclusion notice (Thông báo kết luận) is drafted as an outgoing document of type
Thông báo (TB), addressed to the invitation's recipients and linked to the meeting (Meeting.conclusion). From
there it is an ordinary draft: signed, issued and delivered by the documents pipeline. See docs/meetings.md."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents import workflow
from documents.models import DocumentType, Outgoing
from documents.services.outgoing import outgoing_create_addressed

from ..models import Meeting

COPIED = ("role", "kind", "agency", "unit", "group", "name", "email", "dossier", "printed_as")


def conclusion_may_draft(membership, meeting):
    """A drafter (specialist or clerk) of the organiser's agency, once the meeting has started and while it has
    no conclusion yet."""
    return bool(membership is not None and membership.agency_id == meeting.agency_id
                and membership.has_role(*workflow.DRAFTERS) and conclusion_problem(meeting) is None)


def conclusion_problem(meeting, now=None):
    """Why the conclusion cannot be drafted now (a sentence), or None."""
    if meeting.status == Meeting.Status.CANCELLED:
        return _("Cuộc họp đã hủy: không có thông báo kết luận.")
    if meeting.conclusion_id is not None:
        return _("Cuộc họp đã có thông báo kết luận.")
    if meeting.invitation.status != Outgoing.Status.ISSUED:
        return _("Giấy mời chưa phát hành.")
    if (now or timezone.now()) < meeting.starts_at:
        return _("Chỉ soạn thông báo kết luận sau khi cuộc họp đã bắt đầu.")
    return None


def invitation_recipients(meeting):
    """The invitation's Kính gửi and Nơi nhận as recipient_add arguments, in their order."""
    return [{name: getattr(recipient, name) for name in COPIED}
            for recipient in meeting.invitation.recipients.select_related("agency", "unit", "group")]


def conclusion_draft(*, membership, meeting, main_file, summary="", signer=None, attachments=()):
    """Start the conclusion notice of a meeting that has started: a TB draft of the organiser's agency with the
    PDF of the notice, the invitation's recipients, its secrecy, and the meeting's organising unit; the meeting
    links it. Refused (PermissionDenied) to anyone but a drafter of the organiser's agency, and (ValidationError)
    before the meeting starts, for a cancelled meeting, or when a conclusion is already linked."""
    with transaction.atomic():
        meeting = (Meeting.objects.select_for_update(of=("self",)).select_related("invitation", "organising_unit")
                   .get(pk=meeting.pk))
        if membership.agency_id != meeting.agency_id or not membership.has_role(*workflow.DRAFTERS):
            raise PermissionDenied(_("Chỉ chuyên viên, văn thư của cơ quan tổ chức cuộc họp được soạn thông báo "
                                     "kết luận."))
        problem = conclusion_problem(meeting)
        if problem:
            raise ValidationError(problem, code="conclusion")
        invitation = meeting.invitation
        signed_as = {}
        if signer is None or signer.pk == invitation.signer_id:  # who signed the invitation, in the same capacity
            signer = invitation.signer
            signed_as = {"signer_authority": invitation.signer_authority,
                         "signer_position": invitation.signer_position}
        outgoing = outgoing_create_addressed(
            membership=membership, main_file=main_file, attachments=attachments,
            recipients=invitation_recipients(meeting), doc_type=DocumentType.THONG_BAO,
            summary=summary.strip() or _("Kết luận cuộc họp: %(title)s") % {"title": meeting.title},
            secrecy=invitation.secrecy, urgency=invitation.urgency,
            drafting_unit=meeting.organising_unit or membership.unit, signer=signer, **signed_as,
        )
        meeting.conclusion = outgoing
        meeting.save(update_fields=["conclusion", "updated_at"])
    return outgoing

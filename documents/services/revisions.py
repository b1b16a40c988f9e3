"""Recall, update and replacement of an issued document (Decree 30/2020, Annex VI; edXML business types 1–3).

Sender's side: the issuing agency's clerk asks (`revision_request`), the document's signer agrees or declines in a
two-factor session (`revision_decide`, the view is behind accounts.access.mfa_required). Once agreed, every
electronic recipient is told once, by the channel its copy went:

- portal: an `IncomingRevision` on the recipient's incoming copy at once (or the moment the copy arrives, for a
  delivery still on its way: `portal_notices_arrived`);
- peer installation: `extensions.revision_sent(revision)` after commit (the exchange app sends the envelope of
  the business type and marks the notices);
- e-mail and citizens: a notice e-mail, sent once with retry (documents.revision_mail); secret documents are
  never named in an e-mail, their notices are withheld.

Recipient's side: `incoming_revision_arrived` records what the sender announced; the clerk answers
(`incoming_revision_answer`). An agreed recall withdraws the incoming copy (13): out of handling, assignments
end, its files kept but no longer served. The sender hears 15/16: in the portal directly on its notice
(`revision_answer_record`), across installations through `extensions.incoming_status`.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role

from .. import extensions
from .. import incoming_workflow as workflow
from ..models import (
    Delivery,
    EdxmlStatus,
    Incoming,
    IncomingEvent,
    IncomingRevision,
    Outgoing,
    OutgoingEvent,
    Revision,
    RevisionKind,
    RevisionNotice,
)

K = RevisionKind
N = RevisionNotice.Sending
ANSWER_CODES = (EdxmlStatus.REVISION_AGREED, EdxmlStatus.REVISION_REFUSED)
# Channels whose recipients hear of a revision (paper recipients are told on paper, outside the portal).
ELECTRONIC = (Delivery.Channel.PORTAL, Delivery.Channel.PEER, Delivery.Channel.EMAIL)


def _kind_text(kind):
    """The kind as the record writes it: Vietnamese whatever the UI language."""
    return {K.RECALL: "Thu hồi", K.UPDATE: "Cập nhật, đính chính", K.REPLACE: "Thay thế"}[kind]


# --- sender ---------------------------------------------------------------------------------------------------

def is_issuing_clerk(membership, outgoing):
    return bool(membership) and membership.agency_id == outgoing.agency_id and membership.has_role(Role.CLERK)


def is_signer(membership, outgoing):
    return bool(membership) and membership.pk == outgoing.signer_id


def withdrawn_by(outgoing, revisions=None):
    """The sent recall or replacement that took the document out of force, or None. `revisions`: the document's
    revisions in their order, when the caller has read them already (the outgoing page)."""
    if revisions is not None:
        return next((r for r in revisions if r.state == Revision.State.SENT and r.kind in (K.RECALL, K.REPLACE)),
                    None)
    return outgoing.revisions.filter(state=Revision.State.SENT, kind__in=[K.RECALL, K.REPLACE]).first()


def request_blockers(outgoing, revisions=None):
    """Why no revision may be asked for now ([] when one may). `revisions` as for withdrawn_by."""
    if outgoing.status != Outgoing.Status.ISSUED:
        return [_("Chỉ thu hồi, cập nhật hoặc thay thế văn bản đã phát hành.")]
    requested = (any(r.state == Revision.State.REQUESTED for r in revisions) if revisions is not None
                 else outgoing.revisions.filter(state=Revision.State.REQUESTED).exists())
    if requested:
        return [_("Văn bản đang có một đề nghị chờ người ký cho ý kiến.")]
    if withdrawn_by(outgoing, revisions) is not None:
        return [_("Văn bản đã bị thu hồi hoặc đã được thay thế.")]
    return []


def replacement_choices(outgoing):
    """Issued documents of the same agency that may update or replace `outgoing`."""
    return (Outgoing.objects.filter(agency_id=outgoing.agency_id, status=Outgoing.Status.ISSUED)
            .exclude(pk=outgoing.pk).order_by("-issued_at"))


def _check_replacement(outgoing, kind, replacement):
    if kind == K.RECALL:
        if replacement is not None:
            raise ValidationError({"replacement": _("Thu hồi không kèm văn bản thay thế.")})
        return
    if replacement is None:
        raise ValidationError({"replacement": _("Chọn văn bản cập nhật hoặc thay thế (đã phát hành).")})
    if not replacement_choices(outgoing).filter(pk=replacement.pk).exists():
        raise ValidationError({"replacement": _(
            "Văn bản cập nhật hoặc thay thế phải là văn bản khác đã phát hành của cùng cơ quan.")})


@transaction.atomic
def revision_request(*, membership, outgoing, kind, reason, replacement=None):
    """The issuing agency's clerk asks to recall, update or replace an issued document; its signer decides."""
    outgoing = Outgoing.objects.select_for_update().get(pk=outgoing.pk)
    if not is_issuing_clerk(membership, outgoing):
        raise PermissionDenied(_("Chỉ văn thư của cơ quan ban hành được đề nghị thu hồi, cập nhật, thay thế."))
    if kind not in K.values:
        raise ValidationError({"kind": _("Loại đề nghị không hợp lệ.")})
    kind = K(kind)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Hãy ghi lý do để nơi nhận biết.")})
    blockers = request_blockers(outgoing)
    if blockers:
        raise ValidationError(blockers)
    _check_replacement(outgoing, kind, replacement)
    revision = Revision.objects.create(outgoing=outgoing, kind=kind, reason=reason.strip(), replacement=replacement,
                                       requested_by=membership.user)
    comment = f"{_kind_text(kind)}: {revision.reason}"
    if replacement is not None:
        comment += f" (văn bản số {replacement.notation})"
    OutgoingEvent.objects.create(outgoing=outgoing, action=OutgoingEvent.Action.REVISION_REQUEST,
                                 actor=membership.user, from_status=outgoing.status, to_status=outgoing.status,
                                 comment=comment)
    return revision


@transaction.atomic
def revision_decide(*, membership, revision, agree, comment=""):
    """The document's signer agrees (the recipients are told) or declines (with a comment)."""
    revision = Revision.objects.select_for_update().select_related("outgoing").get(pk=revision.pk)
    outgoing = revision.outgoing
    if not is_signer(membership, outgoing):
        raise PermissionDenied(_("Chỉ người ký văn bản được cho ý kiến về đề nghị này."))
    if revision.state != Revision.State.REQUESTED:
        raise ValidationError(_("Đề nghị này đã được cho ý kiến."))
    comment = (comment or "").strip()
    if not agree and not comment:
        raise ValidationError({"comment": _("Hãy ghi lý do không đồng ý để văn thư biết.")})
    revision.state = Revision.State.SENT if agree else Revision.State.DECLINED
    revision.decided_by, revision.decided_at, revision.decision_comment = membership.user, timezone.now(), comment
    revision.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
    action = OutgoingEvent.Action.REVISION_AGREE if agree else OutgoingEvent.Action.REVISION_DECLINE
    OutgoingEvent.objects.create(outgoing=outgoing, action=action, actor=membership.user,
                                 from_status=outgoing.status, to_status=outgoing.status,
                                 comment=f"{_kind_text(revision.kind)}. {comment}".strip())
    if agree:
        _notices_send(revision)
    return revision


def _notices_send(revision):
    """One notice per electronic delivery of the document, each told by its channel."""
    outgoing = revision.outgoing
    deliveries = (outgoing.deliveries.filter(channel__in=ELECTRONIC)
                  .exclude(status=Delivery.Status.NOT_ELECTRONIC).select_related("incoming"))
    emails, peers = [], False
    for delivery in deliveries:
        sending = N.WITHHELD if delivery.channel == Delivery.Channel.EMAIL and outgoing.is_secret else N.PENDING
        notice = RevisionNotice.objects.create(revision=revision, delivery=delivery, sending=sending)
        if delivery.channel == Delivery.Channel.PORTAL:
            incoming = getattr(delivery, "incoming", None)
            if incoming is not None:
                _notice_into_portal(notice, incoming)
        elif delivery.channel == Delivery.Channel.PEER:
            peers = True
        elif sending == N.PENDING:
            emails.append(notice.pk)
    if peers:
        extensions.revision_sent(revision)
    if emails:
        from ..tasks import revision_notices_send  # tasks imports the services

        transaction.on_commit(lambda: revision_notices_send.delay(emails), robust=True)


def _notice_into_portal(notice, incoming):
    revision = notice.revision
    incoming_revision_arrived(
        incoming, kind=revision.kind, reason=revision.reason,
        replacement_notation=revision.replacement.notation if revision.replacement_id else "", notice=notice,
        replacement=_portal_replacement(incoming, revision))
    notice.sending, notice.sent_at = N.SENT, timezone.now()
    notice.response = "Đã chuyển vào cổng của cơ quan nhận"
    notice.save(update_fields=["sending", "sent_at", "response"])


def _portal_replacement(incoming, revision):
    if not revision.replacement_id:
        return None
    return Incoming.objects.filter(agency_id=incoming.agency_id, delivery__outgoing_id=revision.replacement_id).first()


def portal_notices_arrived(delivery, incoming):
    """A portal copy arrived after its document's revision was sent: its notices reach it now. A copy of an
    updating or replacing document that arrives after the request it belongs to is linked to it."""
    IncomingRevision.objects.filter(
        incoming__agency_id=incoming.agency_id, replacement__isnull=True,
        notice__revision__replacement_id=delivery.outgoing_id).update(replacement=incoming)
    for notice in RevisionNotice.objects.filter(delivery=delivery, sending=N.PENDING).select_related(
            "revision__replacement"):
        _notice_into_portal(notice, incoming)


@transaction.atomic
def revision_answer_record(notice, *, code, reason="", by_name=""):
    """A recipient's answer to a notice: 15 agreed or 16 refused (in the portal, or from a peer installation).
    The same answer again changes nothing; a notice keeps its first answer."""
    code = str(code)
    if code not in ANSWER_CODES:
        raise ValidationError(_("Mã trả lời không hợp lệ: %(code)s.") % {"code": code})
    notice = RevisionNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.answer in ANSWER_CODES:
        return notice
    notice.answer, notice.answer_reason, notice.answered_by = code, reason or "", (by_name or "")[:255]
    notice.answered_at = timezone.now()
    notice.save(update_fields=["answer", "answer_reason", "answered_by", "answered_at"])
    return notice


# --- recipient ------------------------------------------------------------------------------------------------

def _replacement_by_notation(incoming, notation):
    if not notation:
        return None
    same = Incoming.objects.filter(agency_id=incoming.agency_id, notation__iexact=notation.strip()).exclude(
        pk=incoming.pk)
    if incoming.sender_agency_id:
        same = same.filter(sender_agency_id=incoming.sender_agency_id)
    else:
        same = same.filter(sender_name=incoming.sender_name)
    return same.order_by("-arrived_at").first()


@transaction.atomic
def incoming_revision_arrived(incoming, *, kind, reason, replacement_notation="", notice=None, message_id="",
                              replacement=None):
    """The sender of `incoming` announced a recall, update or replacement; its clerk will answer. Idempotent on
    the notice (portal) and on the message id (peer installation)."""
    kind = K(str(kind))
    existing = IncomingRevision.objects.filter(incoming=incoming)
    if notice is not None and (found := existing.filter(notice=notice).first()):
        return found
    if message_id and (found := existing.filter(message_id=message_id).first()):
        return found
    replacement = replacement or (None if kind == K.RECALL else
                                  _replacement_by_notation(incoming, replacement_notation))
    revision = IncomingRevision.objects.create(
        incoming=incoming, kind=kind, reason=reason or "", replacement_notation=(replacement_notation or "")[:60],
        replacement=replacement, notice=notice, message_id=message_id or "")
    text = f"{_kind_text(kind)}: {revision.reason}"
    if replacement_notation:
        text += f" (văn bản số {replacement_notation})"
    IncomingEvent.objects.create(incoming=incoming, action=IncomingEvent.Action.REVISION, status=incoming.status,
                                 text=text)
    return revision


def can_answer(membership, revision):
    return (bool(membership) and membership.agency_id == revision.incoming.agency_id
            and membership.has_role(Role.CLERK) and revision.state == IncomingRevision.State.OPEN)


@transaction.atomic
def incoming_revision_answer(*, membership, revision, agree, reason=""):
    """The recipient's clerk agrees (15) or refuses (16, with a reason). An agreed recall withdraws the copy."""
    revision = IncomingRevision.objects.select_for_update().get(pk=revision.pk)
    incoming = Incoming.objects.select_for_update().get(pk=revision.incoming_id)
    revision.incoming = incoming
    if not (membership and membership.agency_id == incoming.agency_id and membership.has_role(Role.CLERK)):
        raise PermissionDenied(_("Chỉ văn thư của cơ quan nhận được trả lời đề nghị này."))
    if revision.state != IncomingRevision.State.OPEN:
        raise ValidationError(_("Đề nghị này đã được trả lời."))
    reason = (reason or "").strip()
    if not agree and not reason:
        raise ValidationError({"reason": _("Hãy ghi lý do từ chối để cơ quan gửi biết.")})
    if agree and revision.kind == K.RECALL:
        _withdraw(membership, incoming, revision.reason)
    revision.state = IncomingRevision.State.AGREED if agree else IncomingRevision.State.REFUSED
    revision.answer_reason, revision.answered_by, revision.answered_at = reason, membership.user, timezone.now()
    revision.save(update_fields=["state", "answer_reason", "answered_by", "answered_at"])
    code = EdxmlStatus.REVISION_AGREED if agree else EdxmlStatus.REVISION_REFUSED
    verdict = "Đồng ý" if agree else "Từ chối"
    IncomingEvent.objects.create(incoming=incoming, action=IncomingEvent.Action.REVISION_ANSWER,
                                 actor=membership.user, status=incoming.status,
                                 text=f"{verdict} {_kind_text(revision.kind).lower()}. {reason}".strip())
    if revision.notice_id:
        revision_answer_record(revision.notice, code=code, reason=reason, by_name=membership.user.full_name)
    extensions.incoming_status(incoming, code.value, reason)
    return revision


def _withdraw(membership, incoming, reason):
    workflow.advance(membership, incoming, "recall")
    incoming.withdrawn_at = timezone.now()
    incoming.save(update_fields=["status", "withdrawn_at"])
    incoming.assignments.filter(is_current=True).update(is_current=False)
    IncomingEvent.objects.create(incoming=incoming, action=IncomingEvent.Action.RECALL, actor=membership.user,
                                 status=incoming.status, text=reason)
    extensions.incoming_status(incoming, incoming.status, reason)


# --- reading --------------------------------------------------------------------------------------------------

def open_incoming_revisions(membership):
    """Requests from senders waiting for this clerk's agency to answer (the desk)."""
    if not (membership and membership.has_role(Role.CLERK)):
        return IncomingRevision.objects.none()
    return (IncomingRevision.objects.filter(incoming__agency_id=membership.agency_id,
                                            state=IncomingRevision.State.OPEN)
            .select_related("incoming").order_by("arrived_at"))


def revisions_to_decide(membership):
    """Requests waiting for this signer's decision (the desk)."""
    if not membership:
        return Revision.objects.none()
    return (Revision.objects.filter(outgoing__signer=membership, state=Revision.State.REQUESTED)
            .select_related("outgoing").order_by("requested_at"))


def public_revision(outgoing):
    """What the public pages say of a document no longer in force: the sent recall or replacement (the latest),
    else the latest sent update; None for a document as issued. The replacement is named only when it is public
    itself."""
    sent = outgoing.revisions.filter(state=Revision.State.SENT).select_related("replacement")
    revision = sent.filter(kind__in=[K.RECALL, K.REPLACE]).first() or sent.filter(kind=K.UPDATE).first()
    if revision is None:
        return None
    replacement = revision.replacement
    public = replacement is not None and replacement.status == Outgoing.Status.ISSUED and not replacement.secrecy
    return {"kind": revision.kind, "revision": revision, "replacement": replacement if public else None,
            "at": revision.decided_at}

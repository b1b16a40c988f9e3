"""What meetings adds to the documents app through documents.extensions (registered in MeetingsConfig.ready())."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from core.ical import local
from core.mail import mail_may_name
from documents import extensions
from documents.models import DocumentType

from . import selectors
from .calendar import meeting_ics
from .forms import AnswerForm
from .models import Meeting
from .services.invitations import meeting_issued
from .tokens import invitee_token


def _meeting_to_mail(outgoing):
    """The meeting an e-mailed copy of `outgoing` may carry: never for a document mail may not name."""
    if outgoing.doc_type != DocumentType.GIAY_MOI or not mail_may_name(outgoing):
        return None
    return Meeting.objects.filter(invitation=outgoing, status=Meeting.Status.PLANNED).select_related("agency").first()


def invitation_mail_parts(outgoing):
    """The iCalendar invitation (METHOD:REQUEST) every e-mailed copy of the Giấy mời carries."""
    meeting = _meeting_to_mail(outgoing)
    if meeting is None:
        return []
    return [extensions.MailPart(data=meeting_ics(meeting), maintype="text", subtype="calendar",
                                filename="invite.ics", params={"method": "REQUEST", "charset": "utf-8"})]


def invitation_mail_text(outgoing, delivery):
    """The recipient's own answer link, in its copy's text."""
    meeting = _meeting_to_mail(outgoing)
    invitee = meeting and meeting.invitees.filter(delivery=delivery).first()
    if not invitee:
        return None
    link = settings.SITE_URL + reverse("meeting_answer_link", args=[invitee_token(invitee)])
    text = _("Xác nhận tham dự cuộc họp “%(title)s” (không cần tài khoản): %(link)s") % {
        "title": meeting.title, "link": link}
    if meeting.confirm_by:
        text += "\n" + _("Đề nghị xác nhận trước %(when)s.") % {
            "when": local(meeting.confirm_by).strftime("%H:%M %d/%m/%Y")}
    return text


def outgoing_panel(request, outgoing):
    """On a Giấy mời's page: its meeting details, the link to write them, the link to the meeting page."""
    if outgoing.doc_type != DocumentType.GIAY_MOI:
        return None
    membership = getattr(request, "membership", None)
    meeting = selectors.meeting_for_outgoing(outgoing)
    return "meetings/_outgoing_panel.html", {
        "meeting": meeting, "outgoing": outgoing,
        "details_editable": selectors.meeting_details_editable(membership, outgoing),
        "meeting_open": meeting is not None and selectors.meetings_visible_to(membership).filter(
            pk=meeting.pk).exists(),
    }


def incoming_panel(request, incoming):
    """On an incoming Giấy mời's page: the meeting and the agency's (unit's) answer, with the form for who may
    answer."""
    invitee = selectors.invitation_for_incoming(incoming)
    if invitee is None:
        return None
    membership = getattr(request, "membership", None)
    may_answer = selectors.invitee_may_answer(membership, invitee)
    form = AnswerForm(invitee=invitee, members=selectors.answer_members(invitee)) if may_answer else None
    return "meetings/_incoming_panel.html", {"invitee": invitee, "meeting": invitee.meeting, "form": form,
                                             "next": request.get_full_path()}


def dashboard_panel(request, membership):
    """On the desk: invitations waiting for this person's answer (theirs, their unit's, their agency's)."""
    awaiting = list(selectors.invitations_awaiting(membership)[:6])
    if not awaiting:
        return None
    return "meetings/_dashboard_panel.html", {"awaiting": awaiting[:5], "more": len(awaiting) > 5}


def register():
    extensions.ISSUED.append(meeting_issued)
    extensions.MAIL_PARTS.append(invitation_mail_parts)
    extensions.MAIL_TEXT.append(invitation_mail_text)
    extensions.PANELS["outgoing_detail"].append(outgoing_panel)
    extensions.PANELS["incoming_detail"].append(incoming_panel)
    extensions.PANELS["dashboard"].append(dashboard_panel)


"""What the papers and changes partials (meetings/_papers.html, _changes.html, _change_notice.html) show, worked
out for whoever is looking: a staff member in the portal (request.membership) or an invitee by link (`token`
in the template's context)."""

from django import template
from django.urls import reverse

from ..change_fields import change_lines
from ..change_forms import change_forms
from ..models import Meeting
from ..paper_forms import PaperForm, PaperVersionForm
from ..paper_selectors import papers_may_read, papers_of
from ..services.changes import meeting_may_change
from ..services.papers import papers_may_manage

register = template.Library()


@register.simple_tag(takes_context=True)
def meeting_papers(context, meeting):
    """{"shown", "secret_link", "manage", "papers", "form"}; each paper has `url` (its newest version) and, for
    the organising side, its history with a form for the next version."""
    token = context.get("token")
    if token:
        if meeting.is_secret:
            return {"shown": True, "secret_link": True}
        papers = papers_of(meeting)
        for paper in papers:
            if paper.current:
                paper.url = reverse("meeting_paper_link", kwargs={"token": token, "version_pk": paper.current.pk})
        return {"shown": True, "papers": papers}
    membership = getattr(context.get("request"), "membership", None)
    if not papers_may_read(membership, meeting):
        return {"shown": False}
    manage = papers_may_manage(membership, meeting) and meeting.status == Meeting.Status.PLANNED
    papers = papers_of(meeting, history=papers_may_manage(membership, meeting))
    for paper in papers:
        for version in getattr(paper, "versions_all", [paper.current] if paper.current else []):
            version.url = reverse("meeting_paper", kwargs={"pk": meeting.pk, "version_pk": version.pk})
        if paper.current:
            paper.url = paper.current.url
        if manage:
            paper.form = PaperVersionForm(paper=paper)
    return {"shown": True, "papers": papers, "manage": manage, "history": papers_may_manage(membership, meeting),
            "form": PaperForm(auto_id="paper-new-%s") if manage else None}


@register.simple_tag(takes_context=True)
def meeting_changes(context, meeting):
    """{"changes": [(change, lines)] newest first, "may_change", "forms", "mails"}; the organiser's side also
    sees the meeting's e-mails (MeetingMail), the failed ones with their error."""
    changes = [(change, change_lines(change)) for change in
               meeting.changes.select_related("notice", "by").order_by("-sequence")]
    membership = getattr(context.get("request"), "membership", None)
    may_change = (not context.get("token") and meeting_may_change(membership, meeting)
                  and meeting.status == Meeting.Status.PLANNED
                  and meeting.invitation.status == meeting.invitation.Status.ISSUED)
    mails = None
    if not context.get("token") and meeting_may_change(membership, meeting):
        mails = list(meeting.mails.select_related("invitee").order_by("-created_at"))
    return {"changes": changes, "may_change": may_change, "forms": change_forms(meeting) if may_change else None,
            "mails": mails}

"""What the conclusion partial (meetings/_conclusion.html) shows to the person looking at the meeting page."""

from django import template

from ..conclusion_forms import ConclusionForm
from ..services.conclusion import conclusion_may_draft, conclusion_problem

register = template.Library()


@register.simple_tag(takes_context=True)
def meeting_conclusion(context, meeting):
    """{"notice": the linked conclusion or None, "form": for a drafter once it may be drafted, "waiting": why not
    yet}."""
    membership = getattr(context.get("request"), "membership", None)
    if context.get("token") or membership is None or membership.agency_id != meeting.agency_id:
        return {"shown": False}
    if meeting.conclusion_id:
        return {"shown": True, "notice": meeting.conclusion}
    if conclusion_may_draft(membership, meeting):
        return {"shown": True, "form": ConclusionForm(meeting=meeting)}
    return {"shown": True, "waiting": conclusion_problem(meeting)}

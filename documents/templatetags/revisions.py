"""The desk's recall, update and replacement requests: those waiting for the clerk's answer (from senders) and
those waiting for the signer's decision (of the agency's own documents)."""

from django import template

from documents.services import revisions

register = template.Library()


@register.inclusion_tag("documents/_revisions_desk.html")
def revisions_desk(membership):
    return {"to_answer": list(revisions.open_incoming_revisions(membership)),
            "to_decide": list(revisions.revisions_to_decide(membership))}

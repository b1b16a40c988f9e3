"""What the public pages say of a document recalled, replaced or updated (documents.services.revisions)."""

from django import template

from documents.services.revisions import public_revision

register = template.Library()


@register.inclusion_tag("public/_revision_notice.html")
def revision_notice(outgoing):
    return {"rev": public_revision(outgoing) if outgoing is not None else None}

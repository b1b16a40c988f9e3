"""What the document templates ask the workflow and the delivery lifecycle, so that no rule is spelled out there."""

from django import template

from documents import delivery_lifecycle, navigation

register = template.Library()


@register.filter
def resend_offer(delivery):
    """None, "resend" or "confirm": see `delivery_lifecycle.resend_offer`."""
    return delivery_lifecycle.resend_offer(delivery)


@register.simple_tag
def document_pages(membership):
    """The url names of the documents pages `membership` may open (navigation.PAGE_ROLES)."""
    return navigation.pages_for(membership)

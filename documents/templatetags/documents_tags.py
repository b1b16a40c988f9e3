"""What the document templates ask the workflow and the delivery lifecycle, so that no rule is spelled out there."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from documents import delivery_lifecycle, extensions, navigation

register = template.Library()


@register.filter
def resend_offer(delivery):
    """None, "resend" or "confirm": see `delivery_lifecycle.resend_offer`."""
    return delivery_lifecycle.resend_offer(delivery)


@register.simple_tag
def document_pages(membership):
    """The url names of the documents pages `membership` may open (navigation.PAGE_ROLES)."""
    return navigation.pages_for(membership)


@register.simple_tag(takes_context=True)
def extension_panels(context, page, obj):
    """The cards the apps above documents add to `page` (documents.extensions.PANELS)."""
    request = context["request"]
    return mark_safe("".join(  # noqa: S308 - each part is a rendered template, autoescaped
        render_to_string(template_name, {**extra, "membership": context.get("membership")}, request=request)
        for template_name, extra in extensions.panels(page, request, obj)
    ))

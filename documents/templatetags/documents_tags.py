"""What the document templates ask the workflow and the delivery lifecycle, so that no rule is spelled out there."""

from django import template
from django.utils.safestring import mark_safe

from core.tables2 import page_rows_html
from documents import delivery_lifecycle, extensions, navigation

register = template.Library()


@register.filter
def resend_offer(delivery):
    """None, "resend" or "confirm": see `delivery_lifecycle.resend_offer`."""
    return delivery_lifecycle.resend_offer(delivery)


@register.simple_tag(takes_context=True)
def table_rows(context, table):
    """The rows of a table's page from its `page_cells` (core.tables2.page_rows_html)."""
    return page_rows_html(table, context)


@register.simple_tag
def document_pages(membership):
    """The url names of the documents pages `membership` may open (navigation.PAGE_ROLES)."""
    return navigation.pages_for(membership)


@register.simple_tag(takes_context=True)
def extension_panels(context, page, obj):
    """The cards the apps above documents add to `page` (documents.extensions.PANELS)."""
    # Each card is rendered in the page's own context, as {% include %} does: a fresh RequestContext per card
    # would run every context processor again.
    engine = context.template.engine
    parts = []
    for template_name, extra in extensions.panels(page, context["request"], obj):
        with context.push(extra):
            parts.append(engine.get_template(template_name).render(context))
    return mark_safe("".join(parts))  # noqa: S308 - each part is a rendered template, autoescaped

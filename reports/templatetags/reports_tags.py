"""What the sidebar asks the reports app (which of its pages this person opens), and the usage report's long tables."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from reports import selectors

register = template.Library()


@register.simple_tag
def report_pages(membership):
    """The url names of the report pages `membership` may open (selectors.may_open)."""
    return frozenset(name for name in selectors.PAGE_ROLES if selectors.may_open(name, membership))


@register.filter
def breakdown_body(rows):
    """The rows of a breakdown table (exports.breakdown_row: the label, then six figures at the right) as the
    template would write them, `<tr><td>label</td><td class="text-end">…</td>…</tr>`, escaped the same way: one
    join for the page's hundreds of units instead of a template variable per cell (most of the page's time)."""
    return mark_safe("".join(
        f"<tr><td>{conditional_escape(label)}</td>"
        + "".join(f'<td class="text-end">{conditional_escape(value)}</td>' for value in figures)
        + "</tr>" for label, *figures in rows))

"""What the sidebar asks the reports app: which of its pages this person opens."""

from django import template

from reports import selectors

register = template.Library()


@register.simple_tag
def report_pages(membership):
    """The url names of the report pages `membership` may open (selectors.may_open)."""
    return frozenset(name for name in selectors.PAGE_ROLES if selectors.may_open(name, membership))

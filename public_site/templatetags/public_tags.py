from django import template
from django.conf import settings
from django.urls import reverse

from core.codes import lookup_code_display
from public_site import selectors
from public_site.tables import CitizenReplyTable

register = template.Library()
REPLIES_PER_PAGE = 20


@register.filter(name="lookup_code_display")
def lookup_code_display_filter(code):
    """ABCDEFGHJKMN → ABCD-EFGH-JKMN."""
    return lookup_code_display(code)


@register.simple_tag
def lookup_page_url():
    """Absolute address of /lookup/ for e-mails (a worker has no request to build it from)."""
    return settings.SITE_URL + reverse("public_lookup")


@register.filter
def lookup_link(code):
    """Absolute link that opens the reply at once: /lookup/?code=ABCD-EFGH-JKMN."""
    return f"{lookup_page_url()}?code={lookup_code_display(code)}"


@register.filter
def citizen_downloads(delivery):
    """How many times the citizen (by account or code) downloaded the reply; staff downloads are not theirs."""
    return selectors.downloads_by_citizen_side(delivery)


@register.simple_tag
def citizen_download_counts(deliveries):
    """{delivery id: the citizen side's downloads} of a list of deliveries in one query (a document's page lists
    hundreds of deliveries, and its delivery card is polled every 2 seconds)."""
    return selectors.downloads_by_citizen_side_of([d.pk for d in deliveries if d.is_citizen and d.lookup_code])


@register.filter
def downloads_of(counts, delivery_id):
    return counts.get(delivery_id, 0)


@register.inclusion_tag("public/_citizen_replies.html", takes_context=True)
def citizen_replies(context):
    """The replies addressed to the logged-in citizen's verified addresses, newest first, a page at a time."""
    request = context["request"]
    replies = selectors.citizen_replies(request.user).select_related("outgoing__agency").prefetch_related(
        "outgoing__files")
    table = CitizenReplyTable(replies, request=request)
    table.paginate(page=request.GET.get("page", 1), per_page=REPLIES_PER_PAGE)
    return {"table": table, "request": request}

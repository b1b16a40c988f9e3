"""Cards exchange adds to documents' pages (documents.extensions.PANELS)."""

from accounts.models import Role
from documents.models import Outgoing


def outgoing_panel(request, outgoing):
    """On an issued, non-secret document's page, for its agency's clerk: download it as an edXML envelope."""
    membership = request.membership
    if not (membership and membership.has_role(Role.CLERK) and membership.agency_id == outgoing.agency_id):
        return None
    if outgoing.status != Outgoing.Status.ISSUED or outgoing.is_secret:
        return None
    return "exchange/_outgoing_panel.html", {"outgoing": outgoing}


def dashboard_panel(request, membership):
    """On a clerk's desk: import an edXML file as an incoming document."""
    if not (membership and membership.has_role(Role.CLERK)):
        return None
    return "exchange/_dashboard_panel.html", {}


def register():
    from documents import extensions

    for page, hook in (("outgoing_detail", outgoing_panel), ("dashboard", dashboard_panel)):
        if hook not in extensions.PANELS[page]:
            extensions.PANELS[page].append(hook)

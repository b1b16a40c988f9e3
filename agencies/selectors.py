"""Reading agencies: the public directory and what an agency admin may manage."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404

from accounts.models import Membership
from core.text import expand, fold

from .models import Agency, RecipientGroup, Unit


@dataclass
class DirectoryNode:
    agency: Agency
    units: list = field(default_factory=list)
    officials: list = field(default_factory=list)
    children: list = field(default_factory=list)
    path: list = field(default_factory=list)  # names of the agencies above, top first


def _public_officials():
    return (
        Membership.objects.active()
        .filter(is_public=True)
        .exclude(official_email="")
        .select_related("user", "unit")
        .order_by("user__full_name")
    )


def directory_entries(query=""):
    """Active agencies with their units and public officials.

    Without a query: the roots of the tree, children nested. With a query (case and diacritics
    ignored, abbreviations such as "TT&TT" or "UBND" written out as the "Nơi nhận" paste does): a flat
    list of the agencies that match by name, code or address, or that hold a matching unit or official,
    each with the path of agencies above it.
    """
    agencies = list(
        Agency.objects.filter(is_active=True).select_related("installation").prefetch_related(
            Prefetch("units", queryset=Unit.objects.filter(is_active=True).order_by("name")),
            Prefetch("memberships", queryset=_public_officials(), to_attr="public_officials"),
        )
    )
    nodes = {a.pk: DirectoryNode(a, list(a.units.all()), a.public_officials) for a in agencies}
    roots = []
    for agency in agencies:
        parent = nodes.get(agency.parent_id)
        (parent.children if parent else roots).append(nodes[agency.pk])
    for node in nodes.values():
        up, node.path = nodes.get(node.agency.parent_id), []
        while up:
            node.path.insert(0, up.agency.name)
            up = nodes.get(up.agency.parent_id)

    if not fold(query):
        return roots
    # "tt&tt", "UBND": the query and the names are compared as written and with abbreviations expanded.
    forms = {fold(query), expand(query)}

    def hit(text):
        folded = fold(text)
        return any(form in folded or form in expand(folded) for form in forms)

    matches = []
    for node in nodes.values():
        unit_hits = [u for u in node.units if hit(f"{u.name} {u.abbreviation} {u.official_email}")]
        official_hits = [m for m in node.officials if hit(f"{m.user.full_name} {m.position} {m.official_email}")]
        if hit(node.agency.search_text) or hit(" ".join(node.path)):
            matches.append(DirectoryNode(node.agency, node.units, node.officials, [], node.path))
        elif unit_hits or official_hits:
            matches.append(DirectoryNode(node.agency, unit_hits, official_hits, [], node.path))
    return sorted(matches, key=lambda n: (len(n.path), fold(n.agency.name)))


def directory_flat(query=""):
    """Every entry of the directory as (agency, unit or None, official or None) rows, for exports."""
    rows = []

    def walk(nodes):
        for node in nodes:
            rows.append((node, None, None))
            rows.extend((node, unit, None) for unit in node.units)
            rows.extend((node, None, official) for official in node.officials)
            walk(node.children)

    walk(directory_entries(query))
    return rows


def units_of(agency):
    return Unit.objects.filter(agency=agency).order_by("-is_active", "name")


def unit_get_for_admin(admin, pk):
    return get_object_or_404(units_of(admin.agency), pk=pk)


def groups_visible_to(agency):
    """Shared groups and the agency's own; only its own can be edited by its admin."""
    return RecipientGroup.objects.filter(Q(owner__isnull=True) | Q(owner=agency)).prefetch_related("members")


def group_get_for_admin(admin, pk):
    return get_object_or_404(RecipientGroup.objects.filter(owner=admin.agency), pk=pk)

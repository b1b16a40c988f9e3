"""Reading agencies: the public directory and what an agency admin may manage."""

from dataclasses import dataclass, field

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
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
    child_count: int = 0  # active agencies directly under it (directory pages: those not shown are a link away)

    @property
    def children_hidden(self):
        return bool(self.child_count) and not self.children


# The directory's pages: agencies of one level (or search results) per page, and how many agencies one page of the
# tree shows at most, the levels below included; a level that does not fit is a link to its own page. 100: a page of
# the national tree (provinces of ~99 agencies each) is its 50 provinces with links, ≈ 60 kB rather than 150.
PAGE_SIZE = 50
TREE_BUDGET = 100
SEARCH_COUNT_LIMIT = 1_000  # a search counts its matches up to this many ("more than 1,000": type more words)


class BoundedPaginator(Paginator):
    """Counts at most SEARCH_COUNT_LIMIT rows: a word found in most of 100,000 agencies is not counted in full."""

    @property
    def count(self):
        if not hasattr(self, "_bounded_count"):
            self._bounded_count = self.object_list.order_by()[:SEARCH_COUNT_LIMIT].count()
        return self._bounded_count

    @property
    def capped(self):
        return self.count >= SEARCH_COUNT_LIMIT


@dataclass
class DirectoryPage:
    entries: list  # DirectoryNode
    page: object  # django.core.paginator.Page
    parent: Agency | None = None  # the agency whose children the page lists; None: the top of the tree


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


def _page(queryset, number, paginator=Paginator):
    try:
        return paginator(queryset, PAGE_SIZE).page(number or 1)
    except (EmptyPage, PageNotAnInteger):
        raise Http404 from None


def _with_people(nodes):
    """Each node's active units and public officials, read for these agencies only."""
    by_pk = {node.agency.pk: node for node in nodes}
    for unit in Unit.objects.filter(agency_id__in=list(by_pk), is_active=True).order_by("name"):
        by_pk[unit.agency_id].units.append(unit)
    for official in _public_officials().filter(agency_id__in=list(by_pk)):
        by_pk[official.agency_id].officials.append(official)
    return nodes


# A level's order: the folded name (as a search orders its results), read in that order from the index on
# (directory_depth, directory_name, id) for the top and on (parent, directory_name, id) below (migration 0009).
LEVEL_ORDER = ("directory_name", "pk")


def _active():
    return Agency.objects.filter(is_active=True).select_related("installation")


def _expand(nodes, budget):
    """Nest the levels below these nodes, level by level, while the page has room for all of a node's children."""
    frontier = nodes
    while frontier:
        counts = dict(Agency.objects.filter(is_active=True, parent_id__in=[n.agency.pk for n in frontier])
                      .values("parent_id").annotate(n=Count("pk")).values_list("parent_id", "n"))
        chosen = {}
        for node in frontier:
            node.child_count = counts.get(node.agency.pk, 0)
            if node.child_count and node.child_count <= budget:
                chosen[node.agency.pk], budget = node, budget - node.child_count
        frontier = []
        for agency in _active().filter(parent_id__in=list(chosen)).order_by(*LEVEL_ORDER) if chosen else ():
            child = DirectoryNode(agency, path=agency.directory_path)
            chosen[agency.parent_id].children.append(child)
            frontier.append(child)
        _with_people(frontier)


def directory_tree(parent=None, page=1):
    """A page of one level of the tree (the top, or the agencies directly under `parent`), each agency with its
    units and public officials and, while they fit in TREE_BUDGET, the levels below nested."""
    level = _active().filter(parent=parent) if parent is not None else _active().filter(directory_depth=0)
    current = _page(level.order_by(*LEVEL_ORDER), page)
    nodes = _with_people([DirectoryNode(agency, path=agency.directory_path) for agency in current.object_list])
    _expand(nodes, TREE_BUDGET - len(nodes))
    return DirectoryPage(nodes, current, parent)


def directory_parent(pk):
    """The active agency whose children a directory page lists; 404 for anything else."""
    return get_object_or_404(Agency.objects.filter(is_active=True), pk=pk)


def _hit(forms):
    def hit(text):
        folded = fold(text)
        return any(form in folded or form in expand(folded) for form in forms)
    return hit


def directory_search(query, page=1):
    """A page of the agencies matching the query as directory_entries matches them, found through the indexed
    directory_text (agencies.directory) and ordered as it orders them: nearest the top first, then by name."""
    forms = {fold(query), expand(query)}
    matching = Q()
    for form in forms:
        matching |= Q(directory_text__contains=form)
    found = _active().filter(matching).order_by("directory_depth", "directory_name", "pk")
    current = _page(found, page, BoundedPaginator)
    hit, entries = _hit(forms), []
    for node in _with_people([DirectoryNode(a, path=a.directory_path) for a in current.object_list]):
        if not (hit(node.agency.search_text) or hit(" ".join(node.path))):
            node.units = [u for u in node.units if hit(f"{u.name} {u.abbreviation} {u.official_email}")]
            node.officials = [m for m in node.officials if hit(f"{m.user.full_name} {m.position} {m.official_email}")]
        entries.append(node)
    return DirectoryPage(entries, current)


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

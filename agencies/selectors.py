"""Reading agencies: the public directory and what an agency admin may manage."""

from dataclasses import dataclass, field
from functools import partial

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import Collate
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Membership
from core.paging import BoundedPaginator
from core.text import expand, fold

from .models import Agency, DirectoryWord, RecipientGroup, Unit


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
# A trigram index finds a piece of text of three letters or more. A shorter query (spaces aside) is the beginning of a
# word of an agency's name or short name ("xa": "Ủy ban nhân dân xã …", "Sở Xây dựng"), read from DirectoryWord in
# its index's order, so that a page costs the same however many thousand agencies have such a word.
WORD_START_BELOW = 3


@dataclass
class DirectoryPage:
    entries: list  # DirectoryNode
    page: object  # django.core.paginator.Page
    parent: Agency | None = None  # the agency whose children the page lists; None: the top of the tree
    by_word_start: bool = False  # a search too short for the text: agencies with a word of their name beginning so


def _public_officials():
    return (
        Membership.objects.active()
        .filter(is_public=True)
        .exclude(official_email="")
        .select_related("user", "unit")
        .order_by("user__full_name")
    )


def _page(queryset, number, per_page=None, limit=None):
    """A page of the queryset; with `limit`, its count stops there (paging.BoundedPaginator's `capped`)."""
    paginator = Paginator if limit is None else partial(BoundedPaginator, limit=limit)
    try:
        return paginator(queryset, per_page or PAGE_SIZE).page(number or 1)
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


def _nodes(agencies):
    return [DirectoryNode(agency, path=agency.directory_path) for agency in agencies]


def _count_children(nodes):
    """Each node's child_count, in one query."""
    counts = dict(Agency.objects.filter(is_active=True, parent_id__in=[n.agency.pk for n in nodes])
                  .values("parent_id").annotate(n=Count("pk")).values_list("parent_id", "n"))
    for node in nodes:
        node.child_count = counts.get(node.agency.pk, 0)
    return nodes


def _expand(nodes, budget):
    """Nest the levels below these nodes, level by level, while the page has room for all of a node's children."""
    frontier = nodes
    while frontier:
        _count_children(frontier)
        chosen = {}
        for node in frontier:
            if node.child_count and node.child_count <= budget:
                chosen[node.agency.pk], budget = node, budget - node.child_count
        frontier = []
        for agency in _active().filter(parent_id__in=list(chosen)).order_by(*LEVEL_ORDER) if chosen else ():
            child = DirectoryNode(agency, path=agency.directory_path)
            chosen[agency.parent_id].children.append(child)
            frontier.append(child)
        _with_people(frontier)


def directory_tree(parent=None, page=1, *, nested=True, per_page=None):
    """A page of one level of the tree (the top, or the agencies directly under `parent`), each agency with its
    units, public officials and child_count and, while they fit in TREE_BUDGET, the levels below nested (not
    `nested`: the level alone, as the API lists it)."""
    level = _active().filter(parent=parent) if parent is not None else _active().filter(directory_depth=0)
    current = _page(level.order_by(*LEVEL_ORDER), page, per_page=per_page)
    nodes = _with_people(_nodes(current.object_list))
    _expand(nodes, TREE_BUDGET - len(nodes) if nested else 0)
    return DirectoryPage(nodes, current, parent)


def directory_parent(pk=None, *, code=None):
    """The active agency whose children a directory page lists, by id (the pages) or code (the API); 404 for
    anything else."""
    return get_object_or_404(Agency.objects.filter(is_active=True), **({"pk": pk} if code is None else {"code": code}))


def _hit(forms):
    def hit(text):
        folded = fold(text)
        return any(form in folded or form in expand(folded) for form in forms)
    return hit


def _search_forms(query):
    """The folded forms of the query (as written, abbreviations expanded) that directory_text is searched for: those
    long enough for its trigram index ("tp" is searched as "thanh pho"); none: a search by the start of a word."""
    return {form for form in (fold(query), expand(query)) if len(form.replace(" ", "")) >= WORD_START_BELOW}


def _search_found(forms):
    """The active agencies whose directory_text holds one of the forms (trigram index), nearest the top first, then
    by name."""
    matching = Q()
    for form in forms:
        matching |= Q(directory_text__contains=form)
    return _active().filter(matching).order_by("directory_depth", "directory_name", "pk")


def _word_key():
    """DirectoryWord.text in byte order, as migration 0010 indexes it on PostgreSQL: a prefix is a range of it."""
    return Collate("text", "C") if connection.vendor == "postgresql" else F("text")


def _word_starts(query):
    """The DirectoryWord rows (active agencies only) beginning with the folded query's first word and holding a word
    beginning with each of the others ("x a": "xa an khe"), in the order of their text."""
    first, *others = fold(query).split()
    rows = DirectoryWord.objects.annotate(key=_word_key()).filter(key__startswith=first)
    for word in others:
        rows = rows.filter(text__contains=f" {word}")
    return rows.select_related("agency__installation").order_by("key", "agency_id")


def _word_nodes(rows, seen):
    """A node for each agency of these rows not in `seen` (an agency with two words beginning so has two rows)."""
    nodes = []
    for row in rows:
        if row.agency_id not in seen:
            seen.add(row.agency_id)
            nodes.append(DirectoryNode(row.agency, path=row.agency.directory_path))
    return nodes


def _matched_people(nodes, forms):
    """An agency found by a unit or an official (not by its own name or path) shows only the ones that match."""
    hit = _hit(forms)
    for node in _with_people(nodes):
        if not (hit(node.agency.search_text) or hit(" ".join(node.path))):
            node.units = [u for u in node.units if hit(f"{u.name} {u.abbreviation} {u.official_email}")]
            node.officials = [m for m in node.officials if hit(f"{m.user.full_name} {m.position} {m.official_email}")]
    return nodes


def directory_search(query, page=1, *, per_page=None):
    """A page of the agencies matching the query (case, diacritics and punctuation ignored, abbreviations such as
    "TT&TT" or "UBND" written out as the "Nơi nhận" paste does) by name, code, address, the agencies above, or a unit
    or public official (then showing only those), through the indexed directory_text (agencies.directory): nearest
    the top first, then by name. A query of one or two letters finds the agencies with a word of their name or short
    name beginning so, in the order of the name from that word on. Counted up to SEARCH_COUNT_LIMIT."""
    forms = _search_forms(query)
    if forms:
        current = _page(_search_found(forms), page, per_page, SEARCH_COUNT_LIMIT)
        entries = _matched_people(_nodes(current.object_list), forms)
    else:
        current = _page(_word_starts(query), page, per_page, SEARCH_COUNT_LIMIT)
        entries = _with_people(_word_nodes(current.object_list, set()))
    return DirectoryPage(_count_children(entries), current, by_word_start=not forms)


# Exports read this many agencies at a time (with their units and officials), whatever the directory's size.
EXPORT_BATCH = 500

# The active agencies in the tree's order: depth first from the roots (directory_depth 0), each level in LEVEL_ORDER
# (a row (directory_name, id) per level in the sort key).
TREE_ORDER_SQL = """
    WITH RECURSIVE tree(id, sort_key) AS (
        SELECT id, ARRAY[ROW(directory_name, id)] FROM agencies_agency WHERE is_active AND directory_depth = 0
        UNION ALL
        SELECT a.id, t.sort_key || ROW(a.directory_name, a.id)
        FROM agencies_agency a JOIN tree t ON a.parent_id = t.id WHERE a.is_active
    )
    SELECT id FROM tree ORDER BY sort_key"""


def _batches(iterable, size):
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _tree_order_ids():
    """The ids in the tree's order, through a server-side cursor: a batch of ids in memory at a time. SQLite (make
    run) has no row values to sort by: its few agencies are ordered in Python, the same way."""
    if connection.vendor != "postgresql":
        yield from _tree_order_ids_in_python()
        return
    with connection.chunked_cursor() as cursor:
        cursor.execute(TREE_ORDER_SQL)
        while rows := cursor.fetchmany(EXPORT_BATCH):
            yield from (pk for (pk,) in rows)


def _tree_order_ids_in_python():
    rows = list(Agency.objects.filter(is_active=True).values_list("pk", "parent_id", "directory_name", "directory_depth"))
    below = {}
    for pk, parent, name, _depth in rows:
        below.setdefault(parent, []).append((name, pk))
    stack = sorted(((name, pk) for pk, _parent, name, depth in rows if depth == 0), reverse=True)
    while stack:
        _name, pk = stack.pop()
        yield pk
        stack.extend(sorted(below.get(pk, ()), reverse=True))


def _entry_batches(query):
    """The directory's agencies as DirectoryNodes with their units and officials, EXPORT_BATCH at a time: the tree
    depth first, or a search's matches in its order."""
    forms, seen = _search_forms(query), set()
    if forms:
        for agencies in _batches(_search_found(forms).iterator(chunk_size=EXPORT_BATCH), EXPORT_BATCH):
            yield _matched_people(_nodes(agencies), forms)
    elif fold(query):
        for rows in _batches(_word_starts(query).iterator(chunk_size=EXPORT_BATCH), EXPORT_BATCH):
            yield _with_people(_word_nodes(rows, seen))
    else:
        for ids in _batches(_tree_order_ids(), EXPORT_BATCH):
            by_pk = _active().in_bulk(ids)
            yield _with_people(_nodes(by_pk[pk] for pk in ids if pk in by_pk))


def directory_flat(query=""):
    """Every entry of the directory as (agency, unit or None, official or None) rows, for exports: an iterator that
    reads EXPORT_BATCH agencies at a time, so that an export of 100,000 agencies is streamed, never held whole."""
    for nodes in _entry_batches(query):
        for node in nodes:
            yield node, None, None
            yield from ((node, unit, None) for unit in node.units)
            yield from ((node, None, official) for official in node.officials)


def units_of(agency):
    return Unit.objects.filter(agency=agency).order_by("-is_active", "name")


def unit_get_for_admin(admin, pk):
    return get_object_or_404(units_of(admin.agency), pk=pk)


def groups_visible_to(agency):
    """Shared groups and the agency's own; only its own can be edited by its admin."""
    return RecipientGroup.objects.filter(Q(owner__isnull=True) | Q(owner=agency)).prefetch_related("members")


def group_get_for_admin(admin, pk):
    return get_object_or_404(RecipientGroup.objects.filter(owner=admin.agency), pk=pk)

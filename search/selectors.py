"""Reading the index: what matches a query among what this person may open, ranked, with the filters' counts.

Visibility comes from the owning apps' selectors (indexing.visibility_q): an item a person may not open is
never returned, counted or shown in a snippet. Ranking: the exact number first, then matches in the summary,
then matches in the files' text only; newest first within each."""

import datetime
import math
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection, connections
from django.db.models import BooleanField, Case, F, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from core import replica
from documents.models import DocumentType, Secrecy

from . import text
from .indexing import SOURCES, visibility_q
from .models import Entry

PAGE_SIZE = 20
FACETS = {
    "kind": _("Loại"), "doc_type": _("Loại văn bản"), "year": _("Năm"), "issuer": _("Cơ quan ban hành"),
    "status": _("Trạng thái"), "secrecy": _("Độ mật"),
}
FACET_LIMIT = 12
COMBO_FIELDS = ["kind", "doc_type", "year", "issuer", "status", "secrecy"]
RANK_NUMBER, RANK_SUMMARY, RANK_BODY = 3, 2, 1
# PostgreSQL's GIN index on the folded words (bench/bench_search.py turns it off to measure what it brings).
USE_INDEX = True
# The work of one search is bounded whatever the size of the index (docs/search.md, "Bounded work"): at most
# SCAN_LIMIT matches are ranked and counted (the newest this person may open), found either among the agency's WALK
# newest entries read newest first, or among at most CANDIDATE_LIMIT entries the indexes give (`_candidates`).
SCAN_LIMIT = 500
PROBE = 500
WALK = 5_000
CANDIDATE_LIMIT = 5_000
CHUNK_MIN = 100


@dataclass
class Result:
    query: text.Query
    page: object = None
    total: int = 0
    # More than SCAN_LIMIT matches: the newest SCAN_LIMIT are ranked and counted.
    capped: bool = False
    # Words in too many entries to look at them all: only the agency's WALK newest entries were searched.
    partial: bool = False
    facets: list = field(default_factory=list)
    filters: dict = field(default_factory=dict)
    limit: int = 0  # SCAN_LIMIT and WALK of this search, for the page to say
    walk: int = 0


# Newest first; an entry without a date last (SQLite's order for DESC, asked of PostgreSQL too).
NEWEST = (F("date").desc(nulls_last=True), F("pk").desc())


def _phrases_in(column, query):
    found = Q()
    for phrase in query.phrases:
        found &= Q(**{f"{column}__contains": f" {' '.join(phrase)} "})
    return found


def _words_match(query):
    """Exactly what matches: every phrase, whole words in order, in the item's own text or its files' text (LIKE on
    the folded words, the same on PostgreSQL and SQLite), or the exact number."""
    found = Q()
    for phrase in query.phrases:
        words = f" {' '.join(phrase)} "
        found &= Q(summary_words__contains=words) | Q(body_words__contains=words)
    if query.key:
        found |= Q(number_key=query.key)
    return found


def _pairs(query):
    """The pairs of neighbouring words of the query's phrases, as migration 0006's search_pair_keys() pairs them."""
    return sorted({f"{first} {second}" for phrase in query.phrases for first, second in pairwise(phrase)})


def _candidates_q(query, agency_id):
    """What the indexes find without reading the table. PostgreSQL: this agency's entries holding every pair of
    neighbouring words of each phrase (GIN on search_pair_keys; Vietnamese words are syllables, so "tân phú" is
    selective where "tân" and "phú" are not), and every one-word phrase (GIN on the words, all agencies), or the exact
    number (B-tree); LIKE then keeps the phrases whole and in order. SQLite has no index: the matches themselves."""
    if not (USE_INDEX and connection.vendor == "postgresql"):
        return Q(agency_id=agency_id) & _words_match(query)
    found = Q()
    pairs = _pairs(query)
    if pairs:
        # The pairs' keys are hashed by PostgreSQL itself, seeded with the agency as the index's are.
        found &= Q(RawSQL("search_pair_keys(agency_id, summary_words, body_words)"
                          " @> ARRAY(SELECT hashtextextended(pair, %s) FROM unnest(%s::text[]) AS pair)",
                          [agency_id, pairs],
                          output_field=BooleanField()))
    single = [phrase[0] for phrase in query.phrases if len(phrase) == 1]
    if single:
        found &= Q(vector=SearchQuery(" & ".join(single), search_type="raw", config="search_vn"))
    if query.key:
        found |= Q(number_key=query.key)
    return found


def _candidates(query, agency_id):
    """Ids of this agency's entries the indexes give for `query`, or None when there are more than CANDIDATE_LIMIT.
    The limit counts every entry read, this agency's or not (the one-word index is the same for all agencies), and
    the agency is not asked of the index: PostgreSQL would AND its whole bitmap (100,000 rows at 1 M)."""
    read = list(Entry.objects.filter(_candidates_q(query, agency_id))
                .values_list("pk", "agency_id")[:CANDIDATE_LIMIT + 1])
    if len(read) > CANDIDATE_LIMIT:
        return None
    return [pk for pk, agency in read if agency == agency_id]


def _rank(query):
    ranks = [When(_phrases_in("summary_words", query), then=Value(RANK_SUMMARY))]
    if query.key:
        ranks.insert(0, When(number_key=query.key, then=Value(RANK_NUMBER)))
    return Case(*ranks, default=Value(RANK_BODY), output_field=IntegerField())


def _ids_q(ids):
    """`pk__in` operand for a list of ids: one array parameter on PostgreSQL (the list itself, not a copy: a statement
    compiled once finds it among its parameters, `_Openable`)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return list(ids)


def _edge(in_agency, count):
    """(date, id) of the agency's `count`-th newest dated entry, read from search_entry_agency_date_idx alone; None
    when it has fewer."""
    edge = list(in_agency.filter(date__isnull=False).order_by("-date", "-pk")
                .values_list("date", "pk")[count - 1:count])
    return edge[0] if edge else None


def _from(edge):
    """Entries no older than `edge`: a range of search_entry_agency_date_idx (no null date)."""
    day, pk = edge
    return Q(date__gte=day) & ~Q(date=day, pk__lt=pk)


def _before(edge):
    """Entries older than `edge`. `date <= day` bounds the range of search_entry_agency_date_idx the walk reads: the
    OR alone is only a filter, and each chunk of a walk read again every entry from the newest down to its start
    (3,000 entries, 10 ms a chunk at 1 M documents)."""
    day, pk = edge
    return Q(date__lte=day) & (Q(date__lt=day) | Q(date=day, pk__lt=pk))


class _Openable:
    """Which of some entries this person may open: each kind's items asked of the owning app's selector
    (`SOURCES[kind].visible(membership)`) by primary key, one statement per kind among the entries.

    The walk reads each entry's facts once, with its words; only the items' ids go to the selectors. Asked by ids (one
    array parameter), PostgreSQL probes each item by primary key: over a range of entries it hashed the agency's whole
    table of items instead. A search asks once per chunk of its walk; on PostgreSQL each kind's statement is built
    and compiled by Django once per search and run with each chunk's ids (building and compiling a selector took
    Django 2–4 ms, as long as PostgreSQL took to run it for 400 ids)."""

    def __init__(self, membership):
        self.membership = membership
        self.compiled = {}  # kind -> (alias, sql, params, index of the ids in params)

    def _queryset(self, kind, ids):
        source = SOURCES.get(kind)
        if source is None or source.model_class() is None:
            return None
        return source.visible(self.membership).filter(pk__in=ids).values_list("pk", flat=True)

    def _compile(self, kind):
        """(alias, sql, params, where the ids go in params), or None when the selector gives this person nothing."""
        marker = []
        queryset = self._queryset(kind, _ids_q(marker))
        if queryset is None:
            return None
        try:
            sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:  # .none()
            return None
        return queryset.db, sql, list(params), next(i for i, param in enumerate(params) if param is marker)

    def _ids(self, kind, ids):
        if connection.vendor != "postgresql":
            queryset = self._queryset(kind, ids)
            return set() if queryset is None else set(queryset)
        if kind not in self.compiled:
            self.compiled[kind] = self._compile(kind)
        if self.compiled[kind] is None:
            return set()
        alias, sql, params, at = self.compiled[kind]
        params[at] = ids
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            return {pk for (pk,) in cursor.fetchall()}

    def __call__(self, rows, limit):
        """The first `limit` of `rows` (in their order) this person may open."""
        by_kind = {}
        for row in rows:
            by_kind.setdefault(row["kind"], []).append(row["object_id"])
        opened = {kind: self._ids(kind, ids) for kind, ids in by_kind.items()}
        return [row for row in rows if row["object_id"] in opened[row["kind"]]][:max(limit, 0)]


def _facts(entries, query, limit=None):
    """Each entry's id, date, rank, item and the filters' values, nothing else read; the first `limit` if given."""
    entries = entries.annotate(rank=_rank(query)).values("pk", "date", "rank", "object_id", *COMBO_FIELDS)
    return list(entries if limit is None else entries[:limit])


def _chunk(missing, share):
    """How many more matches to walk for `missing` rows when a `share` of the matches may be opened: half as many
    again as the share says, at least CHUNK_MIN. A chunk too short costs one more round (two statements, ≈ 10 ms at
    1 M); each extra match costs its part of the walk and a visibility probe (≈ 20 µs at 1 M). Measured at 1 M
    (issue 17): a quarter more took a second round for the commonest word, twice as many took 8 ms more than this
    for a common phrase."""
    return max(math.ceil(missing * 1.5 / max(share, 0.1)), CHUNK_MIN)


def _walk(walked, openable, query, rows, limit, share):
    """`rows` followed by the matches of `walked` (index order) this person may open, up to `limit`, a chunk at a
    time from where the last one stopped, each sized by `share`, the part of the matches seen so far that they may
    open."""
    while len(rows) < limit:
        chunk = _chunk(limit - len(rows), share)
        found = _facts(walked, query, chunk)
        rows += openable(found, limit - len(rows))
        if len(found) < chunk:
            break
        walked = walked.filter(_before((found[-1]["date"], found[-1]["pk"])))
    return rows


def _newest_visible(membership, query, limit):
    """(rows, capped, partial): the `limit` newest entries matching `query` that this person may open, newest first,
    read with work bounded whatever the size of the index (docs/search.md, "Bounded work").

    Visibility is asked of the owning apps' selectors, never decided here (`_Openable`; `visibility_q`, an EXISTS per
    entry, for the candidates). Two ways, each bounded: the candidates of the indexes (at most CANDIDATE_LIMIT entries
    holding the phrases' pairs of words, the one-word phrases, or the number: checked and sorted, exact), or the
    agency's WALK newest entries read newest first along search_entry_agency_date_idx until `limit` matches may be
    opened (exactly the newest: `capped`). A number, or words rare among the PROBE newest entries, go to the
    candidates first; common words walk. Words with more than CANDIDATE_LIMIT candidates yet in fewer than `limit` of
    the WALK newest give what those WALK hold (`partial`)."""
    in_agency = Entry.objects.filter(agency_id=membership.agency_id)
    matches, openable = _words_match(query), _Openable(membership)
    tried = False

    def from_candidates():
        nonlocal tried
        tried = True
        candidates = _candidates(query, membership.agency_id)
        if candidates is None:
            return None
        return _facts(Entry.objects.filter(pk__in=_ids_q(candidates)).filter(matches)
                      .filter(visibility_q(membership)).order_by(*NEWEST), query, limit)

    found = from_candidates() if query.key else None
    if found is not None:
        return found, len(found) == limit, False
    window = _edge(in_agency, WALK)
    if window is None:  # an agency with fewer than WALK entries: all of them
        rows = openable(_facts(in_agency.filter(matches).order_by(*NEWEST), query), limit)
        return rows, len(rows) == limit, False
    # Newest first in index order (no null date in the window), the PROBE newest first.
    walked, probe = in_agency.filter(matches).filter(_from(window)).order_by("-date", "-pk"), _edge(in_agency, PROBE)
    probed = _facts(walked.filter(_from(probe)), query)
    rows = openable(probed, limit)
    if len(rows) < limit and len(rows) * WALK < limit * PROBE and not tried:
        found = from_candidates()
        if found is not None:
            return found, len(found) == limit, False
    rows = _walk(walked.filter(_before(probe)), openable, query, rows, limit,
                 len(rows) / len(probed) if probed else 0.5)
    if len(rows) == limit:
        return rows, True, False
    found = None if tried else from_candidates()
    if found is not None:
        return found, len(found) == limit, False
    return rows, False, True


def _best_first(row):
    """The page's order: the exact number, then the summary, then the files' text; newest first within each."""
    return row["rank"], row["date"] is not None, row["date"] or datetime.date.min, row["pk"]


def matching(membership, query, *, limit=None):
    """Entries this person may open that match `query` (the `limit` newest, SCAN_LIMIT by default), with `rank`,
    best first."""
    if not query or membership is None:
        return Entry.objects.none()
    rows, _capped, _partial = _newest_visible(membership, query, limit or SCAN_LIMIT)
    return (Entry.objects.filter(pk__in=_ids_q([row["pk"] for row in rows])).annotate(rank=_rank(query))
            .order_by("-rank", *NEWEST))


def _clean_filters(filters):
    chosen = {}
    for name in FACETS:
        value = (filters or {}).get(name)
        if value not in (None, ""):
            chosen[name] = str(value)[:255]
    if "year" in chosen and not chosen["year"].isdigit():
        del chosen["year"]
    return chosen


def _apply(entries, chosen, *, but=None):
    for name, value in chosen.items():
        if name == but:
            continue
        if name == "status":
            kind, _sep, status = value.partition(":")
            entries = entries.filter(kind=kind, status=status)
        else:
            entries = entries.filter(**{name: value})
    return entries


def _status_label(kind, status):
    source = SOURCES.get(kind)
    model = source.model_class() if source else None
    choices = dict(model._meta.get_field("status").choices or []) if model and status else {}
    return f"{Entry.Kind(kind).label} · {choices.get(status, status)}"


def _label(name, value):
    if name == "kind":
        return Entry.Kind(value).label if value in Entry.Kind.values else value
    if name == "doc_type":
        return DocumentType(value).label if value in DocumentType.values else value
    if name == "secrecy":
        return Secrecy(value).label if value in Secrecy.values else value
    return str(value)


def _value(name, row):
    if name == "status":
        return f"{row['kind']}:{row['status']}" if row["status"] else ""
    return "" if row[name] is None else str(row[name])


def _facets(combos, chosen):
    """Each facet's counts over the matches narrowed by the other facets, from the matches' distinct
    combinations of facet values (each combination's values worked out once)."""
    facets = []
    keyed = [({name: _value(name, row) for name in FACETS}, row["n"]) for row in combos]
    for name in FACETS:
        others = [(key, value) for key, value in chosen.items() if key != name]
        counts = Counter()
        for values, n in keyed:
            if all(values[key] == value for key, value in others):
                counts[values[name]] += n
        counts.pop("", None)
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
        options = [{"value": value, "count": n,
                    "label": _status_label(*value.split(":", 1)) if name == "status" else _label(name, value)}
                   for value, n in top]
        if options:
            facets.append({"name": name, "label": FACETS[name], "chosen": chosen.get(name, ""), "options": options})
    return facets


def _without_jit():
    """PostgreSQL's JIT compiles a search whose estimated cost is high (its per-row visibility probes) for
    about half a second each time, more than the query itself takes: off for the search's own queries."""
    return replica.local_settings("jit = off")


def _chosen(row, filters):
    return all(_value(name, row) == value for name, value in filters.items())


def search(*, membership, query_text, filters=None, page=1):
    """The page `page` of what `membership` may open matching `query_text`, narrowed by `filters` (facet name ->
    value), with each facet's counts over the matches narrowed by the other filters."""
    query = text.query_parse(query_text)
    result = Result(query=query, filters=_clean_filters(filters), limit=SCAN_LIMIT, walk=WALK)
    if not query:
        return result
    rows = []
    if membership is not None:
        with _without_jit():
            rows, result.capped, result.partial = _newest_visible(membership, query, SCAN_LIMIT)
    combos = Counter(tuple(row[name] for name in COMBO_FIELDS) for row in rows)
    result.facets = _facets([{**dict(zip(COMBO_FIELDS, combo, strict=True)), "n": n} for combo, n in combos.items()],
                            result.filters)
    chosen = sorted((row for row in rows if _chosen(row, result.filters)), key=_best_first, reverse=True)
    result.total = len(chosen)
    result.page = Paginator(chosen, PAGE_SIZE).get_page(page)
    entries = Entry.objects.in_bulk([row["pk"] for row in result.page.object_list])
    shown = []
    for row in result.page.object_list:
        entry = entries.get(row["pk"])  # None: removed since it was found
        if entry is not None:
            entry.rank = row["rank"]
            shown.append(entry)
    result.page.object_list = shown
    for entry in result.page.object_list:
        entry.snippet = text.snippet(entry.summary if entry.rank >= RANK_SUMMARY else entry.body, query)
        entry.kind_label = Entry.Kind(entry.kind).label
        entry.url_name = SOURCES[entry.kind].url_name
        entry.secrecy_label = _label("secrecy", entry.secrecy) if entry.secrecy else ""
    return result


def all_matches(*, membership, query_text, filters=None, limit=5000):
    """Every match (up to `limit`), for the XLSX export: same filters, same order as the page."""
    query = text.query_parse(query_text)
    if not query:
        return []
    with _without_jit():
        return list(_apply(matching(membership, query, limit=limit), _clean_filters(filters))[:limit])


def new_matches(saved, since):
    """Matches of a saved search indexed for the first time after `since`, that its owner may open now."""
    query = text.query_parse(saved.query)
    entries = _apply(matching(saved.membership, query), _clean_filters(saved.filters))
    return entries.filter(created_at__gt=since) if since else entries.none()

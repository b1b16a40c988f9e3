"""Reading the index: what matches a query among what this person may open, ranked, with the filters' counts.

Visibility comes from the owning apps' selectors (indexing.visibility_q): an item a person may not open is
never returned, counted or shown in a snippet. Ranking: the exact number first, then matches in the summary,
then matches in the files' text only; newest first within each."""

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

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
SCAN_LIMIT = 10_000
WINDOW = 2 * SCAN_LIMIT


@dataclass
class Result:
    query: text.Query
    page: object = None
    total: int = 0
    capped: bool = False
    facets: list = field(default_factory=list)
    filters: dict = field(default_factory=dict)


def _phrases_in(column, query):
    found = Q()
    for phrase in query.phrases:
        found &= Q(**{f"{column}__contains": f" {' '.join(phrase)} "})
    return found


def _phrases_anywhere(query):
    found = Q()
    for phrase in query.phrases:
        words = f" {' '.join(phrase)} "
        found &= Q(summary_words__contains=words) | Q(body_words__contains=words)
    if USE_INDEX and connection.vendor == "postgresql":
        # The GIN index finds the entries holding every word; LIKE above then keeps the phrases in order.
        found &= Q(vector=SearchQuery(" & ".join(query.all_words), search_type="raw", config="search_vn"))
    return found


def _ids_q(ids):
    """`pk__in` operand for a list of up to SCAN_LIMIT ids: one array parameter on PostgreSQL."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])
    return list(ids)


def _newest_visible(membership, matches):
    """Ids of the SCAN_LIMIT newest entries matching `matches` that this person may open, newest first.

    The selectors are asked once, over this agency's matches, bounded: a word in nearly every item would rank and
    count them all, so only the SCAN_LIMIT newest matches this person may open are kept (`capped`); the counts and
    the page then read these rows by id. A common word (at least SCAN_LIMIT matches in the agency, whoever may
    open them) is first looked for among the agency's WINDOW newest entries read along search_entry_agency_date_idx:
    if SCAN_LIMIT of them match and may be opened, they are the newest SCAN_LIMIT (nothing newer was skipped);
    otherwise, and for rarer words, all the agency's matches are read from the GIN index and sorted."""
    in_agency = Entry.objects.filter(agency_id=membership.agency_id)
    allowed = visibility_q(membership)
    common = len(in_agency.filter(matches).values_list("pk", flat=True)[:SCAN_LIMIT]) == SCAN_LIMIT
    if common:
        window = in_agency.order_by("-date", "-pk").values("pk")[:WINDOW]
        ids = list(Entry.objects.filter(pk__in=window).filter(matches).filter(allowed)
                   .order_by("-date", "-pk").values_list("pk", flat=True)[:SCAN_LIMIT])
        if len(ids) == SCAN_LIMIT:
            return ids
    return list(in_agency.filter(matches).filter(allowed).order_by("-date", "-pk")
                .values_list("pk", flat=True)[:SCAN_LIMIT])


def matching(membership, query):
    """Entries this person may open that match `query`, with `rank`, best first."""
    if not query or membership is None:
        return Entry.objects.none()
    matches = _phrases_anywhere(query)
    ranks = [When(_phrases_in("summary_words", query), then=Value(RANK_SUMMARY))]
    if query.key:
        matches |= Q(number_key=query.key)
        ranks.insert(0, When(number_key=query.key, then=Value(RANK_NUMBER)))
    ids = _newest_visible(membership, matches)
    capped = len(ids) == SCAN_LIMIT
    found = Entry.objects.filter(pk__in=_ids_q(ids))
    ranked = (found.annotate(rank=Case(*ranks, default=Value(RANK_BODY), output_field=IntegerField()))
              .order_by("-rank", "-date", "-pk"))
    ranked.capped = capped
    return ranked


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
    combinations of facet values (one query, whatever filters are chosen)."""
    facets = []
    for name in FACETS:
        others = {key: value for key, value in chosen.items() if key != name}
        counts = Counter()
        for row in combos:
            if all(_value(key, row) == value for key, value in others.items()):
                counts[_value(name, row)] += row["n"]
        counts.pop("", None)
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
        options = [{"value": value, "count": n,
                    "label": _status_label(*value.split(":", 1)) if name == "status" else _label(name, value)}
                   for value, n in top]
        if options:
            facets.append({"name": name, "label": FACETS[name], "chosen": chosen.get(name, ""), "options": options})
    return facets


class _CountedPaginator(Paginator):
    """A paginator told its count (already known from the facets' query) instead of counting again."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self):
        return self.known_count


@contextmanager
def _without_jit():
    """PostgreSQL's JIT compiles a search whose estimated cost is high (its per-row visibility probes) for
    about half a second each time, more than the query itself takes: off for the search's own queries."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def search(*, membership, query_text, filters=None, page=1):
    """The page `page` of what `membership` may open matching `query_text`, narrowed by `filters` (facet name ->
    value), with each facet's counts over the matches narrowed by the other facets."""
    query = text.query_parse(query_text)
    result = Result(query=query, filters=_clean_filters(filters))
    if not query:
        return result
    with _without_jit():
        entries = matching(membership, query)
        combos = list(entries.order_by().values(*COMBO_FIELDS).annotate(n=Count("pk")))
        result.facets = _facets(combos, result.filters)
        result.total = sum(row["n"] for row in combos
                           if all(_value(key, row) == value for key, value in result.filters.items()))
        result.capped = getattr(entries, "capped", False)
        result.page = _CountedPaginator(_apply(entries, result.filters), PAGE_SIZE, result.total).get_page(page)
        list(result.page.object_list)
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
        return list(_apply(matching(membership, query), _clean_filters(filters))[:limit])


def new_matches(saved, since):
    """Matches of a saved search indexed for the first time after `since`, that its owner may open now."""
    query = text.query_parse(saved.query)
    entries = _apply(matching(saved.membership, query), _clean_filters(saved.filters))
    return entries.filter(created_at__gt=since) if since else entries.none()

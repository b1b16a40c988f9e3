"""Reading the index: what matches a query among what this person may open, ranked, with the filters' counts.

Visibility comes from the owning apps' selectors (indexing.visibility_q): an item a person may not open is
never returned, counted or shown in a snippet. Ranking: the exact number first, then matches in the summary,
then matches in the files' text only; newest first within each."""

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, Value, When
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
RANK_NUMBER, RANK_SUMMARY, RANK_BODY = 3, 2, 1


@dataclass
class Result:
    query: text.Query
    page: object = None
    total: int = 0
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
    if connection.vendor == "postgresql":
        # The GIN index finds the entries holding every word; LIKE above then keeps the phrases in order.
        found &= Q(vector=SearchQuery(" & ".join(query.all_words), search_type="raw", config="search_vn"))
    return found


def matching(membership, query):
    """Entries this person may open that match `query`, with `rank`, best first."""
    if not query or membership is None:
        return Entry.objects.none()
    matches = _phrases_anywhere(query)
    ranks = [When(_phrases_in("summary_words", query), then=Value(RANK_SUMMARY))]
    if query.key:
        matches |= Q(number_key=query.key)
        ranks.insert(0, When(number_key=query.key, then=Value(RANK_NUMBER)))
    return (Entry.objects.filter(agency_id=membership.agency_id).filter(matches).filter(visibility_q(membership))
            .annotate(rank=Case(*ranks, default=Value(RANK_BODY), output_field=IntegerField()))
            .order_by("-rank", "-date", "-pk"))


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


def _facet(entries, name, chosen):
    narrowed = _apply(entries, chosen, but=name)
    if name == "status":
        rows = narrowed.exclude(status="").values("kind", "status").annotate(n=Count("pk")).order_by("-n")
        options = [(f"{row['kind']}:{row['status']}", _status_label(row["kind"], row["status"]), row["n"])
                   for row in rows[:FACET_LIMIT]]
    else:
        empty = {"year__isnull": True} if name == "year" else {name: ""}
        rows = narrowed.exclude(**empty).values(name).annotate(
            n=Count("pk")).order_by("-n", name)
        options = [(str(row[name]), _label(name, row[name]), row["n"]) for row in rows[:FACET_LIMIT]]
    return {"name": name, "label": FACETS[name], "chosen": chosen.get(name, ""),
            "options": [{"value": value, "label": label, "count": n} for value, label, n in options]}


def search(*, membership, query_text, filters=None, page=1):
    """The page `page` of what `membership` may open matching `query_text`, narrowed by `filters` (facet name ->
    value), with each facet's counts over the matches narrowed by the other facets."""
    query = text.query_parse(query_text)
    result = Result(query=query, filters=_clean_filters(filters))
    if not query:
        return result
    entries = matching(membership, query)
    result.facets = [facet for facet in (_facet(entries, name, result.filters) for name in FACETS) if facet["options"]]
    narrowed = _apply(entries, result.filters)
    paginator = Paginator(narrowed, PAGE_SIZE)
    result.page = paginator.get_page(page)
    result.total = paginator.count
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
    return list(_apply(matching(membership, query), _clean_filters(filters))[:limit])


def new_matches(saved, since):
    """Matches of a saved search indexed for the first time after `since`, that its owner may open now."""
    query = text.query_parse(saved.query)
    entries = _apply(matching(saved.membership, query), _clean_filters(saved.filters))
    return entries.filter(created_at__gt=since) if since else entries.none()

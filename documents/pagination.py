"""Paging long lists without counting or skipping over millions of rows.

A list counts at most COUNT_LIMIT rows (`SELECT count(*) FROM (… ORDER BY newest LIMIT COUNT_LIMIT + 1)`, read
from an index in date order), says "hơn 5.000" past that, and offers pages only within those rows, so neither
the count nor the OFFSET of the last page grows with the table: narrowing by year, type or status reaches the
older documents. A sort that no index serves (summary, sender, signer…) sorts the newest COUNT_LIMIT rows
(`windowed`), the same rows the pages reach. A page number past the last one, or not a number, is a 404.
"""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Subquery
from django.http import Http404
from django.utils.functional import cached_property

COUNT_LIMIT = 5_000


def _queryset(object_list):
    """The QuerySet behind a django-tables2 BoundRows (or the object list itself), or None."""
    data = getattr(getattr(object_list, "data", None), "data", object_list)
    return data if hasattr(data, "query") else None


class BoundedPaginator(Paginator):
    """A Paginator whose count stops at `limit` (then `capped` is True)."""

    limit = COUNT_LIMIT

    def __init__(self, object_list, per_page, *args, limit=None, newest=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if limit is not None:
            self.limit = limit
        self.newest = newest
        self.capped = False

    @cached_property
    def count(self):
        queryset = _queryset(self.object_list)
        if queryset is None:
            return super().count
        found, self.capped = bounded_count(queryset, self.limit, newest=self.newest)
        return found


def bounded_count(queryset, limit=COUNT_LIMIT, newest=None):
    """(number of rows up to `limit`, True if there are more): a figure that costs at most `limit` rows, read in
    the order `newest` (an index's order) if given."""
    rows = queryset.order_by(*([newest] if newest else [])).values("pk")
    found = rows[: limit + 1].count()
    return min(found, limit), found > limit


def windowed(queryset, sort, *, newest, indexed):
    """`queryset` as it is if `sort` (a list's ?sort=) is served by an index, else only its newest COUNT_LIMIT rows,
    so that sorting costs the same however long the agency's history is."""
    key = (sort or "").lstrip("-")
    if not key or key in indexed:
        return queryset
    return queryset.filter(pk__in=Subquery(queryset.order_by(newest).values("pk")[:COUNT_LIMIT]))


def paginate(table, request, per_page, newest=None):
    """Paginate a django-tables2 table by BoundedPaginator; a page that does not exist is a 404."""
    try:
        table.paginate(paginator_class=BoundedPaginator, page=request.GET.get(table.prefixed_page_field, 1),
                       per_page=per_page, newest=newest)
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404(str(exc)) from exc
    return table

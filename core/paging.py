"""Paging long lists without counting or skipping over millions of rows: the document lists and registers, the
reports' tables (their own limit) and the directory's searches (agencies.selectors) all page through here.

A list counts at most COUNT_LIMIT rows (`SELECT count(*) FROM (… ORDER BY newest LIMIT COUNT_LIMIT + 1)`, read
from an index in date order), says "hơn 5.000" past that, and offers pages only within those rows, so neither
the count nor the OFFSET of the last page grows with the table: narrowing by year, type or status reaches the
older documents. A sort that no index serves (summary, sender, signer…) sorts only the newest COUNT_LIMIT rows (and
any tied with the last of them), the same rows the pages reach. A page is read in two steps: the ids of its rows
(a lean query: no joins but those the sort needs, so skipping to a late page does not join the rows skipped), then
those rows with everything the table shows. A page number past the last one, or not a number, is a 404.
"""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.utils.functional import cached_property
from django_tables2 import RequestConfig
from django_tables2.rows import BoundRows

COUNT_LIMIT = 5_000


def _queryset(object_list):
    """The QuerySet behind a django-tables2 BoundRows (or the object list itself), or None: also for rows that only
    look like one (the traffic log's UNION, reports.paging.TrafficLog, counts and slices itself)."""
    data = getattr(getattr(object_list, "data", None), "data", object_list)
    return data if hasattr(data, "query") and getattr(data, "model", None) is not None else None


class BoundedPaginator(Paginator):
    """A Paginator whose count stops at `limit` (then `capped` is True). With `window`, a page's rows are taken from
    the `newest` `limit` rows only (a sort no index serves then sorts a bounded set)."""

    limit = COUNT_LIMIT

    def __init__(self, object_list, per_page, *args, limit=None, newest=None, window=False, counted=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        if limit is not None:
            self.limit = limit
        self.newest = newest
        self.window = window
        self.counted = counted
        self.capped = False

    @cached_property
    def count(self):
        queryset = _queryset(self.object_list)
        if queryset is None:
            return super().count
        if self.counted is not None:
            found, self.capped = bounded_count(self.counted, self.limit)
            return found
        found, self.capped = bounded_count(queryset, self.limit, newest=self.newest)
        return found

    def page(self, number):
        queryset = _queryset(self.object_list)
        if queryset is None or not isinstance(self.object_list, BoundRows):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if self.window and self.capped and self.newest:
            queryset = newest_only(queryset, self.newest, self.limit)
        rows = BoundRows(data=page_records(queryset, bottom, top, tie_break=self.window),
                         table=self.object_list.table, pinned_data=self.object_list.pinned_data)
        return self._get_page(rows, number, self)


def bounded_count(queryset, limit=COUNT_LIMIT, newest=None):
    """(number of rows up to `limit`, True if there are more): a figure that costs at most `limit` rows, read in
    the order `newest` (an index's order) if given."""
    if queryset.query.combinator:  # a UNION of one column: counted as it is
        rows = queryset
    else:
        rows = queryset.order_by(*([newest] if newest else [])).values("pk")
    found = rows[: limit + 1].count()
    return min(found, limit), found > limit


def newest_only(queryset, newest, limit=COUNT_LIMIT):
    """`queryset`'s rows from its newest to its `limit`-th in the order `newest` ("-field"), those tied with it
    included: one range of the index that serves `newest`, not `limit` lookups by primary key. The edge is read
    first (an index-only scan) and given as a value: as a subquery the planner guesses a third of the table and
    may read every agency's rows since that date by the date alone."""
    field = newest.lstrip("-")
    edge = list(queryset.order_by(newest).values_list(field, flat=True)[limit - 1:limit])
    if not edge:
        return queryset
    return queryset.filter(**{f"{field}__{'gte' if newest.startswith('-') else 'lte'}": edge[0]})


def page_records(queryset, bottom, top, tie_break=False):
    """The records from `bottom` to `top` of `queryset` in its order: their ids first (only the joins the order
    needs), then those rows by primary key with the queryset's select_related, prefetches and annotations."""
    ordered = queryset
    if tie_break:
        # Rows equal in the sort's columns keep one order from page to page.
        ordered = queryset.order_by(*(queryset.query.order_by or queryset.model._meta.ordering), "-pk")
    ids = list(ordered.values_list("pk", flat=True)[bottom:top])
    if not ids:
        return []
    by_pk = {record.pk: record for record in queryset.order_by().filter(pk__in=ids)}
    return [by_pk[pk] for pk in ids if pk in by_pk]


def paginate(table, request, per_page, newest=None, indexed=None, counted=None, limit=None):
    """Order a django-tables2 table by the request's ?sort= and paginate it by BoundedPaginator; a page that does not
    exist is a 404. With `indexed` (the sorts an index serves), any other sort sorts only the newest COUNT_LIMIT rows.
    The count reads the rows in the order `newest` (an index's range that stops at the limit); `counted`, the same
    rows found another way (a specialist's routed documents: documents.selectors.incoming_list_counted), is counted
    instead, as its plan gives them, stopping at the limit. `limit`: another bound than COUNT_LIMIT.
    The table must be made without `request=`: django-tables2 would then paginate it itself, counting every row."""
    if hasattr(table, "paginator"):
        raise TypeError("paginate() a table made without request=: django-tables2 has already counted all its rows")
    RequestConfig(request, paginate=False).configure(table)
    sort = ",".join(request.GET.getlist(table.prefixed_order_by_field))
    window = indexed is not None and bool(sort) and sort.lstrip("-") not in indexed
    try:
        table.paginate(paginator_class=BoundedPaginator, page=request.GET.get(table.prefixed_page_field, 1),
                       per_page=per_page, newest=newest, window=window, counted=counted, limit=limit)
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404(str(exc)) from exc
    return table

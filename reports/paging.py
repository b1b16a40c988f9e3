"""Reading the reports' long lists a page at a time, whatever the size of an agency's history.

The traffic log is a UNION of two halves (the deliveries of the agency's issued documents, its incoming
documents). Sorting the UNION and then cutting a page out of it sorts the agency's whole history on every page;
`TrafficLog` sorts and cuts each half first (on PostgreSQL, which allows ORDER BY and LIMIT inside a UNION) so a
page reads at most `offset + page size` rows of each half, and what is worked out per row (the redaction of a row
the viewer may not open, `redact`) is worked out only for the rows read. Counts stop at COUNT_LIMIT: the paginator offers that many
rows, newest first, and the filters (a period) reach older ones.
"""

from types import SimpleNamespace

from django.db import connection
from django.db.models.query import EmptyQuerySet

COUNT_LIMIT = 2_000
DEFAULT_ORDER = ("-log_at", "-log_key")
TIE_BREAK = "-log_key"  # unique: the order of a page never depends on the plan


def _sorted(rows, ordering):
    """Rows sorted as PostgreSQL sorts them by these (optionally "-") keys: NULLs last going up, first going down."""
    for key in reversed(ordering):
        name, down = key.lstrip("-"), key.startswith("-")
        rows.sort(key=lambda row, name=name: (row[name] is None, "" if row[name] is None else row[name]),
                  reverse=down)
    return rows


class TrafficLog:
    """The traffic log's rows (dicts of selectors.TRAFFIC_COLUMNS) as the table and the export read them: sliced,
    iterated, ordered by the table's columns, counted up to COUNT_LIMIT."""

    model = None
    count_limit = COUNT_LIMIT

    def __init__(self, halves, ordering=DEFAULT_ORDER, redact=None):
        self.halves, self.redact = list(halves), redact or (lambda rows: rows)
        self.ordering = tuple(ordering)
        self.query = SimpleNamespace(order_by=self.ordering)  # what django-tables2 reads of the current order

    def order_by(self, *fields):
        named = {field.lstrip("-") for field in fields}
        return TrafficLog(self.halves, (*fields, *(() if TIE_BREAK.lstrip("-") in named else (TIE_BREAK,))),
                          self.redact)

    @staticmethod
    def _cut_inside():
        return connection.features.supports_slicing_ordering_in_compound

    def _union(self, stop=None):
        """The UNION ordered; with `stop`, each half sorted and cut to its first `stop` rows before the UNION."""
        if stop is not None and self._cut_inside():
            halves = [half.order_by(*self.ordering)[:stop] for half in self.halves]
        else:
            halves = [half.order_by() for half in self.halves]
        # A half the viewer may see nothing of is an EmptyQuerySet, which union() drops, returning the other half
        # as it is (maybe already cut): drop it here so that one half is handled as one half.
        first, *rest = [half for half in halves if not isinstance(half, EmptyQuerySet)] or halves[:1]
        if not rest:  # one half only: already sorted, maybe already cut
            return first if first.query.is_sliced else first.order_by(*self.ordering)
        return first.union(*rest, all=True).order_by(*self.ordering)

    def __getitem__(self, key):
        if isinstance(key, slice):
            if key.step not in (None, 1):
                raise ValueError("TrafficLog slices have no step")
            start, stop = key.start or 0, key.stop
            if self.ordering[0].lstrip("-") != "log_at" and self._cut_inside():
                return self.redact(self._window()[start:stop])
            return self.redact(list(self._union(stop)[start:stop]))
        return self[key:key + 1][0]

    def _window(self):
        """Another column's order: the newest count_limit rows (what the paginator offers), sorted by it."""
        newest = TrafficLog(self.halves)._union(self.count_limit)[:self.count_limit]
        return _sorted(list(newest), self.ordering)

    def __iter__(self):
        return iter(self.redact(list(self._union())))

    def count(self):
        """How many rows, up to count_limit. One half at a time, the last first (the incoming documents: one table),
        each reading at most what is still missing, its newest first (along the agency's index on the time: any
        other order lets the planner scan the table for an agency with few rows), and only the time, so that the
        index answers without the table; the other half is not read once the bound is reached. A UNION of both
        halves cut to the bound read twice the rows and each row of the table (33 ms for the big agency at 1 M)."""
        total = 0
        for half in reversed(self.halves):
            rows = half.values(DEFAULT_ORDER[0].lstrip("-")).order_by(DEFAULT_ORDER[0])[:self.count_limit - total]
            total += rows.count()
            if total >= self.count_limit:
                break
        return total

"""The six-monthly report's recalls, updates and replacements of issued documents (issue 15), counted by one
aggregate query that runs the same on PostgreSQL and SQLite.

The exchanges with other installations (liên thông) are counted with the rest of the documents in
reports.figures (the `peer` counters, kept in MonthFact); only the revisions are counted here. A revision
counts once its signer agreed and the recipients were told (state "sent"), in the period it was asked for
(`requested_at`, the column of documents' revision_report_idx, which includes kind and state), under the
agency that issued the document.
"""

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Value, When

import core.lookups  # noqa: F401 - registers __any_of (one array parameter for many ids)
from documents.models import Revision, RevisionKind


@dataclass
class RevisionFigures:
    recalls: int = 0
    updates: int = 0
    replacements: int = 0

    @property
    def total(self):
        return self.recalls + self.updates + self.replacements


FIELDS = {RevisionKind.RECALL: "recalls", RevisionKind.UPDATE: "updates", RevisionKind.REPLACE: "replacements"}


def revision_counts(agency_ids, period, previous):
    """Rows (kind, cur, count) of both periods: a range scan of revision_report_idx, each row's document by its
    primary key for the agency."""
    start, split, end = previous.bounds[0], period.bounds[0], period.bounds[1]
    return (Revision.objects.filter(state=Revision.State.SENT, requested_at__gte=start, requested_at__lt=end,
                                    outgoing__agency_id__any_of=agency_ids)
            .annotate(cur=Case(When(requested_at__gte=split, then=Value(1)), default=Value(0),
                               output_field=IntegerField()))
            .order_by().values("kind", "cur").annotate(count=Count("pk")))


def revision_figures(agency_ids, period, previous):
    """(this period's RevisionFigures, the previous period's) of the documents the agencies (ids) issued."""
    current, before = RevisionFigures(), RevisionFigures()
    for row in revision_counts(agency_ids, period, previous):
        figures = current if row["cur"] else before
        name = FIELDS.get(row["kind"])
        if name:
            setattr(figures, name, getattr(figures, name) + row["count"])
    return current, before

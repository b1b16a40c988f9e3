"""The evaluation of use (reports.evaluation) as sortable tables: per unit, and per person."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .evaluation import SCORES
from .exports import score_text


def evaluation_records(rows):
    """Table rows of reports.evaluation rows: each score, and its rate to sort by (nothing due sorts first)."""
    records = []
    for row in rows:
        record = {"label": row.label, "unit": row.unit}
        for name in SCORES:
            score = row.scores[name]
            record[name], record[f"{name}_order"] = score, -1 if score.rate is None else score.rate
        records.append(record)
    return records


class _ScoreColumn(tables.Column):
    def __init__(self, name):
        super().__init__(verbose_name=SCORES[name], order_by=(f"{name}_order",),
                         attrs={"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}})

    def render(self, value):
        return score_text(value)


class EvaluationUnitTable(tables.Table):
    """Per-unit scores of the evaluation of use (Directive 34, 1.c), sortable by each rate."""

    label = tables.Column(verbose_name=_("Đơn vị"))
    checks = _ScoreColumn("checks")
    handled = _ScoreColumn("handled")
    replies = _ScoreColumn("replies")
    sent = _ScoreColumn("sent")

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle mb-0", "data-testid": "evaluation-units"}
        empty_text = _("Không có số liệu trong kỳ.")


class EvaluationPersonTable(EvaluationUnitTable):
    label = tables.Column(verbose_name=_("Cán bộ"))
    unit = tables.Column(verbose_name=_("Đơn vị"))

    class Meta(EvaluationUnitTable.Meta):
        attrs = {**EvaluationUnitTable.Meta.attrs, "data-testid": "evaluation-people"}
        sequence = ("label", "unit", "...")

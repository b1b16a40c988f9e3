import datetime

import django_tables2 as tables
from django.utils import dateformat, timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.tables2 import page_cells

from . import delivery_lifecycle
from .models import Delivery, DocumentType, Incoming, Outgoing, Urgency


class ChoiceColumn(tables.Column):
    """A choices field shown by its label, looked up in a dict made once per language: django-tables2 would call
    get_FOO_display() for every cell, which hashes every choice's lazy label (≈ 1 ms a cell, 50 ms a register page).
    Its accessor is the row's pk so that django-tables2 does not take that path; it sorts by the field."""

    def __init__(self, choices, *, field, **kwargs):
        super().__init__(accessor=tables.A("pk"), order_by=(field,), **kwargs)
        self.field = field
        self.choices = choices
        self._labels = {}

    def render(self, record):
        language = get_language()
        labels = self._labels.get(language)
        if labels is None:
            labels = self._labels[language] = {value: str(label) for value, label in self.choices}
        value = getattr(record, self.field)
        return labels.get(value, value) or self.default


class LocalDateColumn(tables.Column):
    """A date, or a datetime as its local date and time, by `format` (the `date` filter's): django-tables2's
    DateTimeColumn renders a template with a context of its own for every cell."""

    def __init__(self, *, format, **kwargs):
        super().__init__(**kwargs)
        self.format = format

    def render(self, value):
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value)
        return dateformat.format(value, self.format)


def _value(record, path):
    """The value at `path` ("signer__user__full_name") of a record, None past a missing link, as django-tables2
    resolves an accessor for a cell (after its own walk over the model's fields, made anew for every cell)."""
    value = record
    for name in path:
        value = getattr(value, name, None)
        if value is None:
            return None
    return value


class DocumentTable(tables.Table):
    """A table whose page's rows are written from `page_cells` (templates/documents/_table.html)."""

    @cached_property
    def page_cells(self):
        """(the row's attributes, its cells) of each row of the page, the cells django-tables2's rows give (compared
        by tests/documents/test_lists_at_scale.py): each column's render called on the value at its accessor,
        without django-tables2's look-up of the column by name and of the accessor's model field for every cell
        (half of a register page's rows' time). Columns here have no choices (ChoiceColumn) and no callables."""
        paths = {column.name: column.accessor.split(column.accessor.SEPARATOR) for column in self.columns}
        return page_cells(self, lambda record, column: _value(record, paths[column.name]))


class OutgoingTable(DocumentTable):
    notation = tables.Column(verbose_name=_("Số, ký hiệu"), linkify=("outgoing_detail", [tables.A("pk")]),
                             empty_values=(), order_by=("year", "number"))
    summary = tables.Column(verbose_name=_("Trích yếu"), linkify=("outgoing_detail", [tables.A("pk")]))
    doc_type = ChoiceColumn(DocumentType.choices, field="doc_type", verbose_name=_("Loại"))
    drafting_unit = tables.Column(verbose_name=_("Đơn vị soạn"), accessor="drafting_unit__abbreviation")
    signer = tables.Column(verbose_name=_("Người ký"), accessor="signer__user__full_name")
    status = ChoiceColumn(Outgoing.Status.choices, field="status", verbose_name=_("Trạng thái"))
    updated_at = LocalDateColumn(verbose_name=_("Cập nhật"), format="d/m/Y H:i")

    class Meta:
        model = Outgoing
        fields = ["notation", "doc_type", "summary", "drafting_unit", "signer", "status", "updated_at"]
        order_by = "-updated_at"
        attrs = {"class": "table table-hover align-middle mb-0"}
        template_name = "documents/_table.html"

    def render_notation(self, record):
        return record.notation or "—"


class IncomingTable(DocumentTable):
    arrived_at = LocalDateColumn(verbose_name=_("Đến lúc"), format="d/m/Y H:i")
    sender_name = tables.Column(verbose_name=_("Cơ quan gửi"))
    notation = tables.Column(verbose_name=_("Số, ký hiệu"), linkify=("incoming_detail", [tables.A("pk")]))
    summary = tables.Column(verbose_name=_("Trích yếu"), linkify=("incoming_detail", [tables.A("pk")]))
    source = ChoiceColumn(Incoming.Source.choices, field="source", verbose_name=_("Nguồn"))
    urgency = ChoiceColumn(Urgency.choices, field="urgency", verbose_name=_("Độ khẩn"))
    status = ChoiceColumn(Incoming.Status.choices, field="status", verbose_name=_("Trạng thái"))

    class Meta:
        attrs = {"class": "table table-hover align-middle mb-0"}
        template_name = "documents/_table.html"
        order_by = "-arrived_at"


# The badge of each delivery state (the delivery card).
DELIVERY_BADGES = {
    Delivery.Status.SENT: "text-bg-success",
    Delivery.Status.FAILED: "text-bg-danger",
    Delivery.Status.BOUNCED: "text-bg-danger",
    Delivery.Status.UNCERTAIN: "text-bg-warning border border-danger",
    Delivery.Status.RETRY: "text-bg-warning",
    Delivery.Status.DEFERRED: "text-bg-warning",
    Delivery.Status.NOT_ELECTRONIC: "text-bg-secondary",
}


def delivery_rows(deliveries):
    """The delivery card's rows, each with its labels, badge, answer in a sentence and the resend offer worked out
    here once: the template's per-row look-ups (lazy labels, if-chains, filters) were most of a 200-row card."""
    statuses = {value: str(label) for value, label in Delivery.Status.choices}
    channels = {value: str(label) for value, label in Delivery.Channel.choices}
    for delivery in deliveries:
        delivery.status_label = statuses.get(delivery.status, delivery.status)
        delivery.channel_label = channels.get(delivery.channel, delivery.channel)
        delivery.badge = DELIVERY_BADGES.get(delivery.status, "text-bg-info")
        delivery.summary = delivery.response_summary
        delivery.offer = delivery_lifecycle.resend_offer(delivery)
    return deliveries


def delivery_status_counts(progress):
    """[(status, label, count)] of the states some delivery is in, those that need the clerk first."""
    choices = sorted(Delivery.Status.choices, key=lambda choice: choice[0] not in Delivery.NEEDS_CLERK)
    return [(value, str(label), progress["counts"][value]) for value, label in choices if progress["counts"][value]]

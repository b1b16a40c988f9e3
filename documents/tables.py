import datetime

import django_tables2 as tables
from django.utils import dateformat, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import DocumentType, Incoming, Outgoing, Urgency


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


class OutgoingTable(tables.Table):
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


class IncomingTable(tables.Table):
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

"""The registers of Decree 30, Annex IV, as rows for the page and for XLSX/PDF exports."""

import django_filters
import django_tables2 as tables
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Assignment, DocumentType, Incoming, IncomingFile, Outgoing, Recipient, Register

OUTGOING_COLUMNS = [
    _("Số, ký hiệu văn bản"), _("Ngày tháng văn bản"), _("Tên loại và trích yếu nội dung"), _("Người ký"),
    _("Nơi nhận văn bản"), _("Đơn vị, người nhận bản lưu"), _("Số lượng bản"), _("Ngày chuyển"), _("Ký nhận"),
    _("Ghi chú"),
]
OUTGOING_WIDTHS = [0.1, 0.07, 0.22, 0.1, 0.2, 0.08, 0.05, 0.07, 0.05, 0.06]


def _d(value):
    return date_format(timezone.localtime(value), "SHORT_DATE_FORMAT") if value else ""


def outgoing_register_queryset(agency, year, kind=Register.Kind.OUTGOING):
    return (
        Outgoing.objects.filter(agency=agency, status=Outgoing.Status.ISSUED, year=year, register__kind=kind)
        .select_related("signer__user", "drafting_unit")
        .prefetch_related(Prefetch("recipients", queryset=Recipient.objects.select_related("agency", "unit", "group")))
    )


def outgoing_register_row(o):
    recipients = [r.label for r in o.recipients.all()]
    notes = " ".join(str(x) for x in (o.get_secrecy_display() if o.secrecy else "",
                                      o.get_urgency_display() if o.urgency else "") if x)
    return [
        o.notation, _d(o.issued_at), f"{o.get_doc_type_display()} – {o.summary}",
        f"{o.signer.user.full_name} ({o.signer.position})" if o.signer.position else o.signer.user.full_name,
        "; ".join(recipients), f"VT, {o.drafting_unit.abbreviation}", len(recipients) + o.archive_copies,
        _d(o.issued_at), "", notes,
    ]


class OutgoingRegisterTable(tables.Table):
    number = tables.Column(verbose_name=_("Số, ký hiệu"), accessor="notation", order_by=("number",),
                           linkify=("outgoing_detail", [tables.A("pk")]))
    issued_at = tables.DateTimeColumn(verbose_name=_("Ngày văn bản"), format="d/m/Y")
    doc_type = tables.Column(verbose_name=_("Loại"))
    summary = tables.Column(verbose_name=_("Trích yếu"))
    signer = tables.Column(verbose_name=_("Người ký"), accessor="signer__user__full_name",
                           order_by=("signer__user__full_name",))
    recipients = tables.Column(verbose_name=_("Nơi nhận"), empty_values=(), orderable=False)
    archive = tables.Column(verbose_name=_("Bản lưu"), empty_values=(), orderable=False)
    copies = tables.Column(verbose_name=_("Số bản"), empty_values=(), orderable=False)

    number_field = "number"

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}
        order_by = "-number"

    def render_recipients(self, record):
        return "; ".join(r.label for r in record.recipients.all())

    def render_archive(self, record):
        return f"VT, {record.drafting_unit.abbreviation}"

    def render_copies(self, record):
        return len(record.recipients.all()) + record.archive_copies


class OutgoingRegisterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Tìm trích yếu, số ký hiệu"), method="search")
    doc_type = django_filters.ChoiceFilter(label=_("Loại văn bản"), choices=DocumentType.choices)
    drafting_unit = django_filters.ModelChoiceFilter(label=_("Đơn vị soạn"), queryset=None)
    signer = django_filters.CharFilter(label=_("Người ký"), field_name="signer__user__full_name",
                                       lookup_expr="icontains")

    class Meta:
        model = Outgoing
        fields = ["q", "doc_type", "drafting_unit", "signer"]

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["drafting_unit"].queryset = agency.units.all()

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(summary__icontains=word) | Q(notation__icontains=word))
        return queryset


INCOMING_COLUMNS = [
    _("Ngày đến"), _("Số đến"), _("Tác giả"), _("Số, ký hiệu văn bản"), _("Ngày tháng văn bản"),
    _("Tên loại và trích yếu nội dung"), _("Đơn vị hoặc người nhận"), _("Ngày chuyển"), _("Ký nhận"), _("Ghi chú"),
]
ACTIVE_CONTENT = _("Có nội dung chủ động")
INCOMING_WIDTHS = [0.07, 0.05, 0.14, 0.1, 0.07, 0.24, 0.13, 0.07, 0.05, 0.08]


def incoming_register_queryset(agency, year, kind=Register.Kind.INCOMING):
    return (
        Incoming.objects.filter(agency=agency, year=year, arrival_number__isnull=False)
        .select_related("sender_agency")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.filter(is_current=True)
                                   .select_related("unit", "member__user")))
        .annotate(has_active_content=Exists(
            IncomingFile.objects.filter(incoming=OuterRef("pk")).exclude(active_content=[])))
    )


def _lead(incoming):
    return "; ".join(a.target for a in incoming.assignments.all() if a.role == Assignment.Role.LEAD)


def incoming_register_row(i):
    notes = " ".join(str(x) for x in (i.get_source_display(), i.get_secrecy_display() if i.secrecy else "",
                                      i.get_urgency_display() if i.urgency else "",
                                      ACTIVE_CONTENT if getattr(i, "has_active_content", False) else "",
                                      i.note) if x)
    return [
        _d(i.registered_at), i.arrival_number, i.sender_name, i.notation,
        i.doc_date.strftime("%d/%m/%Y") if i.doc_date else "", f"{i.get_doc_type_display()} – {i.summary}",
        _lead(i), _d(i.routed_at), "", notes,
    ]


class IncomingRegisterTable(tables.Table):
    registered_at = tables.DateTimeColumn(verbose_name=_("Ngày đến"), format="d/m/Y")
    arrival_number = tables.Column(verbose_name=_("Số đến"), linkify=("incoming_detail", [tables.A("pk")]))
    sender_name = tables.Column(verbose_name=_("Cơ quan ban hành"))
    notation = tables.Column(verbose_name=_("Số, ký hiệu"))
    doc_date = tables.DateColumn(verbose_name=_("Ngày văn bản"), format="d/m/Y")
    summary = tables.Column(verbose_name=_("Trích yếu"))
    lead = tables.Column(verbose_name=_("Đơn vị, người nhận"), empty_values=(), orderable=False)
    routed_at = tables.DateTimeColumn(verbose_name=_("Ngày chuyển"), format="d/m/Y")
    source = tables.Column(verbose_name=_("Nguồn"))
    status = tables.Column(verbose_name=_("Trạng thái"))

    number_field = "arrival_number"

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}
        order_by = "-arrival_number"

    def render_lead(self, record):
        return _lead(record)

    def render_summary(self, record, value):
        if getattr(record, "has_active_content", False):
            return format_html('<span class="badge text-bg-danger" data-testid="active-content">{}</span> {}',
                               ACTIVE_CONTENT, value)
        return value


class IncomingRegisterFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Tìm trích yếu, số ký hiệu, tác giả"), method="search")
    source = django_filters.ChoiceFilter(label=_("Nguồn"), choices=Incoming.Source.choices)
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), choices=Incoming.Status.choices)
    doc_type = django_filters.ChoiceFilter(label=_("Loại văn bản"), choices=DocumentType.choices)

    class Meta:
        model = Incoming
        fields = ["q", "source", "status", "doc_type"]

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(summary__icontains=word) | Q(notation__icontains=word)
                                       | Q(sender_name__icontains=word))
        return queryset

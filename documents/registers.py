"""The registers of Decree 30, Annex IV, as rows for the page and for XLSX/PDF exports."""

import django_filters
import django_tables2 as tables
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Assignment, DocumentType, Incoming, IncomingFile, Outgoing, Recipient, Register, Secrecy, Urgency
from .tables import ChoiceColumn, DocumentTable, LocalDateColumn

OUTGOING_COLUMNS = [
    _("Số, ký hiệu văn bản"), _("Ngày tháng văn bản"), _("Tên loại và trích yếu nội dung"), _("Người ký"),
    _("Nơi nhận văn bản"), _("Đơn vị, người nhận bản lưu"), _("Số lượng bản"), _("Ngày chuyển"), _("Ký nhận"),
    _("Ghi chú"),
]
OUTGOING_WIDTHS = [0.1, 0.07, 0.22, 0.1, 0.2, 0.08, 0.05, 0.07, 0.05, 0.06]


def outgoing_register_queryset(agency, year, kind=Register.Kind.OUTGOING, documents=None):
    """The register's documents of `year`, out of `documents` (what the person may see; all if None)."""
    documents = Outgoing.objects.all() if documents is None else documents
    # The register's id as a value, not a subquery: the planner then knows how many rows it has (the agency's
    # register is a common value) and reads them by (register, year, number)'s index rather than sorting them all.
    register = Register.objects.filter(agency=agency, kind=kind).values_list("pk", flat=True).first()
    if register is None:
        return documents.none()
    return (
        # number IS NOT NULL (always true of an issued document) lets the unique (register, year, number) index serve.
        documents.filter(agency=agency, status=Outgoing.Status.ISSUED, year=year, number__isnull=False,
                         register_id=register)
        .select_related("signer__user", "drafting_unit")
        .prefetch_related(Prefetch("recipients", queryset=Recipient.objects.select_related("agency", "unit", "group")))
    )


def _labels(choices):
    """{value: label} translated once for a whole export, not once per row."""
    return {value: str(label) for value, label in choices}


def _dates():
    """A formatter of datetimes as the short local date, with the format looked up once."""
    fmt, zone = get_format("SHORT_DATE_FORMAT"), timezone.get_current_timezone()
    return lambda value: dateformat.format(value.astimezone(zone), fmt) if value else ""


EXPORT_CHUNK = 1000


def outgoing_register_rows(documents):
    """The export's rows of `documents` (outgoing_register_queryset), fetched EXPORT_CHUNK at a time."""
    types, secrecy, urgency, d = _labels(DocumentType.choices), _labels(Secrecy.choices), _labels(Urgency.choices), _dates()
    for o in documents.iterator(chunk_size=EXPORT_CHUNK):
        recipients = [r.label for r in o.recipients.all()]
        notes = " ".join(x for x in (secrecy.get(o.secrecy, o.secrecy) if o.secrecy else "",
                                     urgency.get(o.urgency, o.urgency) if o.urgency else "") if x)
        signer = o.signer.user.full_name
        yield [
            o.notation, d(o.issued_at), f"{types.get(o.doc_type, o.doc_type)} – {o.summary}",
            f"{signer} ({o.signer.position})" if o.signer.position else signer,
            "; ".join(recipients), f"VT, {o.drafting_unit.abbreviation}", len(recipients) + o.archive_copies,
            d(o.issued_at), "", notes,
        ]


class OutgoingRegisterTable(DocumentTable):
    number = tables.Column(verbose_name=_("Số, ký hiệu"), accessor="notation", order_by=("number",),
                           linkify=("outgoing_detail", [tables.A("pk")]))
    issued_at = LocalDateColumn(verbose_name=_("Ngày văn bản"), format="d/m/Y")
    doc_type = ChoiceColumn(DocumentType.choices, field="doc_type", verbose_name=_("Loại"))
    summary = tables.Column(verbose_name=_("Trích yếu"))
    signer = tables.Column(verbose_name=_("Người ký"), accessor="signer__user__full_name",
                           order_by=("signer__user__full_name",))
    recipients = tables.Column(verbose_name=_("Nơi nhận"), empty_values=(), orderable=False)
    archive = tables.Column(verbose_name=_("Bản lưu"), empty_values=(), orderable=False)
    copies = tables.Column(verbose_name=_("Số bản"), empty_values=(), orderable=False)

    number_field = "number"

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}
        template_name = "documents/_table.html"
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


def incoming_register_queryset(agency, year, kind=Register.Kind.INCOMING, documents=None):
    """The register's documents of `year`, out of `documents` (what the person may see; all if None)."""
    documents = Incoming.objects.all() if documents is None else documents
    return (
        documents.filter(agency=agency, year=year, arrival_number__isnull=False)
        .select_related("sender_agency")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.filter(is_current=True)
                                   .select_related("unit", "member__user")))
        .annotate(has_active_content=Exists(
            IncomingFile.objects.filter(incoming=OuterRef("pk")).exclude(active_content=[])))
    )


def _lead(incoming):
    return "; ".join(a.target for a in incoming.assignments.all() if a.role == Assignment.Role.LEAD)


def incoming_register_rows(documents):
    """The export's rows of `documents` (incoming_register_queryset), fetched EXPORT_CHUNK at a time."""
    types, sources, d = _labels(DocumentType.choices), _labels(Incoming.Source.choices), _dates()
    secrecy, urgency, active = _labels(Secrecy.choices), _labels(Urgency.choices), str(ACTIVE_CONTENT)
    for i in documents.iterator(chunk_size=EXPORT_CHUNK):
        notes = " ".join(x for x in (sources.get(i.source, i.source), secrecy.get(i.secrecy, i.secrecy) if i.secrecy else "",
                                     urgency.get(i.urgency, i.urgency) if i.urgency else "",
                                     active if getattr(i, "has_active_content", False) else "", i.note) if x)
        yield [
            d(i.registered_at), i.arrival_number, i.sender_name, i.notation,
            i.doc_date.strftime("%d/%m/%Y") if i.doc_date else "", f"{types.get(i.doc_type, i.doc_type)} – {i.summary}",
            _lead(i), d(i.routed_at), "", notes,
        ]


class IncomingRegisterTable(DocumentTable):
    registered_at = LocalDateColumn(verbose_name=_("Ngày đến"), format="d/m/Y")
    arrival_number = tables.Column(verbose_name=_("Số đến"), linkify=("incoming_detail", [tables.A("pk")]))
    sender_name = tables.Column(verbose_name=_("Cơ quan ban hành"))
    notation = tables.Column(verbose_name=_("Số, ký hiệu"))
    doc_date = LocalDateColumn(verbose_name=_("Ngày văn bản"), format="d/m/Y")
    summary = tables.Column(verbose_name=_("Trích yếu"))
    lead = tables.Column(verbose_name=_("Đơn vị, người nhận"), empty_values=(), orderable=False)
    routed_at = LocalDateColumn(verbose_name=_("Ngày chuyển"), format="d/m/Y")
    source = ChoiceColumn(Incoming.Source.choices, field="source", verbose_name=_("Nguồn"))
    status = ChoiceColumn(Incoming.Status.choices, field="status", verbose_name=_("Trạng thái"))

    number_field = "arrival_number"

    class Meta:
        attrs = {"class": "table table-sm table-hover align-middle mb-0"}
        template_name = "documents/_table.html"
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

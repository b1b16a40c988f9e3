import django_tables2 as tables
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.timezone import template_localtime
from django.utils.translation import gettext_lazy as _

from core.tables2 import page_cells
from documents.models import Delivery, EdxmlStatus, Incoming
from documents.templatetags.edxml import edxml_status
from incidents.models import Incident

CHANNEL_LABELS = {"portal": _("Trong cổng"), "peer": _("Liên thông"), "email": _("Thư điện tử"),
                  "paper": _("Bản giấy")}
STATUS_LABELS = {"out": dict(Delivery.Status.choices), "in": dict(Incoming.Status.choices)}
DIRECTION_LABELS = {"out": _("Đi"), "in": _("Đến")}
CELL_TEMPLATE = "reports/_table.html"  # django-tables2's table, its cells without per-cell attributes


class LocalTimeColumn(tables.Column):
    """DateTimeColumn's text (the `date` filter in Vietnam's time, "—" for none) without rendering a template per
    cell."""

    def __init__(self, *args, format, **kwargs):
        self.format = format
        super().__init__(*args, **kwargs)

    def render(self, value):
        return date_format(template_localtime(value), self.format)


def channel_label(value):
    return CHANNEL_LABELS.get(value, value)


def status_label(direction, value):
    return STATUS_LABELS.get(direction, {}).get(value, value)


def direction_label(value):
    return DIRECTION_LABELS.get(value, value)


def remote_status_text(code):
    """“01 · Đã đến”: the recipient's edXML status as plain text (exports)."""
    return f"{code} · {EdxmlStatus(code).label}" if code in EdxmlStatus.values else (code or "")


class TrafficTable(tables.Table):
    """The traffic log (sổ theo dõi lưu lượng công văn) over reports.selectors.traffic_for rows."""

    log_at = LocalTimeColumn(verbose_name=_("Thời điểm"), format="d/m/Y H:i")
    log_direction = tables.Column(verbose_name=_("Chiều"))
    log_notation = tables.Column(verbose_name=_("Văn bản"), order_by=("log_notation",))
    log_channel = tables.Column(verbose_name=_("Kênh"))
    log_counterpart = tables.Column(verbose_name=_("Nơi nhận / nơi gửi"))
    log_status = tables.Column(verbose_name=_("Trạng thái"))
    log_sent = LocalTimeColumn(verbose_name=_("Gửi xong"), format="d/m/Y H:i")
    log_arrived = LocalTimeColumn(verbose_name=_("Đến"), format="d/m/Y H:i")
    log_registered = LocalTimeColumn(verbose_name=_("Vào sổ"), format="d/m/Y H:i")
    log_completed = LocalTimeColumn(verbose_name=_("Hoàn thành"), format="d/m/Y H:i")
    open_incidents = frozenset()  # the view sets the ids of its page's deliveries with a failure still open

    class Meta:
        template_name = "reports/_traffic_table.html"
        attrs = {"class": "table table-sm table-hover align-middle mb-0", "data-testid": "traffic-table"}
        order_by = "-log_at"
        empty_text = _("Không có trao đổi nào khớp với bộ lọc.")

    @cached_property
    def page_cells(self):
        """(the row's attributes, its cells) of each row of the page, as django-tables2's rows give them
        (tests/reports/test_traffic_paging.py compares them): each column's render called on the row's own key,
        without django-tables2's walk of an accessor over a record for every cell, most of the rows' time."""
        return page_cells(self, lambda record, column: record.get(column.name))

    def render_log_direction(self, value):
        return direction_label(value)

    def render_log_channel(self, value):
        return channel_label(value)

    def render_log_status(self, record, value):
        """The delivery's (or incoming document's) status; under it the recipient's edXML status, and a
        failure still open."""
        parts = [format_html("{}", status_label(record["log_direction"], value))]
        if record.get("log_remote"):
            parts.append(format_html('<div class="small text-muted" data-testid="remote-status">{}</div>',
                                     edxml_status(record["log_remote"])))
        if record["log_direction"] == "out" and record["log_key"] // 2 in self.open_incidents:
            parts.append(format_html('<div><a class="badge text-bg-danger" href="{}?kind={}&amp;state=open" '
                                     'data-testid="open-incident">{}</a></div>', reverse("incident_list"),
                                     Incident.Kind.DELIVERY_FAILED, _("Sự cố chưa khắc phục")))
        return format_html_join("", "{}", ((part,) for part in parts))

    def render_log_counterpart(self, record, value):
        if record["log_address"]:
            return format_html("{}<br><small class='text-muted'>{}</small>", value, record["log_address"])
        return value

    def render_log_notation(self, record, value):
        if record["log_direction"] == "out":
            url = reverse("outgoing_detail", args=[record["log_outgoing"]])
        else:
            url = reverse("incoming_detail", args=[record["log_incoming"]])
        return format_html("<a href='{}'>{}</a><br><small>{}</small>", url, value or "—",
                           (record["log_summary"] or "")[:120])


def incident_link(incident):
    """Where the thing an incident is about can be seen, or ""."""
    subject, kind = incident.subject, Incident.Kind
    if subject is None:
        return ""
    if incident.kind == kind.DELIVERY_FAILED:
        return reverse("outgoing_detail", args=[subject.outgoing_id])
    if incident.kind == kind.SIGNATURE:
        return reverse("incoming_detail", args=[subject.incoming_id])
    if incident.kind == kind.OVERDUE:
        return reverse("incoming_detail", args=[subject.pk])
    if incident.kind == kind.RELAY_UNREACHABLE:
        return reverse("outgoing_list")
    return reverse("mailbox_settings")


class IncidentTable(tables.Table):
    occurred_at = LocalTimeColumn(verbose_name=_("Xảy ra lúc"), format="d/m/Y H:i")
    kind = tables.Column(verbose_name=_("Loại sự cố"))
    # What the viewer may read of the cause (reports.selectors.incidents_visible_to).
    cause = tables.Column(verbose_name=_("Nguyên nhân"), orderable=False, accessor="cause_shown")
    resolved_at = LocalTimeColumn(verbose_name=_("Khắc phục lúc"), format="d/m/Y H:i")
    resolution = tables.TemplateColumn(verbose_name=_("Cách khắc phục"), orderable=False,
                                       template_name="reports/_incident_resolution.html")

    class Meta:
        model = Incident
        template_name = CELL_TEMPLATE
        fields = ["occurred_at", "kind", "cause", "resolved_at", "resolution"]
        attrs = {"class": "table table-sm table-hover align-middle mb-0", "data-testid": "incident-table"}
        order_by = "-occurred_at"
        empty_text = _("Không có sự cố nào.")

    @cached_property
    def page_cells(self):
        """The page's rows as django-tables2's rows give them (tests/reports/test_incident_cells.py compares them),
        each value read by its own attribute: the kind's label, the rest plain attributes."""
        def value_of(record, column):
            return record.get_kind_display() if column.name == "kind" else getattr(record, column.accessor)

        return page_cells(self, value_of)

    def render_cause(self, record, value):
        link = incident_link(record)
        return format_html("{} <a href='{}'>{}</a>", value, link, _("Xem")) if link else value

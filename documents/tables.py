import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Outgoing


class OutgoingTable(tables.Table):
    notation = tables.Column(verbose_name=_("Số, ký hiệu"), linkify=("outgoing_detail", [tables.A("pk")]),
                             empty_values=(), order_by=("year", "number"))
    summary = tables.Column(verbose_name=_("Trích yếu"), linkify=("outgoing_detail", [tables.A("pk")]))
    doc_type = tables.Column(verbose_name=_("Loại"))
    drafting_unit = tables.Column(verbose_name=_("Đơn vị soạn"), accessor="drafting_unit__abbreviation")
    signer = tables.Column(verbose_name=_("Người ký"), accessor="signer__user__full_name")
    status = tables.Column(verbose_name=_("Trạng thái"))
    updated_at = tables.DateTimeColumn(verbose_name=_("Cập nhật"), format="d/m/Y H:i")

    class Meta:
        model = Outgoing
        fields = ["notation", "doc_type", "summary", "drafting_unit", "signer", "status", "updated_at"]
        order_by = "-updated_at"
        attrs = {"class": "table table-hover align-middle mb-0"}

    def render_notation(self, record):
        return record.notation or "—"


class IncomingTable(tables.Table):
    arrived_at = tables.DateTimeColumn(verbose_name=_("Đến lúc"), format="d/m/Y H:i")
    sender_name = tables.Column(verbose_name=_("Cơ quan gửi"))
    notation = tables.Column(verbose_name=_("Số, ký hiệu"), linkify=("incoming_detail", [tables.A("pk")]))
    summary = tables.Column(verbose_name=_("Trích yếu"), linkify=("incoming_detail", [tables.A("pk")]))
    source = tables.Column(verbose_name=_("Nguồn"))
    urgency = tables.Column(verbose_name=_("Độ khẩn"))
    status = tables.Column(verbose_name=_("Trạng thái"))

    class Meta:
        attrs = {"class": "table table-hover align-middle mb-0"}
        order_by = "-arrived_at"

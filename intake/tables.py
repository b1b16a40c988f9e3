"""The mailbox list as a django-tables2 table: it sorts by the time received and pages like every other list."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import InboundMessage

RECEIVED = """{% load humanize %}<div class="text-nowrap">{{ record.received_at|date:"d/m/Y H:i" }}</div>
<div class="small text-muted">{{ record.received_at|naturaltime }}</div>"""
SENDER = """{% load i18n %}<div>{{ record.sender_name|default:record.sender_email }}</div>
<div class="small text-muted">{{ record.sender_email }}</div>{% if not record.sender_is_official %}
<span class="badge text-bg-warning" data-testid="not-official">{% translate "ngoài tên miền công vụ" %}</span>{% endif %}"""
SUBJECT = """{% load i18n %}<a href="{% url 'inbound_detail' record.pk %}">{{ record.subject|default:_("(không có tiêu đề)") }}</a>
{% if record.hint_number_notation %}<div class="small text-muted">{% translate "Số, ký hiệu" %}: {{ record.hint_number_notation }}</div>{% endif %}"""
WARNINGS = """{% load i18n %}{% if record.signature_problems %}<span class="badge text-bg-danger" data-testid="badge-signature">{% translate "chữ ký số có vấn đề" %}</span>{% endif %}
{% if record.quarantined %}<span class="badge text-bg-danger" data-testid="badge-quarantine">{% translate "có tệp bị cách ly" %}</span>{% endif %}
{% if record.possible_duplicate %}<span class="badge text-bg-warning" data-testid="badge-duplicate">{% translate "có thể trùng" %}</span>{% endif %}
{% if record.warnings %}<span class="badge text-bg-secondary" title="{{ record.warnings|join:' | ' }}">{{ record.warnings|length }}</span>
<div class="small text-muted">{{ record.warnings.0|truncatechars:80 }}</div>{% endif %}"""
STATUS = """<span class="badge text-bg-light border">{{ record.get_status_display }}</span>"""


class InboundTable(tables.Table):
    received = tables.TemplateColumn(RECEIVED, verbose_name=_("Nhận lúc"), order_by=("received_at", "pk"))
    sender = tables.TemplateColumn(SENDER, verbose_name=_("Người gửi"), orderable=False)
    subject = tables.TemplateColumn(SUBJECT, verbose_name=_("Tiêu đề"), orderable=False)
    attachment_count = tables.Column(verbose_name=_("Tệp"), orderable=False,
                                     attrs={"th": {"class": "text-center"}, "td": {"class": "text-center"}})
    warnings = tables.TemplateColumn(WARNINGS, verbose_name=_("Cảnh báo"), orderable=False)
    status = tables.TemplateColumn(STATUS, verbose_name=_("Trạng thái"), orderable=False)

    class Meta:
        model = InboundMessage
        fields = []
        sequence = ["received", "sender", "subject", "attachment_count", "warnings", "status"]
        order_by = "-received"
        order_by_field = "sort"
        empty_text = _("Không có thư nào.")
        attrs = {"class": "table table-hover align-middle mb-0", "data-testid": "inbound-table"}
        row_attrs = {"data-testid": "inbound-row"}

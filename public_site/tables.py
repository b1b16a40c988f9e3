"""The citizen's replies at /me/ as a django-tables2 table, paged like every other list of the portal."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from documents.models import Delivery

DOCUMENT = """{% load i18n %}<a class="fw-semibold" href="{% url 'public_reply' record.pk %}">{{ record.outgoing.get_doc_type_display }} {% translate "số" %} {{ record.outgoing.notation }}</a>
<div class="my-1">{{ record.outgoing.summary }}</div>"""
SENDER = """{% load i18n %}{{ record.outgoing.agency.name }}{% if record.dossier %}<div class="small text-muted">{% translate "Số hồ sơ" %}: {{ record.dossier }}</div>{% endif %}
<div class="small text-muted">{% translate "gửi tới" %} {{ record.email }}</div>"""
FILES = """{% load i18n %}<div class="d-flex flex-wrap gap-2">{% for f in record.outgoing.files.all %}{% if f.signed %}
<a class="btn btn-sm {% if f.kind == 'main' %}btn-outline-primary{% else %}btn-outline-secondary{% endif %}" href="{% url 'public_reply_file' record.pk f.pk %}" download><i class="bi bi-download"></i> {% if f.kind == "main" %}{% translate "Văn bản" %}{% else %}{{ f.name }}{% endif %}</a>
{% endif %}{% endfor %}</div>"""


class CitizenReplyTable(tables.Table):
    issued_at = tables.DateColumn(verbose_name=_("Ngày ban hành"), accessor="outgoing__issued_at", format="d/m/Y",
                                  orderable=False)
    document = tables.TemplateColumn(DOCUMENT, verbose_name=_("Văn bản"), orderable=False)
    sender = tables.TemplateColumn(SENDER, verbose_name=_("Cơ quan gửi"), orderable=False)
    files = tables.TemplateColumn(FILES, verbose_name=_("Tải về"), orderable=False)

    class Meta:
        model = Delivery
        fields = []
        sequence = ["issued_at", "document", "sender", "files"]
        attrs = {"class": "table align-middle mb-0", "data-testid": "citizen-replies"}
        row_attrs = {"data-testid": "citizen-reply", "data-delivery": lambda record: record.pk}

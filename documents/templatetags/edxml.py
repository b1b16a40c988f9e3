"""edXML status codes ("01", "04"…) said with their meaning: a tooltip where a code is shown, and a legend."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from documents.incoming_workflow import MEANINGS
from documents.models import EdxmlStatus

register = template.Library()


@register.simple_tag
def edxml_status(code):
    """ "01 · Đã đến" with the code explained on hover and to screen readers."""
    if not code:
        return ""
    label = EdxmlStatus(code).label
    meaning = _("Mã trạng thái edXML %(code)s: %(meaning)s") % {"code": code, "meaning": MEANINGS[code]}
    return format_html('<abbr title="{}" data-testid="edxml-code">{}</abbr> · {}', meaning, code, label)


@register.inclusion_tag("documents/_edxml_legend.html")
def edxml_legend():
    return {"statuses": [(status.value, status.label, MEANINGS[status]) for status in EdxmlStatus]}

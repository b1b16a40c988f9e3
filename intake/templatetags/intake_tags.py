from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def age(value):
    """How long ago a message arrived, in words ("3 giờ trước"): a clerk must answer promptly."""
    if not value:
        return ""
    minutes = max(0, int((timezone.now() - value).total_seconds() // 60))
    if minutes < 1:
        return _("vừa nhận")
    if minutes < 60:
        return ngettext("%(count)s phút trước", "%(count)s phút trước", minutes) % {"count": minutes}
    hours = minutes // 60
    if hours < 24:
        return ngettext("%(count)s giờ trước", "%(count)s giờ trước", hours) % {"count": hours}
    days = hours // 24
    return ngettext("%(count)s ngày trước", "%(count)s ngày trước", days) % {"count": days}

"""What a meeting change touches: the fields a MeetingChange keeps before and after, their labels, and the lines
"label: old → new" that the change e-mail and the change history show."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LABELS = {
    "starts_at": _("Bắt đầu"),
    "ends_at": _("Kết thúc"),
    "place": _("Địa điểm"),
    "online_link": _("Đường dẫn họp trực tuyến"),
    "title": _("Tên cuộc họp"),
    "content": _("Nội dung"),
    "chair_name": _("Chủ trì"),
}
TIMES = ("starts_at", "ends_at")


def snapshot(meeting, fields):
    """The meeting's `fields` as JSON values (times as ISO 8601)."""
    values = {}
    for name in fields:
        value = getattr(meeting, name)
        values[name] = value.isoformat() if name in TIMES else value
    return values


def shown(name, value):
    """A stored value as a reader sees it: times as HH:MM dd/mm/yyyy in Vietnam's zone, empty as a dash."""
    if not value:
        return "—"
    if name in TIMES:
        return timezone.localtime(datetime.fromisoformat(value)).strftime("%H:%M %d/%m/%Y")
    return value


def change_lines(change):
    """[(label, old, new)] for every field the change altered, in the order of LABELS."""
    return [(LABELS[name], shown(name, change.before.get(name)), shown(name, change.after.get(name)))
            for name in LABELS if name in change.after and change.after[name] != change.before.get(name)]

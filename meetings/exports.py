"""The attendance list of a meeting as XLSX and PDF (core.exports: every cell is data, never a formula)."""

from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from core import exports
from core.ical import local

from .selectors import attendance


def _when(moment):
    return local(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def attendance_table(meeting):
    """(title, subtitle, headers, rows) of the meeting's attendance list."""
    headers = [_("STT"), _("Thành phần mời"), _("Loại"), _("Trả lời"), _("Người tham dự"), _("Lý do"),
               _("Trả lời lúc"), _("Trả lời qua")]
    rows = [
        [number, invitee.name, invitee.get_kind_display(), invitee.get_answer_display(), invitee.attendees,
         invitee.reason, _when(invitee.answered_at), invitee.get_answered_via_display()]
        for number, invitee in enumerate(attendance(meeting)["invitees"], start=1)
    ]
    title = _("Danh sách tham dự: %(title)s") % {"title": meeting.title}
    where = meeting.place or meeting.online_link
    subtitle = f"{_when(meeting.starts_at)} – {where}" if where else _when(meeting.starts_at)
    return title, subtitle, headers, rows


def attendance_xlsx(meeting):
    title, subtitle, headers, rows = attendance_table(meeting)
    return exports.xlsx_bytes(_("Danh sách tham dự"), headers, rows, subtitle=f"{title} · {subtitle}")


def attendance_pdf(meeting):
    title, subtitle, headers, rows = attendance_table(meeting)
    # reportlab reads the title lines as markup: the meeting's own words are escaped.
    return exports.pdf_bytes(escape(title), headers, rows, subtitle=escape(subtitle),
                             col_widths=[0.05, 0.2, 0.09, 0.1, 0.22, 0.14, 0.1, 0.1])

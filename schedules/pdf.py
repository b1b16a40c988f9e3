"""The published week as a PDF laid out like the schedules Vietnamese agencies print: A4 landscape, the agency
and the national motto at the top, "LỊCH CÔNG TÁC TUẦN" with its week and dates, then one table day by day
(Thứ/Ngày, Thời gian, Nội dung, Chủ trì, Thành phần, Địa điểm, Đơn vị chuẩn bị) with the changes since the
previous version marked in bold red. Only public entries are printed: the one PDF goes outside the agency.
"""

import io
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import exports as core_exports
from core.text import nfc

from .models import Entry

WEEKDAYS = [gettext_lazy("Thứ Hai"), gettext_lazy("Thứ Ba"), gettext_lazy("Thứ Tư"), gettext_lazy("Thứ Năm"),
            gettext_lazy("Thứ Sáu"), gettext_lazy("Thứ Bảy"), gettext_lazy("Chủ nhật")]


def weekday_name(day):
    return str(WEEKDAYS[day.weekday()])


def mark_label(mark):
    return str(Entry.Change(mark).label) if mark else ""


def time_label(entry):
    """"Sáng 08:00 - 10:30", "Chiều 14:00", or "Cả ngày", as the agencies print them."""
    if entry.all_day:
        return _("Cả ngày")
    start = timezone.localtime(entry.starts_at)
    part = _("Sáng") if start.hour < 12 else _("Chiều") if start.hour < 18 else _("Tối")
    text = f"{part} {start:%H:%M}"
    if entry.ends_at:
        text += f" - {timezone.localtime(entry.ends_at):%H:%M}"
    return text


def person_name(membership):
    return membership.user.full_name or membership.user.email


def participants_label(row):
    """Leaders, units and people who attend (names, as a selectors.EntryRow holds them), then what the office
    typed."""
    names = [*row.leaders, *row.units, *row.people]
    if row.participants:
        names.append(row.participants)
    return "; ".join(names)


def row_mark(row):
    """The mark a row is printed with: "Hoãn" while postponed, else its change in this version."""
    return Entry.Change.POSTPONED if row.is_postponed else row.change


def place_label(entry):
    return "\n".join(part for part in (entry.place, entry.online_link) if part)


def title_lines(schedule, number):
    """The heading: title with the week number, the dates, and which adjustment this is."""
    start = schedule.week_start
    lines = [_("LỊCH CÔNG TÁC TUẦN %(week)s") % {"week": start.isocalendar().week},
             _("Từ ngày %(start)s đến ngày %(end)s") % {"start": f"{start:%d/%m/%Y}",
                                                       "end": f"{start + timedelta(days=6):%d/%m/%Y}"}]
    if number > 1:
        lines.append(_("(Điều chỉnh lần %(n)s)") % {"n": number - 1})
    return lines


def _escape(value):
    return core_exports._escape(nfc(value or ""))


def _fonts():
    """Liberation Serif (every Vietnamese letter), with <b> in a paragraph meaning its bold face."""
    core_exports._fonts()
    pdfmetrics.registerFontFamily("Serif", normal="Serif", bold="Serif-Bold", italic="Serif", boldItalic="Serif-Bold")


def schedule_pdf(version, entries):
    """The PDF bytes of a version: `entries` are the selectors.EntryRow of its public entries."""
    _fonts()
    schedule = version.schedule
    agency = schedule.agency
    buffer = io.BytesIO()
    title = title_lines(schedule, version.number)
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                                 topMargin=10 * mm, bottomMargin=10 * mm, title=nfc(" ".join(title[:2])),
                                 author=nfc(agency.name))
    width = landscape(A4)[0] - 20 * mm
    body = ParagraphStyle("body", fontName="Serif", fontSize=9.5, leading=12)
    head = ParagraphStyle("head", parent=body, fontName="Serif-Bold", alignment=1)
    centred = ParagraphStyle("centred", parent=body, fontSize=11, leading=14, alignment=1)
    centred_bold = ParagraphStyle("centred_bold", parent=centred, fontName="Serif-Bold")
    big = ParagraphStyle("big", parent=centred_bold, fontSize=15, leading=20)

    # The issuer as agencies print it: the body above (the agency for a unit's schedule, else the agency's
    # parent), the issuer itself in bold, each heading underlined by a short rule.
    above = agency.name if schedule.unit_id else (agency.parent.name if agency.parent_id else "")
    issuer = [Paragraph(_escape(above.upper()), centred)] if above else []
    issuer += [Paragraph(_escape((schedule.unit.name if schedule.unit_id else agency.name).upper()), centred_bold),
               HRFlowable(width="30%", thickness=0.6, color=colors.black, spaceBefore=4, hAlign="CENTER")]
    motto = [Paragraph(_escape(_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")), centred_bold),
             Paragraph(_escape(_("Độc lập - Tự do - Hạnh phúc")), centred_bold),
             HRFlowable(width="45%", thickness=0.6, color=colors.black, spaceBefore=4, hAlign="CENTER")]
    top = Table([[issuer, motto]], colWidths=[width * 0.45, width * 0.55])
    top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    story = [top, Spacer(1, 5 * mm), Paragraph(_escape(title[0]), big)]
    story += [Paragraph(_escape(line), centred) for line in title[1:]]
    story.append(Spacer(1, 4 * mm))

    headers = [_("Thứ/Ngày"), _("Thời gian"), _("Nội dung"), _("Chủ trì"), _("Thành phần"), _("Địa điểm"),
               _("Đơn vị chuẩn bị")]
    data = [[Paragraph(_escape(h), head) for h in headers]]
    spans = []
    by_day = {}
    for entry in entries:
        by_day.setdefault(timezone.localtime(entry.starts_at).date(), []).append(entry)
    for offset in range(7):
        day = schedule.week_start + timedelta(days=offset)
        day_entries = by_day.get(day, [])
        if offset >= 5 and not day_entries:
            continue  # Saturday and Sunday are printed only when something happens
        first_row = len(data)
        label = Paragraph(f"<b>{_escape(weekday_name(day))}</b><br/>{day:%d/%m/%Y}", body)
        if not day_entries:
            data.append([label, "", "", "", "", "", ""])
        for index, entry in enumerate(day_entries):
            content = _escape(entry.content).replace("\n", "<br/>")
            if row_mark(entry):
                content = f'<font color="#c70d0d"><b>{_escape(mark_label(row_mark(entry)))}:</b></font> {content}'
            data.append([
                label if index == 0 else "",
                Paragraph(_escape(time_label(entry)), body),
                Paragraph(content, body),
                Paragraph(_escape(entry.who_chairs), body),
                Paragraph(_escape(participants_label(entry)), body),
                Paragraph(_escape(place_label(entry)).replace("\n", "<br/>"), body),
                Paragraph(_escape(entry.preparing_unit), body),
            ])
        if len(data) - first_row > 1:
            spans.append(("SPAN", (0, first_row), (0, len(data) - 1)))
    widths = [width * w for w in (0.09, 0.10, 0.29, 0.13, 0.17, 0.12, 0.10)]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        *spans,
    ]))
    story.append(table)
    story.append(Spacer(1, 4 * mm))
    published = timezone.localtime(version.published_at)
    story.append(Paragraph(_escape(_("Lịch được công bố lúc %(time)s trên cổng trao đổi văn bản.") % {
        "time": f"{published:%H:%M %d/%m/%Y}"}), body))
    document.build(story)
    return buffer.getvalue()

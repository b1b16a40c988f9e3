"""The report and the traffic log as text for the page, XLSX and PDF (Vietnamese number format: 1.234,5)."""

import functools
import io

from django.utils import numberformat, timezone
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import exports as portal_exports

from .evaluation import SCORES
from .tables import channel_label, direction_label, remote_status_text, status_label

CHART_ITEMS = 30  # bars at most in a chart of agencies or units
ISSUED_COLOR, RECEIVED_COLOR = colors.HexColor("#1f4e79"), colors.HexColor("#c55a11")


@functools.lru_cache(maxsize=8)
def _separators(language):
    return (get_format("DECIMAL_SEPARATOR", language), get_format("NUMBER_GROUPING", language),
            get_format("THOUSAND_SEPARATOR", language))


@functools.lru_cache(maxsize=8)
def _python_to_language(language):
    """The table turning Python's "1,234.5" into the language's figures, or None when its groups are not of three."""
    decimal_separator, grouping, thousands = _separators(language)
    return str.maketrans({",": thousands, ".": decimal_separator}) if grouping == 3 else None


def _formatted(value, places=None):
    """number_format(value, places, force_grouping=True) with the language's separators looked up once, not three
    times for each of the thousands of figures of a report. A whole number, or a float already rounded to `places`
    (decimal), is written by Python's own grouping, the same text (tests/reports/test_usage_numbers.py) in a tenth of
    the time; anything else (Decimal, a float Python writes with an exponent) by number_format."""
    language = get_language()
    table = _python_to_language(language)
    if table is not None and (type(value) is int or (type(value) is float and "e" not in repr(value))):
        return (f"{value:,}" if places is None else f"{value:,.{places}f}").translate(table)
    decimal_separator, grouping, thousands = _separators(language)
    return numberformat.format(value, decimal_separator, places, grouping, thousands, force_grouping=True,
                               use_l10n=True)


def number(value):
    """1.234 — the number format of portal/formats, which both languages share."""
    return "—" if value is None else _formatted(value)


def decimal(value, places=1):
    # Rounded first: number_format cuts the digits it does not show (66,66… would read 66,6).
    return "—" if value is None else _formatted(round(value, places), places)


def percent(value):
    return "—" if value is None else decimal(value) + " %"


def _signed(text, value):
    return text if value is None or value <= 0 else "+" + text


def _pair(hours, index, scale=1):
    return None if not hours or hours[index] is None else hours[index] / scale


def indicators(report):
    """The headline figures: (label, unit kind, current, previous) — kinds: count, share, hours, days."""
    c, p = report.current, report.previous
    return [
        (_("Văn bản đi đã phát hành"), "count", c.issued, p.issued),
        (_("Văn bản đến đã nhận"), "count", c.received, p.received),
        (_("Tỷ lệ văn bản đi gửi bằng điện tử (cổng, liên thông, thư điện tử)"), "share", c.electronic_share,
         p.electronic_share),
        (_("Tỷ lệ văn bản đi gửi kèm bản giấy"), "share", c.paper_share, p.paper_share),
        (_("Tỷ lệ văn bản đến nhận qua môi trường điện tử"), "share", c.received_electronic_share,
         p.received_electronic_share),
        (_("Tỷ lệ gửi điện tử thành công"), "share", c.success_rate, p.success_rate),
        (_("Thời gian từ khi đến đến khi vào sổ – trung vị (giờ)"), "hours", _pair(c.registration_hours, 0), None),
        (_("Thời gian từ khi đến đến khi vào sổ – phân vị 95 (giờ)"), "hours", _pair(c.registration_hours, 1), None),
        (_("Thời gian từ khi đến đến khi hoàn thành – trung vị (ngày)"), "days",
         _pair(c.completion_hours, 0, 24), None),
        (_("Thời gian từ khi đến đến khi hoàn thành – phân vị 95 (ngày)"), "days",
         _pair(c.completion_hours, 1, 24), None),
        (_("Văn bản đến quá hạn xử lý"), "count", c.overdue, p.overdue),
        (_("Tỷ lệ văn bản đến xử lý đúng hạn"), "share", c.on_time_rate, p.on_time_rate),
        (_("Văn bản trả lời công dân, doanh nghiệp đã gửi"), "count", c.citizen_replies, p.citizen_replies),
    ]


def meeting_indicators(report):
    """The work schedules and meetings section (issue 14): (label, unit kind, current, previous)."""
    c, p = report.meetings, report.meetings_previous
    return [
        (_("Lịch công tác tuần đã công bố"), "count", c.schedules_published, p.schedules_published),
        (_("Lịch công tác tuần đã công bố và gửi bằng điện tử"), "count", c.schedules_sent, p.schedules_sent),
        (_("Cuộc họp đã tổ chức"), "count", c.meetings_held, p.meetings_held),
        (_("Cuộc họp có tài liệu họp điện tử"), "count", c.meetings_with_papers, p.meetings_with_papers),
        (_("Lượt trả lời giấy mời họp"), "count", c.answered, p.answered),
        (_("Tỷ lệ giấy mời họp được trả lời bằng điện tử (trong cổng, qua đường dẫn)"), "share",
         c.electronic_answer_share, p.electronic_answer_share),
        (_("Tài liệu họp phát hành không kèm bản giấy"), "count", c.papers_without_copies, p.papers_without_copies),
        (_("Tỷ lệ tài liệu họp không kèm bản giấy"), "share", c.paperless_share, p.paperless_share),
    ]


def exchange_indicators(report):
    """Exchanges with other installations and revisions of issued documents (issue 15): (label, unit kind,
    current, previous)."""
    c, p = report.current, report.previous
    r, rp = report.revisions, report.revisions_previous
    return [
        (_("Lượt gửi liên thông tới cơ quan dùng hệ thống khác"), "count", c.peer_deliveries, p.peer_deliveries),
        (_("Lượt gửi liên thông thành công"), "count", c.peer_delivered, p.peer_delivered),
        (_("Tỷ lệ gửi liên thông thành công"), "share", c.peer_success_rate, p.peer_success_rate),
        (_("Văn bản đến nhận qua liên thông"), "count", c.received_peer, p.received_peer),
        (_("Văn bản đi bị thu hồi"), "count", r.recalls, rp.recalls),
        (_("Văn bản đi được cập nhật, đính chính"), "count", r.updates, rp.updates),
        (_("Văn bản đi được thay thế"), "count", r.replacements, rp.replacements),
    ]


EXCHANGE_NOTE = gettext_lazy(
    "Lượt gửi liên thông tính theo ngày phát hành văn bản đi, văn bản đến theo ngày đến; thu hồi, cập nhật, "
    "thay thế tính theo ngày đề nghị, khi người ký đã đồng ý và nơi nhận đã được thông báo.")


def _show(kind, value):
    if kind == "count":
        return number(value)
    if kind == "share":
        return percent(value)
    return decimal(value)


def _change(kind, now, before):
    if now is None or before is None:
        return "—"
    difference = now - before
    if kind != "count":
        difference = round(difference, 1) + 0.0  # no “-0,0”
    if kind == "share":
        return _signed(decimal(difference), difference) + " " + _("điểm %")
    if kind == "count":
        relative = f" ({_signed(percent(100.0 * difference / before), difference)})" if before else ""
        return _signed(number(difference), difference) + relative
    return _signed(decimal(difference), difference)


def indicator_rows(report, figures=indicators):
    """The headline figures (or another section's, e.g. meeting_indicators) as text: label, this period, the
    previous one, the change."""
    return [(label, _show(kind, now), _show(kind, before), _change(kind, now, before))
            for label, kind, now, before in figures(report)]


def _summary_rows(figures):
    return [[label, _rounded(now), _rounded(before), None if now is None or before is None else _rounded(now - before)]
            for label, _kind, now, before in figures]


BREAKDOWN_HEADERS = [gettext_lazy("Văn bản đi"), gettext_lazy("Gửi điện tử"), gettext_lazy("Kèm bản giấy"),
                     gettext_lazy("Văn bản đến"), gettext_lazy("Quá hạn"), gettext_lazy("Đúng hạn")]


def breakdown_headers():
    return [str(h) for h in BREAKDOWN_HEADERS]


def breakdown_row(row):
    f = row.figures
    return [row.label, number(f.issued), percent(f.electronic_share), percent(f.paper_share), number(f.received),
            number(f.overdue), percent(f.on_time_rate)]


def month_rows(report):
    return [[row.label, number(row.figures.issued), number(row.figures.received)] for row in report.months]


def type_rows(report):
    return [[row.label, number(row.figures.issued), number(row.figures.received)] for row in report.by_type]


def _chart_units(report):
    """The units with the most documents due, at most CHART_ITEMS, by on-time rate."""
    due = [row for row in report.by_unit if row.figures.on_time + row.figures.late]
    due = sorted(due, key=lambda r: -(r.figures.on_time + r.figures.late))[:CHART_ITEMS]
    return sorted(due, key=lambda r: r.figures.on_time_rate)


def _chart_agencies(report):
    """The agencies that issued documents, at most CHART_ITEMS, the lowest electronic share first."""
    rows = [row for row in report.by_agency if row.figures.issued]
    return sorted(rows, key=lambda r: (r.figures.electronic_share, r.label))[:CHART_ITEMS]


def chart_data(report, evaluation=None):
    """What the page's charts draw (Chart.js), rounded to one decimal."""
    def share(value):
        return None if value is None else round(value, 1)

    agencies, units = _chart_agencies(report), _chart_units(report)
    return {
        "months": {"labels": [r.label for r in report.months], "issued": [r.figures.issued for r in report.months],
                   "received": [r.figures.received for r in report.months],
                   "issuedLabel": _("Văn bản đi"), "receivedLabel": _("Văn bản đến")},
        "agencies": {"labels": [r.label for r in agencies],
                     "values": [share(r.figures.electronic_share) for r in agencies],
                     "label": _("Tỷ lệ gửi điện tử (%)")},
        "units": {"labels": [r.label for r in units], "values": [share(r.figures.on_time_rate) for r in units],
                  "label": _("Tỷ lệ đúng hạn (%)")},
        "evaluation": evaluation_chart(evaluation) if evaluation is not None else None,
    }


def score_text(score):
    """“95,0 % (19/20)”, or “—” when nothing was due."""
    if not score.due:
        return "—"
    return f"{percent(score.rate)} ({number(score.done)}/{number(score.due)})"


def evaluation_text_rows(rows, with_unit=False):
    """Rows of reports.evaluation as text: the name, (the unit,) each score."""
    return [[row.label, *([row.unit] if with_unit else []), *(score_text(row.scores[name]) for name in SCORES)]
            for row in rows]


def evaluation_headers(first, with_unit=False):
    """The XLSX headers of an evaluation sheet: the name, (the unit,) then done, due and rate of each score."""
    headers = [first, *([_("Đơn vị")] if with_unit else [])]
    for label in SCORES.values():
        headers += [_("%(score)s – đạt") % {"score": label}, _("%(score)s – tổng số") % {"score": label},
                    _("%(score)s – tỷ lệ (%%)") % {"score": label}]
    return headers


def evaluation_sheet_rows(rows, with_unit=False):
    """Numbers as numbers: done, due and the rate (2 decimals, empty when nothing was due) of each score."""
    return [[row.label, *([row.unit] if with_unit else []),
             *(value for name in SCORES for value in (row.scores[name].done, row.scores[name].due,
                                                       _rounded(row.scores[name].rate)))]
            for row in rows]


def evaluation_chart(evaluation):
    """What the page's evaluation chart draws: each score's rate per unit (at most CHART_ITEMS units)."""
    rows = [r for r in evaluation.by_unit if any(score.due for score in r.scores.values())][:CHART_ITEMS]
    return {"labels": [r.label for r in rows],
            "datasets": [{"label": str(label), "values": [None if r.scores[name].rate is None
                                                          else round(r.scores[name].rate, 1) for r in rows]}
                         for name, label in SCORES.items()]}


def _evaluation_sheets(workbook, evaluation):
    _sheet(workbook, _("Đánh giá theo đơn vị"), evaluation_headers(_("Đơn vị")),
           evaluation_sheet_rows([*evaluation.by_unit, evaluation.total]))
    if evaluation.by_person is not None:
        _sheet(workbook, _("Đánh giá theo cán bộ"), evaluation_headers(_("Cán bộ"), with_unit=True),
               evaluation_sheet_rows(evaluation.by_person, with_unit=True))


def report_title():
    return _("Báo cáo tình hình trao đổi văn bản điện tử")


def report_subtitle(report, agency):
    scope = agency.name if len(report.agencies) == 1 else _("%(name)s và các cơ quan trực thuộc") % {"name": agency.name}
    return f"{scope} – {report.period.label}"


def _sheet(workbook, title, headers, rows, first=False):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title[:31]
    portal_exports.sheet_append(sheet, [str(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in rows:
        portal_exports.sheet_append(sheet, row)
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in rows[:200]])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 70)
    sheet.freeze_panes = "A2"
    return sheet


def _rounded(value):
    return None if value is None else round(value, 2)


def usage_xlsx(report, agency, evaluation=None):
    """The report as a workbook: the figures, then one sheet per breakdown, then the evaluation of use (per unit,
    and per person when the viewer may see it); numbers stay numbers."""
    workbook = Workbook()
    summary_headers = [_("Chỉ tiêu"), _("Kỳ báo cáo"), _("Kỳ trước"), _("Thay đổi")]
    summary = _sheet(workbook, _("Tổng hợp"), summary_headers, _summary_rows(indicators(report)), first=True)
    summary.insert_rows(1, 3)
    summary["A1"], summary["A2"] = report_title(), portal_exports.neutralise(report_subtitle(report, agency))
    summary["A2"].data_type = "s"
    summary["A1"].font = Font(bold=True, size=14)
    summary["A3"] = _("Kỳ trước: %(period)s. Tỷ lệ tính bằng %%, thời gian bằng giờ hoặc ngày như ghi ở chỉ tiêu.") % {
        "period": report.previous_period.label}
    _sheet(workbook, _("Theo tháng"), [_("Tháng"), _("Văn bản đi"), _("Văn bản đến")],
           [[r.label, r.figures.issued, r.figures.received] for r in report.months])
    for title, rows in ((_("Theo cơ quan"), report.by_agency), (_("Theo đơn vị"), report.by_unit)):
        _sheet(workbook, title, [title.split(" ", 1)[-1].capitalize(), *BREAKDOWN_HEADERS],
               [[r.label, r.figures.issued, _rounded(r.figures.electronic_share), _rounded(r.figures.paper_share),
                 r.figures.received, r.figures.overdue, _rounded(r.figures.on_time_rate)] for r in rows])
    _sheet(workbook, _("Theo loại văn bản"), [_("Loại văn bản"), _("Văn bản đi"), _("Văn bản đến")],
           [[r.label, r.figures.issued, r.figures.received] for r in report.by_type])
    _sheet(workbook, _("Lịch công tác và cuộc họp"), summary_headers, _summary_rows(meeting_indicators(report)))
    _sheet(workbook, _("Liên thông, thu hồi"), summary_headers, _summary_rows(exchange_indicators(report)))
    if evaluation is not None:
        _evaluation_sheets(workbook, evaluation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _table(headers, rows, widths, style):
    head = ParagraphStyle("head", parent=style, fontName="Serif-Bold")
    data = [[Paragraph(str(h), head) for h in headers]]
    data += [[Paragraph(portal_exports._escape(value), style) for value in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.93, 0.93, 0.93)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def whole_number(value):
    """An axis label: a whole number in the portal's format (1.234); no label between whole numbers."""
    return number(round(value)) if float(value).is_integer() else ""


def count_step(largest, ticks=5):
    """A whole-number step giving at most `ticks` steps up to `largest`: 1, 2, 5, 10, 20, 50, …"""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if largest <= step * ticks:
                return step
        magnitude *= 10


def _month_chart(report, width):
    drawing = Drawing(width, 62 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 12 * mm, width - 16 * mm, 44 * mm
    chart.data = [[r.figures.issued for r in report.months] or [0], [r.figures.received for r in report.months] or [0]]
    chart.categoryAxis.categoryNames = [r.label for r in report.months]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = "Serif"
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    largest = max([value for series in chart.data for value in series] + [1])
    chart.valueAxis.valueMin, chart.valueAxis.valueStep = 0, count_step(largest)
    chart.valueAxis.valueMax = -(-largest // chart.valueAxis.valueStep) * chart.valueAxis.valueStep
    chart.valueAxis.labelTextFormat = whole_number
    chart.bars[0].fillColor, chart.bars[1].fillColor = ISSUED_COLOR, RECEIVED_COLOR
    legend = Legend()
    legend.x, legend.y, legend.fontName, legend.fontSize = 14 * mm, 60 * mm, "Serif", 8
    legend.alignment, legend.columnMaximum = "right", 1
    legend.colorNamePairs = [(ISSUED_COLOR, _("Văn bản đi")), (RECEIVED_COLOR, _("Văn bản đến"))]
    drawing.add(chart)
    drawing.add(legend)
    return drawing


def _share_chart(rows, value, width):
    """Horizontal bars of a percentage per agency or unit."""
    rows = [r for r in rows if value(r) is not None]
    height = max(len(rows), 1) * 5 * mm + 12 * mm
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 70 * mm, 8 * mm, width - 76 * mm, height - 12 * mm
    chart.data = [[value(r) for r in reversed(rows)] or [0]]
    chart.categoryAxis.categoryNames = [r.label[:45] for r in reversed(rows)]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = "Serif"
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 20
    chart.valueAxis.labelTextFormat = whole_number
    chart.bars[0].fillColor = ISSUED_COLOR
    drawing.add(chart)
    return drawing


def _evaluation_story(evaluation, heading, body, width):
    escape = portal_exports._escape
    scores = [str(label) for label in SCORES.values()]
    story = [*heading(escape(_("VIII. Đánh giá việc sử dụng (Chỉ thị 34, mục 1.c)"))),
             Paragraph(escape(_("Theo đơn vị")), body),
             _table([_("Đơn vị"), *scores], evaluation_text_rows([*evaluation.by_unit, evaluation.total]),
                    [width * w for w in (0.28, 0.18, 0.18, 0.18, 0.18)], body)]
    if evaluation.by_person is not None:
        story += [Spacer(1, 3 * mm), Paragraph(escape(_("Theo cán bộ")), body),
                  _table([_("Cán bộ"), _("Đơn vị"), *scores], evaluation_text_rows(evaluation.by_person, True),
                         [width * w for w in (0.18, 0.18, 0.16, 0.16, 0.16, 0.16)], body)]
    return story


def usage_pdf(report, agency, evaluation=None):
    """A portrait A4 report to attach to the report upward: title, figures, breakdowns, charts, and the
    evaluation of use when given."""
    portal_exports._fonts()  # Liberation Serif, registered once, with every Vietnamese letter
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                                 bottomMargin=15 * mm, title=report_title(), author=agency.name)
    width = A4[0] - 30 * mm
    body = ParagraphStyle("body", fontName="Serif", fontSize=9, leading=11.5)
    h1 = ParagraphStyle("h1", fontName="Serif-Bold", fontSize=14, leading=18, alignment=1)
    # A heading never ends a page: it keeps with what follows, and starts a new page when little room is left.
    h2 = ParagraphStyle("h2", fontName="Serif-Bold", fontSize=11, leading=14, spaceBefore=8, spaceAfter=4,
                        keepWithNext=1)
    centred = ParagraphStyle("centred", parent=body, alignment=1, fontSize=10.5, leading=14)
    escape = portal_exports._escape

    def heading(text):
        return [CondPageBreak(45 * mm), Paragraph(text, h2)]

    story = [
        Paragraph(escape(agency.name.upper()), centred),
        Spacer(1, 4 * mm),
        Paragraph(escape(report_title().upper()), h1),
        Paragraph(escape(report_subtitle(report, agency)), centred),
        Paragraph(escape(_("(So sánh với kỳ trước: %(period)s)") % {"period": report.previous_period.label}),
                  centred),
        Spacer(1, 5 * mm),
        *heading(escape(_("I. Các chỉ tiêu chính"))),
        _table([_("Chỉ tiêu"), _("Kỳ báo cáo"), _("Kỳ trước"), _("Thay đổi")], indicator_rows(report),
               [width * w for w in (0.52, 0.15, 0.15, 0.18)], body),
        *heading(escape(_("II. Số văn bản theo tháng"))),
        KeepTogether([_month_chart(report, width),
                      _table([_("Tháng"), _("Văn bản đi"), _("Văn bản đến")], month_rows(report),
                             [width * w for w in (0.4, 0.3, 0.3)], body)]),
        *heading(escape(_("III. Theo cơ quan"))),
        _table([_("Cơ quan"), *breakdown_headers()], [breakdown_row(r) for r in report.by_agency],
               [width * w for w in (0.34, 0.11, 0.11, 0.11, 0.11, 0.11, 0.11)], body),
    ]
    agencies = _chart_agencies(report)
    if agencies:
        story += [Spacer(1, 3 * mm), KeepTogether([Paragraph(escape(_("Tỷ lệ gửi điện tử theo cơ quan (%)")), body),
                                                   _share_chart(agencies, lambda r: r.figures.electronic_share, width)])]
    story += [
        *heading(escape(_("IV. Theo đơn vị"))),
        _table([_("Đơn vị"), *breakdown_headers()], [breakdown_row(r) for r in report.by_unit],
               [width * w for w in (0.34, 0.11, 0.11, 0.11, 0.11, 0.11, 0.11)], body),
    ]
    units = _chart_units(report)
    if units:
        story += [Spacer(1, 3 * mm), KeepTogether([Paragraph(escape(_("Tỷ lệ xử lý đúng hạn theo đơn vị (%)")), body),
                                                   _share_chart(units, lambda r: r.figures.on_time_rate, width)])]
    story += [
        *heading(escape(_("V. Theo loại văn bản"))),
        _table([_("Loại văn bản"), _("Văn bản đi"), _("Văn bản đến")], type_rows(report),
               [width * w for w in (0.5, 0.25, 0.25)], body),
        *heading(escape(_("VI. Lịch công tác và cuộc họp"))),
        _table([_("Chỉ tiêu"), _("Kỳ báo cáo"), _("Kỳ trước"), _("Thay đổi")],
               indicator_rows(report, meeting_indicators), [width * w for w in (0.52, 0.15, 0.15, 0.18)], body),
        *heading(escape(_("VII. Liên thông giữa các hệ thống; thu hồi, cập nhật, thay thế văn bản"))),
        _table([_("Chỉ tiêu"), _("Kỳ báo cáo"), _("Kỳ trước"), _("Thay đổi")],
               indicator_rows(report, exchange_indicators), [width * w for w in (0.52, 0.15, 0.15, 0.18)], body),
        Paragraph(escape(EXCHANGE_NOTE), body),
    ]
    if evaluation is not None:
        story += _evaluation_story(evaluation, heading, body, width)
    story += [
        Spacer(1, 6 * mm),
        Paragraph(escape(_("Số liệu lập lúc %(time)s từ cổng trao đổi văn bản.") % {
            "time": timezone.localtime(report.computed_at).strftime("%H:%M %d/%m/%Y")}), body),
    ]
    document.build(story)
    return buffer.getvalue()


TRAFFIC_HEADERS = [
    gettext_lazy("Thời điểm"), gettext_lazy("Chiều"), gettext_lazy("Số, ký hiệu"), gettext_lazy("Trích yếu"),
    gettext_lazy("Kênh"), gettext_lazy("Nơi nhận / nơi gửi"), gettext_lazy("Địa chỉ"), gettext_lazy("Trạng thái"),
    gettext_lazy("Gửi xong"), gettext_lazy("Đến"), gettext_lazy("Vào sổ"), gettext_lazy("Hoàn thành"),
    gettext_lazy("Trạng thái tại nơi nhận"),
]


def _time(value):
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def traffic_row(row):
    return [_time(row["log_at"]), str(direction_label(row["log_direction"])), row["log_notation"], row["log_summary"],
            str(channel_label(row["log_channel"])), row["log_counterpart"], row["log_address"],
            str(status_label(row["log_direction"], row["log_status"])), _time(row["log_sent"]),
            _time(row["log_arrived"]), _time(row["log_registered"]), _time(row["log_completed"]),
            remote_status_text(row["log_remote"])]


def traffic_xlsx(rows, agency, subtitle):
    return portal_exports.xlsx_bytes(str(_("Sổ theo dõi lưu lượng công văn")), TRAFFIC_HEADERS,
                                     [traffic_row(row) for row in rows], subtitle=f"{agency.name} – {subtitle}")

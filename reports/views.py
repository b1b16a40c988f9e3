from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import staff_required
from accounts.models import Role
from core import exports as portal_exports
from core.paging import bounded_count, paginate
from core.replica import heavy_reads
from incidents import services as incident_services

from . import exports, paging, selectors
from .evaluation import evaluation_report
from .evaluation_tables import EvaluationPersonTable, EvaluationUnitTable, evaluation_records
from .figures import usage_report as compute_usage_report
from .forms import IncidentResolveForm, UsageReportForm
from .tables import IncidentTable, TrafficTable

TRAFFIC_EXPORT_LIMIT = 50_000
# A report rolled up over more units than this shows their table when asked (`?section=units`, by htmx): a
# ministry's hundreds of units are most of the page, and the leader opens the report for its totals.
UNITS_SHOWN = 40


def _period_text(form):
    data = form.cleaned_data if form.is_valid() else {}
    start, end = data.get("start"), data.get("end")
    if start and end:
        return _("Từ %(start)s đến %(end)s") % {"start": f"{start:%d/%m/%Y}", "end": f"{end:%d/%m/%Y}"}
    if start:
        return _("Từ %(start)s") % {"start": f"{start:%d/%m/%Y}"}
    if end:
        return _("Đến %(end)s") % {"end": f"{end:%d/%m/%Y}"}
    return _("Toàn bộ thời gian")


def _paged_table(table_class, rows, request, prefix="", per_page=50):
    """A page of the table in the order the request asks for; its count stops at paging.COUNT_LIMIT rows (the
    traffic log counts its own UNION the same way), so a page never counts an agency's whole history."""
    return paginate(table_class(rows, prefix=prefix), request, per_page, limit=paging.COUNT_LIMIT)


def _incidents_table(request, incidents, prefix=""):
    return _paged_table(IncidentTable, incidents, request, prefix, per_page=25)


@staff_required(*selectors.PAGE_ROLES["traffic_log"])
@heavy_reads
def traffic_log(request):
    """Sổ theo dõi lưu lượng công văn: every exchange of the agency, in and out, with the incidents still open.

    The incidents' tab is filled when it is first opened (`?tab=incidents` asked by htmx gives the tab's table
    alone), so the log shows its own rows without rendering a second table few look at; the same address without
    htmx (its pager's and sort's links, a link kept) is the whole page with that tab open."""
    open_incidents = selectors.incident_list(membership=request.membership, filters={"state": "open"})
    tab = "incidents" if request.GET.get("tab") == "incidents" else "traffic"
    if tab == "incidents":
        incidents = _incidents_table(request, open_incidents, prefix="incidents-")
        incidents_context = {
            "incidents": incidents, "resolve_form": IncidentResolveForm(),
            "may_resolve": request.membership.has_role(Role.CLERK, Role.ADMIN),
            # The badge's figure is the tab's own count (both stop at paging.COUNT_LIMIT).
            "incidents_count": incidents.page.paginator.count, "incidents_capped": incidents.page.paginator.capped}
        if request.headers.get("HX-Request"):
            return render(request, "reports/_traffic_incidents.html", incidents_context)
    else:
        count, capped = bounded_count(open_incidents, paging.COUNT_LIMIT)
        incidents_context = {"incidents_count": count, "incidents_capped": capped}
    filterset = selectors.traffic_filterset(membership=request.membership, filters=request.GET or None)
    rows, form = filterset.qs, filterset.form
    if request.GET.get("export") == "xlsx":
        content = exports.traffic_xlsx(list(rows[:TRAFFIC_EXPORT_LIMIT]), request.membership.agency, _period_text(form))
        return portal_exports.download(content, f"so-luu-luong-{timezone.localdate():%Y%m%d}.xlsx", portal_exports.XLSX)
    table = _paged_table(TrafficTable, rows, request)
    table.open_incidents = selectors.deliveries_with_open_incident(request.membership, [
        row.record["log_key"] // 2 for row in table.page.object_list if row.record["log_direction"] == "out"])
    return render(request, "reports/traffic.html", {"form": form, "table": table, "tab": tab, **incidents_context})


@staff_required(*selectors.PAGE_ROLES["incident_list"])
@heavy_reads
def incident_list(request):
    filterset = selectors.incident_filterset(membership=request.membership, filters=request.GET or None)
    return render(request, "reports/incidents.html", {
        "form": filterset.form, "table": _incidents_table(request, filterset.qs),
        "resolve_form": IncidentResolveForm(),
        "may_resolve": request.membership.has_role(Role.CLERK, Role.ADMIN),
    })


@require_POST
@staff_required(Role.CLERK, Role.ADMIN)
def incident_resolve(request, pk):
    incident = selectors.incident_get_for_user(request.membership, pk)
    form = IncidentResolveForm(request.POST)
    if form.is_valid():
        try:
            incident_services.incident_resolve(membership=request.membership, incident=incident,
                                      resolution=form.cleaned_data["resolution"])
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Đã ghi nhận khắc phục sự cố."))
    else:
        messages.error(request, _("Hãy ghi cách đã khắc phục."))
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/reports/") else "incident_list")


def _evaluation_context(request, evaluation):
    """The evaluation's sortable tables (per person only for who may see them) and its total row."""
    if evaluation is None:
        return {"evaluation": None}
    people = None
    if evaluation.by_person is not None:
        people = EvaluationPersonTable(evaluation_records(evaluation.by_person), request=request, prefix="ep-")
    return {"evaluation": evaluation, "evaluation_people": people,
            "evaluation_units": EvaluationUnitTable(evaluation_records(evaluation.by_unit), request=request,
                                                    prefix="eu-"),
            "evaluation_total": exports.evaluation_text_rows([evaluation.total])[0]}


@staff_required()
@heavy_reads
def usage_report(request):
    """The six-monthly report (Directive 34, point 8) of the agency, rolled up over the agencies under it; when
    asked, with the evaluation of use (1.c) per unit and, for leaders and the chief of office, per person."""
    if not selectors.may_open("usage_report", request.membership):
        raise PermissionDenied(_("Trang này chỉ dành cho cán bộ có vai trò phù hợp."))
    agency, agency_ids, children = selectors.report_scope(request.membership, request.GET.get("agency"))
    form = UsageReportForm(request.GET or None, own=request.membership.agency, children=children)
    report = compute_usage_report(agency_ids, form.period())
    evaluation = None
    if form.is_valid() and form.cleaned_data["evaluation"]:
        evaluation = evaluation_report(agency_ids, report.period,
                                       people_of=selectors.people_figures_of(request.membership, agency))
    export = request.GET.get("export")
    if export in ("xlsx", "pdf"):
        name = f"bao-cao-{report.period.start:%Y%m%d}-{report.period.end:%Y%m%d}.{export}"
        if export == "xlsx":
            return portal_exports.download(exports.usage_xlsx(report, agency, evaluation), name, portal_exports.XLSX)
        return portal_exports.download(exports.usage_pdf(report, agency, evaluation), name, portal_exports.PDF)
    units = {"breakdown_headers": exports.breakdown_headers(), "units_count": len(report.by_unit), "by_unit": None}
    if len(report.by_unit) <= UNITS_SHOWN or request.GET.get("section") == "units":
        units["by_unit"] = [exports.breakdown_row(r) for r in report.by_unit]
        if request.headers.get("HX-Request"):
            return render(request, "reports/_usage_units.html", units)
    return render(request, "reports/usage.html", {
        "form": form, "report": report, "agency": agency, "title": exports.report_title(),
        "subtitle": exports.report_subtitle(report, agency), "indicators": exports.indicator_rows(report),
        "meeting_indicators": exports.indicator_rows(report, exports.meeting_indicators),
        "exchange_indicators": exports.indicator_rows(report, exports.exchange_indicators),
        "exchange_note": exports.EXCHANGE_NOTE,
        "by_agency": [exports.breakdown_row(r) for r in report.by_agency], **units,
        "by_type": exports.type_rows(report), "by_month": exports.month_rows(report),
        "charts": exports.chart_data(report, evaluation), "rolled_up": len(agency_ids) > 1,
        **_evaluation_context(request, evaluation),
    })

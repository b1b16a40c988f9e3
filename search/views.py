from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import staff_required
from core import exports
from core.replica import heavy_reads

from . import selectors, services
from .forms import SavedSearchForm
from .models import Entry, SavedSearch

EXPORT_LIMIT = 5000


def _filters(request):
    return {name: request.GET.get(name, "") for name in selectors.FACETS}


def _with(request, name, value):
    """This page's query string with the facet `name` set to `value` ("" clears it), back to page 1."""
    params = request.GET.copy()
    params.pop("page", None)
    if value:
        params[name] = value
    else:
        params.pop(name, None)
    return "?" + params.urlencode()


@staff_required()
@heavy_reads
def search(request):
    query_text = request.GET.get("q", "")
    result = selectors.search(membership=request.membership, query_text=query_text, filters=_filters(request),
                              page=request.GET.get("page", 1))
    for facet in result.facets:
        facet["clear_url"] = _with(request, facet["name"], "")
        for option in facet["options"]:
            option["url"] = _with(request, facet["name"], option["value"])
    saved = SavedSearch.objects.filter(membership=request.membership)
    return render(request, "search/results.html", {
        "q": query_text, "result": result, "saved_searches": saved, "save_form": SavedSearchForm(),
        "export_limit": EXPORT_LIMIT,
    })


@staff_required()
@heavy_reads
def search_export(request):
    """The matches as XLSX (data, never formulas: core.exports), in the page's order."""
    query_text = request.GET.get("q", "")
    entries = selectors.all_matches(membership=request.membership, query_text=query_text,
                                    filters=_filters(request), limit=EXPORT_LIMIT)
    headers = [_("Loại"), _("Số, ký hiệu"), _("Ngày"), _("Cơ quan ban hành"), _("Trích yếu")]
    rows = [[Entry.Kind(entry.kind).label, entry.notation, entry.date.strftime("%d/%m/%Y") if entry.date else "",
             entry.issuer, entry.title] for entry in entries]
    content = exports.xlsx_bytes(_("Kết quả tìm kiếm"), headers, rows, subtitle=query_text)
    return exports.download(content, "tim-kiem.xlsx", exports.XLSX)


@staff_required()
@require_POST
def saved_search_create(request):
    form = SavedSearchForm(request.POST)
    query_text = request.POST.get("q", "").strip()
    if form.is_valid() and query_text:
        filters = {name: request.POST.get(name, "") for name in selectors.FACETS}
        services.saved_search_create(membership=request.membership, name=form.cleaned_data["name"],
                                     query=query_text, filters=filters,
                                     email_daily=form.cleaned_data["email_daily"])
        messages.success(request, _("Đã lưu tìm kiếm."))
    else:
        messages.error(request, _("Cần một từ khóa và một tên để lưu tìm kiếm."))
    return redirect("saved_search_list")


@staff_required()
def saved_search_list(request):
    saved = SavedSearch.objects.filter(membership=request.membership)
    return render(request, "search/saved.html", {"saved_searches": saved})


@staff_required()
@require_POST
def saved_search_delete(request, pk):
    saved = get_object_or_404(SavedSearch, pk=pk, membership=request.membership)
    services.saved_search_delete(membership=request.membership, saved=saved)
    messages.success(request, _("Đã xóa tìm kiếm đã lưu."))
    return redirect("saved_search_list")

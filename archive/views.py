"""Clerks import archive batches and follow them; staff of the agency open archived documents."""

from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.access import staff_required
from core.http import file_response

from . import selectors, services
from .forms import BatchForm


@staff_required("clerk")
def batch_list(request):
    form = BatchForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = services.batch_import(
            membership=request.membership, title=form.cleaned_data["title"],
            package_file=form.cleaned_data["package"], metadata_file=form.cleaned_data["metadata"],
            folder_files=form.cleaned_data["folder"])
        return redirect("archive_batch", pk=batch.pk)
    batches = selectors.batches_of(request.membership)[:100]
    return render(request, "archive/batch_list.html",
                  {"form": form, "batches": batches, "title": _("Số hóa tài liệu lưu trữ")})


@staff_required("clerk")
def batch_detail(request, pk):
    batch = selectors.batch_get(request.membership, pk)
    return render(request, "archive/batch_detail.html", {
        "batch": batch, "errors": batch.errors.all(), "progress": selectors.batch_progress(batch),
        "documents": batch.documents.select_related("duplicate_incoming", "duplicate_outgoing",
                                                    "duplicate_archived")[:500],
        "duplicates": batch.documents.exclude(duplicate_incoming=None, duplicate_outgoing=None,
                                              duplicate_archived=None).count(),
    })


@staff_required("clerk")
@require_GET
def batch_progress(request, pk):
    batch = selectors.batch_get(request.membership, pk)
    return JsonResponse(selectors.batch_progress(batch))


@staff_required()
def archived_list(request):
    filterset = selectors.archived_filterset(user=request.user, filters=request.GET)
    before = request.GET.get("before", "")
    documents, next_before = selectors.archived_page(user=request.user, filters=request.GET,
                                                     before=int(before) if before.isdigit() else None)
    query = request.GET.copy()
    query.pop("before", None)
    return render(request, "archive/archived_list.html", {
        "filter": filterset, "documents": documents, "next_before": next_before, "query": query.urlencode(),
        "title": _("Tài liệu lưu trữ")})


@staff_required()
def archived_detail(request, pk):
    document = selectors.archived_get(request.user, pk)
    return render(request, "archive/archived_detail.html",
                  {"document": document, "text": selectors.archived_text(document)})


@staff_required()
def archived_scan(request, pk):
    document = selectors.archived_get(request.user, pk)
    if not document.scan:
        raise Http404
    return file_response(document.scan, name=document.scan_name, content_type=document.scan_content_type,
                         sha256=document.scan_sha256)

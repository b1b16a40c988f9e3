"""Reading the archive, with who may see what: a batch is its agency's clerks'; archived documents are seen by the
staff of the agency that keeps them (search asks `archived_visible_to`)."""

from django.shortcuts import get_object_or_404

from accounts.models import Membership
from ocr.models import FileText
from ocr.services import text_of

from . import services
from .filters import ArchivedFilter
from .models import ArchiveBatch, ArchivedDocument


def batches_of(membership):
    return ArchiveBatch.objects.filter(agency=membership.agency).select_related("created_by")


def batch_get(membership, pk):
    return get_object_or_404(batches_of(membership), pk=pk)


def archived_visible_to(user):
    """Archived documents of the agencies the user is active staff of."""
    agencies = Membership.objects.active().filter(user=user).values("agency_id")
    return ArchivedDocument.objects.filter(agency_id__in=agencies)


PAGE_SIZE = 50


def archived_filterset(*, user, filters=None):
    """The archived documents list's ArchivedFilter over what this person may see: `qs` its rows, `form` its bar."""
    return ArchivedFilter(filters, queryset=archived_visible_to(user).select_related("batch"))


def archived_page(*, user, filters=None, before=None):
    """One page of the list, newest import first, and the pk to continue before (None on the last page): keyset
    paging, so no page counts or skips the whole archive."""
    rows = archived_filterset(user=user, filters=filters).qs.order_by("-pk")
    if before:
        rows = rows.filter(pk__lt=before)
    page = list(rows[:PAGE_SIZE + 1])
    return page[:PAGE_SIZE], (page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None)


def archived_get(user, pk):
    return get_object_or_404(archived_visible_to(user).select_related("batch", "agency"), pk=pk)


def archived_text(document):
    """The ocr.FileText of the document's scan (its state and text), or None before the scan is stored."""
    return text_of(document, "scan") if document.scan else None


def batch_progress(batch):
    """What the progress bar shows: scans stored, texts finished (failed ones among them), the share done."""
    total = batch.total
    stored = batch.documents.exclude(scan="").count() if batch.status == ArchiveBatch.Status.STORING else total
    states = services.text_states(batch.pk)
    read = sum(count for state, count in states.items() if state in services.FINAL_TEXT_STATES)
    failed = states.get(FileText.State.FAILED, 0)
    percent = 100 if batch.status == ArchiveBatch.Status.DONE else (
        int(100 * (stored + read) / (2 * total)) if total else 0)
    return {"status": batch.status, "status_label": batch.get_status_display(), "total": total, "stored": stored,
            "read": read, "failed": failed, "percent": percent,
            "finished": batch.status in (ArchiveBatch.Status.DONE, ArchiveBatch.Status.REJECTED)}

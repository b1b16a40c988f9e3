"""The office's pages for sending published schedules: the list of recipients, and each version's sendings
with their status and a button to send a failed e-mail again."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import staff_required
from core.forms import run_service
from core.ical import CONTENT_TYPE

from . import publication, recipients, selectors
from .models import ScheduleSending


@staff_required()
def schedule_recipients(request):
    membership = request.membership
    listed = recipients.recipients_of(membership)  # the permission check
    form = recipients.RecipientForm(agency=membership.agency)
    if request.method == "POST":
        if request.POST.get("remove"):
            recipients.recipient_remove(membership=membership, pk=request.POST["remove"])
            messages.success(request, _("Đã bỏ nơi nhận khỏi danh sách."))
            return redirect("schedule_recipients")
        form = recipients.RecipientForm(request.POST, agency=membership.agency)
        if form.is_valid() and run_service(form, lambda: recipients.recipient_add(membership=membership,
                                                                                  **form.cleaned_data)):
            messages.success(request, _("Đã thêm nơi nhận."))
            return redirect("schedule_recipients")
    return render(request, "schedules/recipients.html", {
        "recipients": listed, "form": form, "versions": recipients.versions_with_sendings(membership),
    })


@staff_required()
def schedule_version_sendings(request, pk, number):
    version = recipients.version_for_sendings(request.membership, pk, number)
    sendings = version.sendings.order_by("channel", "name", "email")
    return render(request, "schedules/sendings.html", {
        "version": version, "schedule": version.schedule, "sendings": sendings,
        "failed": ScheduleSending.Status.FAILED, "may_resend": recipients.may_manage_recipients(request.membership),
    })


@require_POST
@staff_required()
def schedule_sending_resend(request, pk):
    sending = recipients.sending_for_resend(request.membership, pk)
    try:
        publication.sending_resend(membership=request.membership, sending=sending)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã đưa thư vào hàng đợi gửi lại."))
    version = sending.version
    return redirect("schedule_version_sendings", pk=version.schedule_id, number=version.number)


def _version_file(version, ext):
    """The PDF inline, the .ics as an attachment (only PDFs and images open in the browser)."""
    field = version.pdf if ext == "pdf" else version.ics
    if not field:
        raise Http404
    name = f"{publication.file_stem(version)}.{ext}"
    if ext == "pdf":
        return FileResponse(field.open("rb"), content_type="application/pdf", filename=name)
    return FileResponse(field.open("rb"), content_type=CONTENT_TYPE, as_attachment=True, filename=name)


@require_GET
@staff_required()
def schedule_version_file(request, pk, number, ext):
    """A published version's PDF or .ics, for the staff of the schedule's agency."""
    if ext not in ("pdf", "ics"):
        raise Http404
    schedule = selectors.schedule_get_for_user(request.membership, pk)
    return _version_file(get_object_or_404(schedule.versions, number=number), ext)


@require_GET
@staff_required()
def schedule_received_file(request, pk, ext):
    """The PDF (inline) or .ics (attachment) of a schedule sent to the person's agency or unit."""
    if ext not in ("pdf", "ics"):
        raise Http404
    return _version_file(publication.received_version_get(request.membership, pk), ext)


def received_panel(request, membership):
    """The schedules other agencies (or the agency's office, to the person's unit) sent in the portal lately
    (documents' dashboard); nothing when none."""
    if not membership:
        return None
    versions = list(publication.schedules_received(membership)[:6])
    if not versions:
        return None
    return "schedules/_received_panel.html", {"versions": versions}

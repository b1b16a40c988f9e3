"""A clerk's edXML files: download an issued document as a signed envelope, import one as an incoming
document. The envelopes between installations are exchange.views (the receiver)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.access import staff_required
from accounts.models import Role
from core import files as core_files
from documents import selectors

from . import edxml, packages
from .forms import EnvelopeImportForm


@staff_required(Role.CLERK)
def outgoing_edxml(request, pk):
    outgoing = selectors.outgoing_get_for_user(request.membership, pk)
    try:
        data = packages.envelope_export(membership=request.membership, outgoing=outgoing)
    except edxml.EnvelopeError as exc:
        messages.error(request, exc.message)
        return redirect("outgoing_detail", pk)
    response = HttpResponse(data, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{packages.envelope_filename(outgoing)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required(Role.CLERK)
def incoming_import_edxml(request):
    form = EnvelopeImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["envelope"]
        if upload.size > edxml.max_envelope_bytes():
            form.add_error("envelope", core_files.too_large_message(
                upload.name, upload.size, limit_mb=edxml.max_envelope_bytes() // (1024 * 1024)))
        else:
            try:
                incoming = packages.envelope_import(membership=request.membership,
                                                    data=core_files.read_upload(upload))
            except edxml.EnvelopeError as exc:
                form.add_error("envelope", exc.message)
            else:
                messages.success(request, _("Đã nhận văn bản %(notation)s của %(sender)s từ gói tin edXML; văn bản "
                                            "đang chờ vào sổ.") % {"notation": incoming.notation or "—",
                                                                   "sender": incoming.sender_name})
                return redirect("incoming_detail", incoming.pk)
    return render(request, "exchange/import.html", {"form": form})

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import staff_required
from accounts.models import Role

from . import selectors, services
from .forms import CertificateUploadForm
from .models import RemoteSigningRequest
from .remote import selectors as remote_selectors
from .remote import services as remote_services


@staff_required(Role.ADMIN)
def certificate_manage(request):
    admin = request.membership
    form = CertificateUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # Read one byte past the limit: enough for the service to refuse a file that is too large.
        data = form.cleaned_data["file"].read(services.MAX_PKCS12_BYTES + 1)
        try:
            services.certificate_upload(admin=admin, pkcs12_bytes=data, password=form.cleaned_data["password"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Đã cập nhật chứng thư số của cơ quan; chứng thư cũ thôi dùng để ký."))
            return redirect("certificate_manage")
    return render(request, "pki/certificate_manage.html", {
        "form": form,
        "active": selectors.certificate_active(admin.agency),
        "history": selectors.certificates_of_admin_agency(admin),
    })


@staff_required(Role.ADMIN)
def certificate_download(request, pk):
    """The public certificate (never the key), for partners who want to check the agency's signatures."""
    certificate = selectors.certificate_get_for_admin(request.membership, pk)
    response = HttpResponse(certificate.certificate_pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = f'attachment; filename="chung-thu-{certificate.serial_number}.pem"'
    return response


# --- remote signing: the live state of one request, polled by the page every 2 s -------------------------

def _remote_panel(request, remote, error=""):
    response = render(request, "pki/remote_status.html", {
        "remote": remote, "error": error,
        "seconds_left": remote_selectors.remote_seconds_left(remote),
        "can_cancel": remote.certificate.user_id == request.user.pk,
    })
    if remote.status != RemoteSigningRequest.Status.PENDING:
        # The page around the panel may reload what the end of the request changed (the draft's state).
        response["HX-Trigger"] = "remote-signing-finished"
    return response


@staff_required()
def remote_request_panel(request, pk):
    remote = remote_selectors.remote_request_get_for_user(request.user, pk)
    return _remote_panel(request, remote)


@require_POST
@staff_required()
def remote_request_cancel(request, pk):
    remote = remote_selectors.remote_request_get_for_user(request.user, pk)
    error = ""
    try:
        remote = remote_services.remote_cancel(request=remote, user=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
        remote.refresh_from_db()
    return _remote_panel(request, remote, error)

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.access import mfa_required_to_post, staff_required
from accounts.models import Role

from . import selectors, services
from .errors import SigningError
from .forms import (
    CertificateUploadForm,
    PersonalCertificateUploadForm,
    PersonalTokenForm,
    PinChangeForm,
    SealImageForm,
    SignatureImageForm,
    TokenForm,
)
from .models import RemoteSigningRequest
from .remote import selectors as remote_selectors
from .remote import services as remote_services


def _bound(forms, request, default=None):
    """(forms by name, action, bound form): the form named by the POST's `action` (else `default`, whose fields
    carry no prefix) bound to it, the others blank; no bound form for a GET or an unknown action."""
    action = (request.POST.get("action") or default) if request.method == "POST" else None

    def prefix(name):
        return None if name == default else name

    blank = {name: cls(prefix=prefix(name)) for name, cls in forms.items()}
    if action not in forms:
        return blank, None, None
    blank[action] = forms[action](request.POST, request.FILES, prefix=prefix(action))
    return blank, action, blank[action]


def _run(request, form, call, success, field=None):
    """Call one service; its refusal goes onto the form (SigningError on `field`), its warnings to messages."""
    try:
        result = call()
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    except SigningError as exc:
        form.add_error(field, str(exc))
        return False
    for warning in (result[1] if isinstance(result, tuple) else []):
        messages.warning(request, warning)
    messages.success(request, success)
    return True


# --- the agency's certificate and seal (agency admin) ----------------------------------------------------

AGENCY_FORMS = {"upload": CertificateUploadForm, "seal": SealImageForm, "token": TokenForm}


def _agency_action(request, action, form):
    admin, data = request.membership, form.cleaned_data
    if action == "upload":
        # Read one byte past the limit: enough for the service to refuse a file that is too large.
        pkcs12_bytes = data["file"].read(services.MAX_PKCS12_BYTES + 1)
        return _run(request, form, lambda: services.certificate_upload(
            admin=admin, pkcs12_bytes=pkcs12_bytes, password=data["password"],
        ), _("Đã cập nhật chứng thư số của cơ quan; chứng thư cũ thôi dùng để ký."))
    if action == "seal":
        png = data["image"].read(services.MAX_IMAGE_BYTES + 1)
        return _run(request, form, lambda: services.seal_image_set(
            admin=admin, png_bytes=png, diameter_mm=data["diameter_mm"],
        ), _("Đã cập nhật ảnh con dấu của cơ quan."))
    return _run(request, form, lambda: services.agency_token_register(
        admin=admin, token_label=data["token_label"], key_label=data["key_label"],
    ), _("Cơ quan ký số bằng khóa trên thiết bị ký số từ nay; chứng thư cũ thôi dùng để ký."))


@staff_required(Role.ADMIN)
@mfa_required_to_post
def certificate_manage(request):
    admin = request.membership
    forms, action, form = _bound(AGENCY_FORMS, request, default="upload")
    if form is not None and form.is_valid() and _agency_action(request, action, form):
        return redirect("certificate_manage")
    active, seal = selectors.certificate_active(admin.agency), selectors.seal_image_of(admin.agency)
    if seal and not forms["seal"].is_bound:
        forms["seal"].initial["diameter_mm"] = seal.diameter_mm
    return render(request, "pki/certificate_manage.html", {
        "form": forms["upload"], "seal_form": forms["seal"], "token_form": forms["token"],
        "active": active,
        "names": selectors.certificate_names(active) if active else None,
        "history": selectors.certificates_of_admin_agency(admin),
        "seal": seal,
    })


@staff_required(Role.ADMIN)
def certificate_download(request, pk):
    """The public certificate (never the key), for partners who want to check the agency's signatures."""
    certificate = selectors.certificate_get_for_admin(request.membership, pk)
    response = HttpResponse(certificate.certificate_pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = f'attachment; filename="chung-thu-{certificate.serial_number}.pem"'
    return response


def _png_response(record):
    if record is None or not record.image:
        raise Http404()
    return FileResponse(record.image.open("rb"), content_type="image/png")


@never_cache
@staff_required(Role.ADMIN)
def seal_image(request):
    """The admin's own agency's seal image, for the preview."""
    return _png_response(selectors.seal_image_of(request.membership.agency))


# --- a leader's own signature ---------------------------------------------------------------------------

PERSONAL_FORMS = {
    "upload": PersonalCertificateUploadForm, "pin": PinChangeForm, "token": PersonalTokenForm,
    "image": SignatureImageForm,
}


def _personal_action(request, action, form):
    user, data = request.user, form.cleaned_data
    if action == "upload":
        pkcs12_bytes = data["file"].read(services.MAX_PKCS12_BYTES + 1)
        return _run(request, form, lambda: services.personal_certificate_upload(
            user=user, pkcs12_bytes=pkcs12_bytes, password=data["password"], pin=data["pin"],
        ), _("Đã lưu chứng thư số cá nhân của bạn. Từ nay bạn ký văn bản bằng mã PIN vừa đặt."))
    if action == "pin":
        certificate = selectors.personal_certificate_active(user)
        if certificate is None:
            form.add_error(None, _("Bạn chưa có chứng thư số cá nhân để đổi mã PIN."))
            return False
        return _run(request, form, lambda: services.personal_pin_change(
            certificate=certificate, old_pin=data["old_pin"], new_pin=data["new_pin"],
        ), _("Đã đổi mã PIN ký."), field="old_pin")
    if action == "token":
        return _run(request, form, lambda: services.personal_token_register(
            user=user, token_label=data["token_label"], key_label=data["key_label"], pin=data["pin"],
        ), _("Đã đăng ký thiết bị ký số. Từ nay bạn ký văn bản bằng thiết bị này và mã PIN của nó."))
    png = data["image"].read(services.MAX_IMAGE_BYTES + 1)
    return _run(request, form, lambda: services.signature_image_set(user=user, png_bytes=png),
                _("Đã cập nhật ảnh chữ ký của bạn."))


@staff_required(Role.LEADER)
@mfa_required_to_post
def my_signing(request):
    """“Chữ ký số của tôi”: the leader's own certificate, key store, PIN and signature image."""
    forms, action, form = _bound(PERSONAL_FORMS, request)
    if form is not None and form.is_valid() and _personal_action(request, action, form):
        return redirect("my_signing")
    certificate = selectors.personal_certificate_active(request.user)
    return render(request, "pki/my_signing.html", {
        "forms": forms,
        "certificate": certificate,
        "names": selectors.certificate_names(certificate) if certificate else None,
        "history": selectors.personal_certificates_of(request.user),
        "signature": selectors.signature_image_of(request.user),
        "locked_until": selectors.pin_locked_until(certificate),
    })


@never_cache
@staff_required(Role.LEADER)
def my_signature_image(request):
    """The person's own signature image, for the preview; nobody else's is ever served here."""
    return _png_response(selectors.signature_image_of(request.user))


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

"""The agency's S/MIME setting (agency admin): which certificate signs the mail sent in its name, if any."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import mfa_required_to_post, staff_required
from accounts.models import Role

from . import mail_signing
from .forms import CertificateUploadForm


class MailCertificateUploadForm(CertificateUploadForm):
    file = forms.FileField(
        label=gettext_lazy("Tệp chứng thư thư điện tử (.p12, .pfx)"),
        help_text=gettext_lazy("Chứng thư mang địa chỉ thư chính thức của cơ quan, kèm khóa bí mật."),
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx,application/x-pkcs12"}),
    )


def _upload(request, form):
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        mail_signing.mail_certificate_upload(
            admin=request.membership, password=data["password"],
            pkcs12_bytes=data["file"].read(mail_signing.services.MAX_PKCS12_BYTES + 1))
    except ValidationError as exc:
        form.add_error(None, exc)
        return False
    messages.success(request, _("Thư gửi nhân danh cơ quan từ nay được ký S/MIME bằng chứng thư vừa tải lên."))
    return True


def _choose(request):
    try:
        chosen = mail_signing.mail_certificate_choose(
            admin=request.membership, certificate_id=request.POST.get("certificate"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, _("Thư gửi nhân danh cơ quan từ nay được ký S/MIME.") if chosen
                     else _("Thư gửi nhân danh cơ quan không còn được ký S/MIME."))
    return True


@staff_required(Role.ADMIN)
@mfa_required_to_post
def mail_signing_manage(request):
    agency = request.membership.agency
    uploading = request.POST.get("action") == "upload"
    form = MailCertificateUploadForm(request.POST, request.FILES) if uploading else MailCertificateUploadForm()
    if request.method == "POST" and (_upload(request, form) if uploading else _choose(request)):
        return redirect("mail_signing")
    return render(request, "pki/mail_signing.html", {
        "form": form, "current": mail_signing.mail_certificate_of(agency),
        "candidates": mail_signing.mail_certificate_candidates(agency), "address": agency.official_email,
    })

from cryptography import x509
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Agency, Installation, RecipientGroup, Unit


class AgencyProfileForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = ["name", "short_name", "official_email", "address", "phone", "website"]


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "abbreviation", "official_email", "is_active"]


class GroupForm(forms.ModelForm):
    members = forms.ModelMultipleChoiceField(
        label=_("Cơ quan trong nhóm"), queryset=Agency.objects.filter(is_active=True),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )

    class Meta:
        model = RecipientGroup
        fields = ["name", "aliases", "members"]
        widgets = {"aliases": forms.Textarea(attrs={"rows": 3})}


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp CSV (UTF-8)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("Tệp quá lớn (tối đa 5 MB)."))
        return upload


def _certificates(text, field_label):
    """The PEM text's certificates, or a ValidationError saying what is wrong with the text."""
    if "PRIVATE KEY" in text:
        raise forms.ValidationError(_("Chỉ dán chứng thư số (CERTIFICATE), không bao giờ dán khóa bí mật."))
    try:
        certificates = x509.load_pem_x509_certificates(text.encode())
    except ValueError:
        raise forms.ValidationError(
            _("%(field)s: không đọc được chứng thư số nào. Hãy dán chứng thư dạng PEM, bắt đầu bằng "
              "“-----BEGIN CERTIFICATE-----”.") % {"field": field_label}) from None
    return certificates


class InstallationForm(forms.ModelForm):
    """The portal admin's form of another installation: an HTTPS endpoint and certificates that can be read."""

    class Meta:
        model = Installation
        fields = ["code", "name", "endpoint", "signing_certificates_pem", "tls_ca_pem", "rate_limit_per_minute",
                  "is_active"]

    def clean_endpoint(self):
        endpoint = self.cleaned_data["endpoint"]
        if not endpoint.lower().startswith("https://"):
            raise forms.ValidationError(_("Địa chỉ nhận gói tin phải dùng HTTPS."))
        return endpoint

    def clean_signing_certificates_pem(self):
        text = self.cleaned_data["signing_certificates_pem"].strip()
        _certificates(text, _("Chứng thư ký gói tin"))
        return text + "\n"

    def clean_tls_ca_pem(self):
        text = self.cleaned_data["tls_ca_pem"].strip()
        if not text:
            return ""
        _certificates(text, _("Chứng thư gốc TLS"))
        return text + "\n"

    def clean_rate_limit_per_minute(self):
        rate = self.cleaned_data["rate_limit_per_minute"]
        if rate < 1:
            raise forms.ValidationError(_("Hãy cho phép ít nhất 1 gói tin mỗi phút."))
        return rate

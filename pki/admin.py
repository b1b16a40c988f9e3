from cryptography import x509
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import demo
from .models import AgencyCertificate, Revocation


@admin.register(AgencyCertificate)
class AgencyCertificateAdmin(admin.ModelAdmin):
    """Read-only listing; certificates change only through the agency admin's upload page."""

    list_display = ["agency", "subject_cn", "issuer_dn", "serial_number", "not_after", "is_active", "uploaded_at"]
    list_filter = ["is_active"]
    search_fields = ["agency__name", "agency__code", "subject_cn", "serial_number", "fingerprint_sha256"]
    fields = [
        "agency", "subject_cn", "subject_dn", "issuer_dn", "serial_number", "not_before", "not_after",
        "fingerprint_sha256", "certificate_pem", "chain_pem", "is_active", "uploaded_by", "uploaded_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RevocationForm(forms.ModelForm):
    reason = forms.ChoiceField(label=_("lý do"), choices=[(name, name) for name in x509.ReasonFlags.__members__])

    class Meta:
        model = Revocation
        fields = ["serial_number", "reason", "revoked_at"]

    def clean_serial_number(self):
        try:
            return demo.serial_number_text(self.cleaned_data["serial_number"])
        except ValueError:
            raise forms.ValidationError(_("Số hiệu chứng thư số phải là số hệ thập lục phân.")) from None


@admin.register(Revocation)
class RevocationAdmin(admin.ModelAdmin):
    """The demo CA's revocations: added here or with `manage.py pki_revoke`, never changed or taken back."""

    form = RevocationForm
    list_display = ["serial_number", "revoked_at", "reason", "revoked_by"]
    search_fields = ["serial_number"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.revoked_by = request.user
        super().save_model(request, obj, form, change)

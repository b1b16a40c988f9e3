from django.contrib import admin

from .models import AgencyCertificate


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

from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """For the portal's technical administrator: tokens are issued and revoked by each agency's admin on the
    portal's own page, so here they are only read."""

    list_display = ["name", "agency", "member", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", "agency"]
    search_fields = ["name", "key_prefix", "agency__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

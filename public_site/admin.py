from django.contrib import admin

from .models import Download


@admin.register(Download)
class DownloadAdmin(admin.ModelAdmin):
    """The download log is evidence: read-only."""

    list_display = ["at", "delivery", "file", "by", "ip", "user"]
    list_filter = ["by"]
    list_select_related = ["delivery", "file", "user"]
    search_fields = ["delivery__email", "delivery__outgoing__notation", "ip"]
    readonly_fields = ["delivery", "file", "at", "by", "ip", "user_agent", "user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

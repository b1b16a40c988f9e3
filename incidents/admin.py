from django.contrib import admin

from .models import Incident


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "agency", "kind", "cause", "resolved_at"]
    list_filter = ["kind"]
    search_fields = ["cause", "resolution"]
    readonly_fields = ["subject_type", "subject_id", "occurred_at"]

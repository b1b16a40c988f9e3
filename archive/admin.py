"""The technical administrator sees how batches go (status, claim, errors); batches are imported by clerks only."""

from django.contrib import admin

from .models import ArchiveBatch, BatchError


class BatchErrorInline(admin.TabularInline):
    model = BatchError
    fields = ["line", "message"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ArchiveBatch)
class ArchiveBatchAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "agency", "status", "total", "created_at", "finished_at", "claimed_until"]
    list_filter = ["status"]
    search_fields = ["title", "agency__name"]
    fields = ["title", "agency", "created_by", "status", "total", "metadata_name", "created_at", "finished_at",
              "claimed_until", "queued_at"]
    readonly_fields = fields
    inlines = [BatchErrorInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

"""The technical administrator's view of schedules: to look things up. The office and the leaders work through
the portal's pages, where the keeper and leader rules, change marks and versions apply; here all is read-only."""

from django.contrib import admin

from .models import Entry, FeedToken, Schedule, ScheduleRecipient, ScheduleSending, ScheduleVersion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ["starts_at", "ends_at", "all_day", "content", "chair_name", "place", "is_internal", "change",
              "is_postponed", "meeting_uid"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class VersionInline(admin.TabularInline):
    model = ScheduleVersion
    fields = ["number", "published_at", "approved_by", "pdf", "ics"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Schedule)
class ScheduleAdmin(ReadOnlyAdmin):
    list_display = ["week_start", "agency", "unit", "status", "version", "has_changes", "published_at"]
    list_filter = ["status", "has_changes"]
    search_fields = ["agency__name", "unit__name"]
    date_hierarchy = "week_start"
    inlines = [EntryInline, VersionInline]


@admin.register(ScheduleSending)
class ScheduleSendingAdmin(ReadOnlyAdmin):
    list_display = ["version", "channel", "name", "email", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status"]
    search_fields = ["name", "email", "version__schedule__agency__name"]


@admin.register(ScheduleRecipient)
class ScheduleRecipientAdmin(ReadOnlyAdmin):
    list_display = ["agency", "kind", "name", "unit", "target_agency", "email"]
    list_filter = ["kind"]
    search_fields = ["agency__name", "name", "email"]


@admin.register(FeedToken)
class FeedTokenAdmin(ReadOnlyAdmin):
    """Only the token's hash is stored; the admin shows who has a feed and whether it was revoked."""

    list_display = ["membership", "created_at", "last_used_at", "revoked_at"]
    fields = ["membership", "created_at", "last_used_at", "revoked_at"]

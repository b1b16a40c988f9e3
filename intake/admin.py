from django.contrib import admin

from .models import (
    CalendarDay,
    InboundAttachment,
    InboundMessage,
    Mailbox,
    MailboxCheck,
    MailboxCheckRule,
    MailboxCheckSlot,
    Question,
)


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["agency", "host", "username", "enabled", "last_success_at", "consecutive_failures"]
    list_filter = ["enabled", "security"]
    # The password never shows; agency admins set it on their own settings page.
    exclude = ["password_encrypted"]
    readonly_fields = ["uidvalidity", "last_uid", "last_checked_at", "last_success_at", "last_error",
                       "last_error_at", "consecutive_failures"]


class InboundAttachmentInline(admin.TabularInline):
    model = InboundAttachment
    extra = 0
    can_delete = False
    fields = ["filename", "declared_content_type", "sniffed_content_type", "size", "verdict", "refusal_reason"]
    readonly_fields = fields


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "agency", "sender_email", "sender_is_official", "received_at", "status"]
    list_filter = ["status", "sender_is_official"]
    search_fields = ["subject", "sender_email", "message_id", "hint_number_notation"]
    readonly_fields = [field.name for field in InboundMessage._meta.fields]
    inlines = [InboundAttachmentInline]

    def has_add_permission(self, request):
        return False


@admin.register(MailboxCheckRule)
class MailboxCheckRuleAdmin(admin.ModelAdmin):
    list_display = ["agency", "mode", "times", "interval_hours", "grace_minutes", "question_due_days"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["agency", "date", "kind", "note"]
    list_filter = ["kind"]


@admin.register(MailboxCheck, MailboxCheckSlot, Question)
class ReadOnlyCheckAdmin(admin.ModelAdmin):
    """What people did and how due times were judged: a record, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

"""The technical administrator's view of documents: to look things up, not to work on them.

Clerks, leaders and specialists act through the portal's pages, where the workflow and the numbering
apply; here every document is read-only.
"""

from django.contrib import admin

from .models import Delivery, Incoming, MailReport, Outgoing, Register, RegisterCounter


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ["name", "channel", "email", "status", "attempts", "sent_at", "response"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Outgoing)
class OutgoingAdmin(ReadOnlyAdmin):
    list_display = ["notation", "doc_type", "summary", "agency", "status", "secrecy", "issued_at"]
    list_filter = ["status", "doc_type", "secrecy", "urgency"]
    search_fields = ["notation", "summary", "agency__name"]
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]


@admin.register(Incoming)
class IncomingAdmin(ReadOnlyAdmin):
    list_display = ["arrival_number", "year", "notation", "sender_name", "agency", "source", "status", "arrived_at"]
    list_filter = ["status", "source", "secrecy", "urgency"]
    search_fields = ["notation", "summary", "sender_name", "agency__name"]
    date_hierarchy = "arrived_at"


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["outgoing", "name", "channel", "email", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["name", "email", "outgoing__notation"]


@admin.register(MailReport)
class MailReportAdmin(ReadOnlyAdmin):
    """Bounces and auto-replies read from agency mailboxes (documents.bounces), and what they were matched to."""

    list_display = ["received_at", "agency", "kind", "recipient", "status_code", "delivery"]
    list_filter = ["kind"]
    search_fields = ["recipient", "diagnostic", "original_message_id"]
    raw_id_fields = ["delivery"]


@admin.register(Register)
class RegisterAdmin(ReadOnlyAdmin):
    list_display = ["name", "agency", "kind"]


@admin.register(RegisterCounter)
class RegisterCounterAdmin(ReadOnlyAdmin):
    list_display = ["register", "year", "last_number"]

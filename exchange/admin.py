"""The technical administrator's view of the edXML envelopes sent and received: to look things up (what went to
which installation, what came back, why one was refused), and to send again a status or revision message that
failed once the cause is fixed. Documents themselves are sent again by their delivery, never from here."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import ExchangeMessage
from .transport import message_resend


@admin.register(ExchangeMessage)
class ExchangeMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "direction", "kind", "business", "status_code", "installation", "from_code",
                    "to_code", "document_id", "state", "attempts"]
    list_filter = ["direction", "kind", "state", "installation"]
    search_fields = ["message_id", "document_id", "from_code", "to_code"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    list_select_related = ["installation"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    @admin.action(description=_("Gửi lại gói tin trạng thái, thu hồi đã thất bại"), permissions=["view"])
    def resend(self, request, queryset):
        count = message_resend(queryset, now=timezone.now())
        self.message_user(request, gettext("Đã xếp %(count)d gói tin để gửi lại.") % {"count": count},
                          messages.SUCCESS if count else messages.WARNING)

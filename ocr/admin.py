"""The technical administrator sees how extraction goes (states, errors, attempts) and may ask for a failed file
again; never the text itself (a secret document's text is for those who may open the document)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import FileText


@admin.register(FileText)
class FileTextAdmin(admin.ModelAdmin):
    list_display = ["id", "content_type", "object_id", "field", "state", "method", "attempts", "created_at",
                    "finished_at"]
    list_filter = ["state", "method"]
    search_fields = ["sha256", "error"]
    fields = ["content_type", "object_id", "field", "sha256", "state", "method", "attempts", "claimed_at",
              "created_at", "finished_at", "error"]
    readonly_fields = fields
    actions = ["extract_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Trích xuất lại văn bản của các tệp đã chọn"))
    def extract_again(self, request, queryset):
        count = services.texts_retry(queryset)
        self.message_user(request, _("Đã xếp %(count)s tệp vào hàng chờ trích xuất.") % {"count": count})

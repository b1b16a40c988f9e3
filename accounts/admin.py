from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import admin_door
from .models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["agency", "unit"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "kind", "is_active", "is_staff"]
    list_filter = ["kind", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Thông tin"), {"fields": ["full_name", "kind", "organization", "phone"]}),
        (_("Quyền"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Thời điểm"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "kind", "password1", "password2"]})]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "unit", "position", "role_labels", "is_public", "is_active"]
    list_filter = ["is_clerk", "is_leader", "is_specialist", "is_agency_admin", "is_public", "is_active"]
    search_fields = ["user__full_name", "user__email", "agency__name"]
    autocomplete_fields = ["user", "agency", "unit"]


admin_door.install()

from django.contrib import admin, messages
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import CsvImportForm, InstallationForm
from .models import Agency, Installation, RecipientGroup, Unit
from .services import agencies_import_csv


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "parent", "official_email", "uses_portal", "installation",
                    "is_active"]
    list_filter = ["uses_portal", "installation", "is_active"]
    list_select_related = ["parent", "installation"]
    search_fields = ["code", "name", "short_name", "official_email", "search_text"]
    # installation: an agency served by another installation of the portal gets its documents as edXML envelopes.
    autocomplete_fields = ["parent", "installation"]
    inlines = [UnitInline]
    change_list_template = "admin/agencies/agency/change_list.html"
    actions = ["import_csv_action"]

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_csv_view), name="agencies_agency_import"),
            *super().get_urls(),
        ]

    @admin.action(description=gettext_lazy("Nhập cơ quan, đơn vị từ tệp CSV"))
    def import_csv_action(self, request, queryset):
        return redirect("admin:agencies_agency_import")

    def import_csv_view(self, request):
        form = CsvImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            report = agencies_import_csv(form.cleaned_data["file"].read())
            if report.ok:
                messages.success(request, _(
                    "Đã nhập: %(ac)s cơ quan mới, %(au)s cơ quan cập nhật, %(uc)s đơn vị mới, %(uu)s đơn vị cập nhật."
                ) % {"ac": report.agencies_created, "au": report.agencies_updated,
                     "uc": report.units_created, "uu": report.units_updated})
                return redirect("admin:agencies_agency_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "report": report,
                   "title": _("Nhập cơ quan, đơn vị từ tệp CSV"), "opts": self.model._meta}
        return TemplateResponse(request, "admin/agencies/agency/import.html", context)


@admin.register(Installation)
class InstallationAdmin(admin.ModelAdmin):
    """Other installations of the portal (liên thông). Which agencies each serves is set on the agency's form."""

    form = InstallationForm
    list_display = ["name", "code", "endpoint", "rate_limit_per_minute", "agency_count", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "endpoint"]
    readonly_fields = ["served_agencies", "created_at"]
    fields = ["code", "name", "endpoint", "signing_certificates_pem", "tls_ca_pem", "rate_limit_per_minute",
              "is_active", "served_agencies", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(agency_total=Count("agencies")).order_by("name")

    @admin.display(description=gettext_lazy("Số cơ quan"), ordering="agency_total")
    def agency_count(self, installation):
        return installation.agency_total

    @admin.display(description=gettext_lazy("Cơ quan được phục vụ"))
    def served_agencies(self, installation):
        if not installation.pk:
            return "—"
        names = [f"{a.name} ({a.code})" for a in installation.agencies.order_by("name")]
        return "; ".join(names) or _("Chưa có cơ quan nào. Chọn hệ thống này ở trang sửa cơ quan.")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation", "agency", "official_email", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "abbreviation", "agency__name"]
    autocomplete_fields = ["agency"]


@admin.register(RecipientGroup)
class RecipientGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "owner"]
    search_fields = ["name", "aliases"]
    fields = ["owner", "name", "aliases", "members"]
    filter_horizontal = ["members"]

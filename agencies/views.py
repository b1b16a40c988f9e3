from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.access import staff_required
from accounts.models import Role
from core.forms import run_service
from core.text import fold

from . import mail_auth, selectors, services
from .exports import directory_csv, directory_vcards
from .forms import AgencyProfileForm, GroupForm, UnitForm
from .models import DkimKey


def directory(request):
    """The public directory a page at a time: a level of the tree, or a page of a search's results."""
    query, number = request.GET.get("q", "").strip(), request.GET.get("page", 1)
    if fold(query):
        result = selectors.directory_search(query, number)
    else:
        parent = request.GET.get("parent")
        if parent is not None and not parent.isdigit():
            raise Http404
        result = selectors.directory_tree(selectors.directory_parent(parent) if parent else None, number)
    return render(request, "agencies/directory.html", {
        "entries": result.entries, "page_obj": result.page, "parent": result.parent, "q": query,
        "by_word_start": result.by_word_start,
    })


def directory_export_csv(request):
    rows = selectors.directory_flat(request.GET.get("q", ""))
    response = StreamingHttpResponse(directory_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="danh-ba-co-quan.csv"'
    return response


def directory_export_vcf(request):
    rows = selectors.directory_flat(request.GET.get("q", ""))
    response = StreamingHttpResponse(directory_vcards(rows), content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="danh-ba-co-quan.vcf"'
    return response


def _save(request, form, action, success):
    """Run the service; report success, or leave its errors on the form."""
    if run_service(form, lambda: action() or True):
        messages.success(request, success)
        return True
    return None


@staff_required(Role.ADMIN)
def agency_profile(request):
    admin = request.membership
    form = AgencyProfileForm(request.POST or None, instance=admin.agency)
    if request.method == "POST" and form.is_valid():
        if _save(request, form, lambda: services.agency_update_profile(admin=admin, **form.cleaned_data),
                 _("Đã lưu thông tin cơ quan.")):
            return redirect("agency_profile")
    return render(request, "agencies/form.html", {"form": form, "title": _("Thông tin cơ quan")})


@staff_required(Role.ADMIN)
def unit_list(request):
    return render(request, "agencies/unit_list.html", {"units": selectors.units_of(request.membership.agency)})


@staff_required(Role.ADMIN)
def unit_edit(request, pk=None):
    admin = request.membership
    unit = selectors.unit_get_for_admin(admin, pk) if pk else None
    form = UnitForm(request.POST or None, instance=unit)
    if request.method == "POST" and form.is_valid():
        if _save(request, form, lambda: services.unit_save(admin=admin, unit=unit, **form.cleaned_data),
                 _("Đã lưu đơn vị.")):
            return redirect("unit_list")
    title = _("Sửa đơn vị") if unit else _("Thêm đơn vị")
    return render(request, "agencies/form.html", {"form": form, "title": title, "back": "unit_list"})


@staff_required(Role.ADMIN)
def group_list(request):
    groups = selectors.groups_visible_to(request.membership.agency)
    return render(request, "agencies/group_list.html", {"groups": groups})


@staff_required(Role.ADMIN)
def group_edit(request, pk=None):
    admin = request.membership
    group = selectors.group_get_for_admin(admin, pk) if pk else None
    form = GroupForm(request.POST or None, instance=group)
    if request.method == "POST" and form.is_valid():
        if _save(request, form,
                 lambda: services.group_save(admin=admin, group=group, **form.cleaned_data),
                 _("Đã lưu nhóm nơi nhận.")):
            return redirect("group_list")
    title = _("Sửa nhóm nơi nhận") if group else _("Thêm nhóm nơi nhận")
    return render(request, "agencies/form.html", {"form": form, "title": title, "back": "group_list"})


@staff_required(Role.ADMIN)
def mail_trust(request):
    """Thư điện tử tin cậy: the agency's DKIM keys, the TXT records to publish, a DNS check, rotation."""
    admin, agency = request.membership, request.membership.agency
    checks = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                key = mail_auth.dkim_key_create_by(admin=admin)
                messages.success(request, _("Đã tạo khóa DKIM %(selector)s.") % {"selector": key.selector})
            elif action == "switch":
                key = mail_auth.dkim_key_switch_by(admin=admin)
                messages.success(request, _("Đã chuyển sang khóa DKIM %(selector)s.") % {"selector": key.selector})
            elif action == "check":
                key = get_object_or_404(DkimKey, pk=request.POST.get("key"), agency=agency)
                checks[key.pk] = mail_auth.dkim_dns_check(key)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        if action != "check":
            return redirect("mail_trust")
    keys = mail_auth.dkim_keys_of(agency)
    rows = [{"key": key, "chunks": mail_auth.dns_chunks(key.dns_value), "check": checks.get(key.pk)} for key in keys]
    return render(request, "agencies/mail_trust.html", {
        "rows": rows, "domain": mail_auth.agency_domain(agency), "signing": mail_auth.dkim_signing_enabled(),
        "can_create": not any(key.state == DkimKey.State.NEXT for key in keys),
    })

"""/admin/ has no door of its own: its login is the portal's (allauth: guessing limits, two-factor).

Django admin sends anyone it does not let in to admin.site.login; here that view never checks a password.
It sends visitors to the portal's login, asks a technical administrator for a TOTP code when the session
has none from the last MFA_RECENT_MINUTES, and refuses everyone else.
"""

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from .selectors import mfa_passed_recently, request_has_totp


def admin_allowed(request):
    """Staff of the portal whose session passed TOTP recently: the one rule of admin.site.has_permission."""
    user = request.user
    return user.is_active and user.is_staff and request_has_totp(request) and mfa_passed_recently(request)


def admin_login(request, extra_context=None):
    wanted = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(wanted, {request.get_host()}) or not wanted.startswith("/admin/"):
        wanted = reverse("admin:index")
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(wanted, login_url=reverse("account_login"))
    if not (user.is_active and user.is_staff):
        raise PermissionDenied(_("Trang quản trị hệ thống chỉ dành cho quản trị viên kỹ thuật của cổng."))
    if not request_has_totp(request):
        messages.warning(request, _("Hãy bật xác thực hai lớp (TOTP) trước khi vào trang quản trị hệ thống."))
        return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({REDIRECT_FIELD_NAME: wanted})}")
    if not mfa_passed_recently(request):
        return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({REDIRECT_FIELD_NAME: wanted})}")
    return redirect(wanted)


def install(site=admin.site):
    site.login = admin_login
    site.has_permission = admin_allowed

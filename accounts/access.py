"""View guards: who may open which staff page. Denials are 403, never a silent empty page."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .selectors import membership_needs_mfa


def staff_required(*roles):
    """Only staff with a membership (and, when roles are named, one of them) may pass."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = request.membership
            if not membership or (roles and not membership.has_role(*roles)):
                raise PermissionDenied(_("Trang này chỉ dành cho cán bộ có vai trò phù hợp."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def mfa_required(view):
    """Leaders and clerks are sent to set up two-factor authentication before acting."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if membership_needs_mfa(request.membership):
            messages.warning(
                request,
                _("Bạn cần bật xác thực hai lớp (TOTP) trước khi phê duyệt, ký hoặc phát hành văn bản."),
            )
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapped

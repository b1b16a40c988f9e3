"""View guards: who may open which staff page. Denials are 403, never a silent empty page."""

from functools import wraps

from allauth.account.internal.flows.reauthentication import suspend_request
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .selectors import membership_needs_mfa, mfa_passed_recently, user_has_totp


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
    """Approving, signing, issuing and changing roles: leaders, clerks and admins without TOTP are sent to
    set it up; anyone with TOTP must have entered a code in this session within MFA_RECENT_MINUTES, else
    they are asked for one (allauth's re-authentication) and the request they made then goes on."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if membership_needs_mfa(request.membership):
            messages.warning(
                request,
                _("Bạn cần bật xác thực hai lớp (TOTP) trước khi phê duyệt, ký hoặc phát hành văn bản."),
            )
            return redirect("mfa_activate_totp")
        if user_has_totp(request.user) and not mfa_passed_recently(request):
            messages.info(request, _("Để tiếp tục, hãy nhập mã xác thực hai lớp (TOTP)."))
            return suspend_request(request, reverse("mfa_reauthenticate"))
        return view(request, *args, **kwargs)

    return wrapped


def mfa_required_to_post(view):
    """mfa_required for the POST that changes something; the form itself opens without a code."""
    guarded = mfa_required(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return (guarded if request.method == "POST" else view)(request, *args, **kwargs)

    return wrapped

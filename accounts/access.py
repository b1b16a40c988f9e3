"""View guards: who may open which staff page. Denials are 403, never a silent empty page."""

from functools import wraps
from urllib.parse import urlencode, urlsplit

from allauth.account.internal.flows.reauthentication import suspend_request
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .selectors import mfa_passed_recently, request_has_totp, request_needs_mfa


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
        if request_needs_mfa(request):
            messages.warning(
                request,
                _("Bạn cần bật xác thực hai lớp (TOTP) trước khi phê duyệt, ký hoặc phát hành văn bản."),
            )
            return redirect(totp_activate_url(request))
        if request_has_totp(request) and not mfa_passed_recently(request):
            messages.info(request, _("Để tiếp tục, hãy nhập mã xác thực hai lớp (TOTP)."))
            return suspend_request(request, reverse("mfa_reauthenticate"))
        return view(request, *args, **kwargs)

    return wrapped


def asking_page(request):
    """The page a person was on when asked for two-factor: the page itself for a GET, the page whose
    button sent a POST (its Referer, when it is ours); None when unknown."""
    if request.method == "GET":
        return request.get_full_path()
    referer = urlsplit(request.headers.get("Referer", ""))
    back = referer.path + (f"?{referer.query}" if referer.query else "")
    if referer.path and url_has_allowed_host_and_scheme(request.headers["Referer"], {request.get_host()}):
        return back
    return None


def totp_activate_url(request):
    """The TOTP set-up page, told where to send the person back once it is done."""
    url, back = reverse("mfa_activate_totp"), asking_page(request)
    return f"{url}?{urlencode({'next': back})}" if back else url


def mfa_required_to_post(view):
    """mfa_required for the POST that changes something; the form itself opens without a code."""
    guarded = mfa_required(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return (guarded if request.method == "POST" else view)(request, *args, **kwargs)

    return wrapped

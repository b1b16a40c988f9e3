from allauth.mfa.totp.views import ActivateTOTPView
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import run_service

from . import services
from .access import mfa_required_to_post, staff_required
from .forms import InvitationAcceptForm, InviteForm, MembershipForm
from .models import Role, User
from .selectors import SESSION_KEY, memberships_of, staff_get_for_admin, staff_of_agency


@login_required
def citizen_home(request):
    if request.membership:
        return redirect("dashboard")
    return render(request, "accounts/citizen_home.html")


@require_POST
@staff_required()
def membership_switch(request):
    # Compared as text: a forged, non-numeric value is refused like anyone else's post, not a 500.
    wanted = request.POST.get("membership", "")
    chosen = next((m for m in memberships_of(request.user) if str(m.pk) == wanted), None)
    if chosen is None:
        raise PermissionDenied
    request.session[SESSION_KEY] = chosen.pk
    nxt = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(nxt, {request.get_host()}):
        nxt = "dashboard"
    return redirect(nxt)


@staff_required(Role.ADMIN)
def staff_list(request):
    staff = staff_of_agency(request.membership.agency)
    return render(request, "accounts/staff_list.html", {"staff": staff})


@staff_required(Role.ADMIN)
@mfa_required_to_post
def staff_invite(request):
    admin = request.membership
    form = InviteForm(request.POST or None, agency=admin.agency)
    if request.method == "POST" and form.is_valid():
        membership = run_service(
            form,
            lambda: services.staff_invite(
                admin=admin, agency=admin.agency,
                email=form.cleaned_data["email"], full_name=form.cleaned_data["full_name"], **form.post_data(),
            ),
        )
        if membership:
            messages.success(request, _("Đã thêm %(name)s và gửi thư mời đặt mật khẩu.") % {"name": membership.user})
            return redirect("staff_list")
    return render(request, "accounts/staff_form.html", {"form": form, "title": _("Thêm cán bộ")})


@staff_required(Role.ADMIN)
@mfa_required_to_post
def staff_edit(request, pk):
    admin = request.membership
    membership = staff_get_for_admin(admin, pk)
    form = MembershipForm(request.POST or None, instance=membership, agency=admin.agency)
    if request.method == "POST" and form.is_valid():
        if run_service(form, lambda: services.staff_update(admin=admin, membership=membership, **form.post_data())):
            messages.success(request, _("Đã lưu thông tin cán bộ %(name)s.") % {"name": membership.user})
            return redirect("staff_list")
    return render(
        request, "accounts/staff_form.html",
        {"form": form, "title": _("Cán bộ: %(name)s") % {"name": membership.user}, "member": membership},
    )


@require_POST
@staff_required(Role.ADMIN)
def staff_resend_invitation(request, pk):
    membership = staff_get_for_admin(request.membership, pk)
    services.invitation_send(membership)
    messages.success(request, _("Đã gửi lại thư mời tới %(email)s.") % {"email": membership.user.email})
    return redirect("staff_list")


def invitation_accept(request, uidb64, token):
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), kind=User.Kind.STAFF)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if not default_token_generator.check_token(user, token):
        return render(request, "accounts/invitation_invalid.html", status=400)
    form = InvitationAcceptForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.invitation_accept(user=user, password=form.cleaned_data["new_password1"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Chào mừng %(name)s! Mật khẩu đã được đặt.") % {"name": user.full_name})
        return redirect("dashboard")
    return render(request, "accounts/invitation_accept.html", {"form": form, "invited": user})


TOTP_NEXT_SESSION_KEY = "portal_totp_next"


class TotpActivateView(ActivateTOTPView):
    """allauth's TOTP set-up, which then returns to the page that asked for it (?next=) instead of
    showing the recovery codes; those stay one click away on the two-factor page."""

    def dispatch(self, request, *args, **kwargs):
        wanted = request.GET.get("next", "")
        if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}):
            request.session[TOTP_NEXT_SESSION_KEY] = wanted
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self):
        wanted = self.request.session.pop(TOTP_NEXT_SESSION_KEY, "")
        if not url_has_allowed_host_and_scheme(wanted, {self.request.get_host()}):
            return super().get_success_url()
        messages.info(self.request, _("Mã khôi phục dự phòng của bạn xem được ở trang “Xác thực hai lớp”."))
        return wanted


totp_activate = TotpActivateView.as_view()

import time

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.shortcuts import get_object_or_404

from .models import Membership, Role

SESSION_KEY = "membership_id"


def memberships_of(user):
    if not user.is_authenticated:
        return Membership.objects.none()
    # Through the user's own manager, each membership's .user is that same object (no query to read it again).
    return user.memberships.active().select_related("agency", "unit")


def request_memberships(request):
    """memberships_of the request's user, read once per request (the guard, the menu and every panel ask)."""
    if not hasattr(request, "_memberships"):
        request._memberships = list(memberships_of(request.user))
    return request._memberships


def membership_current(request):
    """The membership chosen in this session, else the user's first one; None for citizens."""
    memberships = request_memberships(request)
    if not memberships:
        return None
    chosen = request.session.get(SESSION_KEY)
    return next((m for m in memberships if m.pk == chosen), memberships[0])


def user_has_totp(user):
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def request_has_totp(request):
    """user_has_totp of the request's user, asked once per request (the guard, the banner and every panel ask)."""
    if not hasattr(request, "_has_totp"):
        request._has_totp = user_has_totp(request.user)
    return request._has_totp


def request_needs_mfa(request):
    """Leaders and clerks must use TOTP before they approve, sign or issue anything; agency admins before
    they change anyone's roles. The request's TOTP is asked at most once per request."""
    membership = request.membership
    # request.membership is a lazy object that may wrap None: test its truth, not `is not None`.
    return (bool(membership) and membership.has_role(Role.LEADER, Role.CLERK, Role.ADMIN)
            and not request_has_totp(request))


def mfa_passed_recently(request):
    """Whether this session passed a TOTP (or recovery) code within MFA_RECENT_MINUTES.

    allauth records each authentication method used in the session, with its time; a login through an
    e-mailed link (invitation, password reset) records no "mfa" step, so it never counts.
    """
    since = time.time() - settings.MFA_RECENT_MINUTES * 60
    return any(record.get("method") == "mfa" and record.get("at", 0) >= since
               for record in get_authentication_records(request, request.user))


def staff_of_agency(agency):
    return (
        Membership.objects.filter(agency=agency)
        .select_related("user", "unit")
        .order_by("-is_active", "user__full_name")
    )


def staff_get_for_admin(admin_membership, pk):
    """A membership of the admin's own agency, else 404."""
    return get_object_or_404(staff_of_agency(admin_membership.agency), pk=pk)

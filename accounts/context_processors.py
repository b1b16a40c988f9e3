from .selectors import membership_needs_mfa, memberships_of


def membership(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    current = request.membership
    return {
        "membership": current,
        "memberships": memberships_of(request.user) if current else [],
        "needs_mfa": membership_needs_mfa(current),
    }

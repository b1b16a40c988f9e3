"""Reading the API's tokens: an agency admin sees only the agency's own."""

from django.shortcuts import get_object_or_404

from accounts.models import Membership

from .models import ApiToken


def tokens_of(agency):
    return ApiToken.objects.filter(agency=agency).select_related("member__user", "created_by", "revoked_by")


def token_get_for_admin(admin, pk):
    """A token of the admin's own agency, else 404."""
    return get_object_or_404(tokens_of(admin.agency), pk=pk)


def token_uses(token, limit=20):
    return token.uses.all()[:limit]


def members_for_tokens(agency):
    """The staff posts a token may act as: the agency's active ones."""
    return (Membership.objects.active().filter(agency=agency).select_related("user", "unit")
            .order_by("user__full_name"))

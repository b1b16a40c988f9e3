"""Who passes: a valid token; writing needs a token with write scope. What the token then sees or does is
decided by the documents' selectors and services for the staff post it acts as."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from .models import ApiToken


class TokenScope(permissions.BasePermission):
    message = _("Mã truy cập này chỉ được đọc, không được ghi.")

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        return request.method in permissions.SAFE_METHODS or token.can_write

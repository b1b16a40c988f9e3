"""Issuing, revoking and using the API's access tokens (docs/api.md).

A key is "vbapi_" and 32 random bytes (secrets.token_urlsafe): shown once to the admin who issues it; the
database keeps its SHA-256 and its first characters (to tell tokens apart on the page), never the key.
"""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role

from .models import ApiToken, ApiTokenUse

KEY_PREFIX = "vbapi_"
KEY_MAX_LENGTH = 100


def key_sha256(key):
    return hashlib.sha256(key.encode()).hexdigest()


def _admin_of(admin, agency):
    if not (admin and admin.has_role(Role.ADMIN) and admin.agency_id == agency.pk):
        raise PermissionDenied(_("Chỉ quản trị cơ quan được cấp và thu hồi mã truy cập API của cơ quan."))


@transaction.atomic
def token_issue(*, admin, name, scope, member):
    """The agency admin issues a token for one of the agency's systems, acting as `member` (an active staff
    post of the same agency). Returns (ApiToken, key): the key is never stored, the caller shows it once."""
    _admin_of(admin, admin.agency)
    if not Membership.objects.active().filter(pk=member.pk, agency=admin.agency).exists():
        raise ValidationError({"member": _("Chọn một cán bộ đang công tác của cơ quan.")})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": _("Phạm vi không hợp lệ.")})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(agency=admin.agency, member=member, name=name.strip(), scope=scope,
                                    key_prefix=key[:len(KEY_PREFIX) + 4], key_sha256=key_sha256(key),
                                    created_by=admin.user)
    return token, key


@transaction.atomic
def token_revoke(*, admin, token):
    """The token stops working at once, for good. Revoking a revoked token changes nothing."""
    _admin_of(admin, token.agency)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at, token.revoked_by = timezone.now(), admin.user
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def token_for_key(key):
    """The active token of that key whose staff post is still active, else None."""
    if not key or len(key) > KEY_MAX_LENGTH or not key.startswith(KEY_PREFIX):
        return None
    return (ApiToken.objects.select_related("agency", "member__user", "member__agency", "member__unit")
            .filter(key_sha256=key_sha256(key), revoked_at__isnull=True, agency__is_active=True,
                    member__in=Membership.objects.active()).first())


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the header a trusted proxy sets (settings.CLIENT_IP_META_KEY)."""
    value = request.META.get(settings.CLIENT_IP_META_KEY or "REMOTE_ADDR", "") or ""
    return value.split(",")[0].strip() or None


def token_use_record(token, *, method, path, status, ip):
    """Note one request made with the token, and when it was last used."""
    now = timezone.now()
    ApiTokenUse.objects.create(token=token, method=method[:10], path=path[:500], status=status, client_ip=ip)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)

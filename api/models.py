"""Access tokens of the REST API: issued by an agency admin to one of the agency's other systems (an
integration), read or read and write, acting as one staff post of the agency so that the documents' own
selectors and services decide what it may see and do (docs/api.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import NFCCharField


class ApiToken(models.Model):
    """The key itself is shown once when issued; only its SHA-256 is kept, so a leaked database opens nothing."""

    class Scope(models.TextChoices):
        READ = "read", _("Chỉ đọc")
        WRITE = "write", _("Đọc và ghi")

    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE,
                               related_name="api_tokens")
    # Whose rights the integration has: the documents' selectors and services read this post's roles.
    member = models.ForeignKey(
        "accounts.Membership", verbose_name=_("thay mặt cán bộ"), on_delete=models.PROTECT, related_name="api_tokens",
        help_text=_("Hệ thống dùng mã này được xem và làm đúng những gì cán bộ này được xem và làm "
                    "(trừ văn bản mật)."))
    name = NFCCharField(_("tên hệ thống sử dụng"), max_length=120,
                        help_text=_("Ví dụ: Phần mềm quản lý hồ sơ một cửa."))
    scope = models.CharField(_("phạm vi"), max_length=5, choices=Scope.choices, default=Scope.READ)
    key_prefix = models.CharField(_("đầu mã"), max_length=12)
    key_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người cấp"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("thời điểm cấp"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("thời điểm thu hồi"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người thu hồi"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    last_used_at = models.DateTimeField(_("lần dùng gần nhất"), null=True, blank=True)

    class Meta:
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                                   name="api_token_revoked_by_someone"),
        ]

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None

    @property
    def can_write(self):
        return self.scope == self.Scope.WRITE


class ApiTokenUse(models.Model):
    """One request made with a token: when, what, from where and how it was answered."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    method = models.CharField(_("phương thức"), max_length=10)
    path = models.CharField(_("địa chỉ"), max_length=500)
    status = models.PositiveSmallIntegerField(_("mã trả lời"))
    client_ip = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("lượt dùng mã truy cập API")
        verbose_name_plural = _("lượt dùng mã truy cập API")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["token", "-at"], name="api_token_use_recent_idx")]

    def __str__(self):
        return f"{self.method} {self.path} {self.status}"

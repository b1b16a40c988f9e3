from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EXPIRY_WARNING_DAYS = 30


class AgencyCertificate(models.Model):
    """An agency's signing certificate (chứng thư số của cơ quan) with its private key encrypted at rest.

    The key is kept only as core.crypto ciphertext: it is never shown, exported or stored in clear.
    """

    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="certificates"
    )
    subject_cn = models.CharField(_("tên chủ thể (CN)"), max_length=255)
    subject_dn = models.TextField(_("chủ thể"))
    issuer_dn = models.TextField(_("tổ chức cấp"))
    serial_number = models.CharField(_("số hiệu"), max_length=80)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    fingerprint_sha256 = models.CharField(_("dấu vân tay SHA-256"), max_length=64)
    certificate_pem = models.TextField(_("chứng thư (PEM)"))
    chain_pem = models.TextField(_("chuỗi chứng thư của tổ chức cấp (PEM)"), blank=True)
    private_key_encrypted = models.TextField(_("khóa bí mật (đã mã hóa)"), editable=False)
    is_active = models.BooleanField(_("đang dùng để ký"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), default=timezone.now)

    class Meta:
        verbose_name = _("chứng thư số của cơ quan")
        verbose_name_plural = _("chứng thư số của cơ quan")
        ordering = ["agency__name", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"], condition=Q(is_active=True), name="pki_one_active_certificate_per_agency",
                violation_error_message=_("Mỗi cơ quan chỉ có một chứng thư số đang dùng để ký."),
            ),
        ]

    def __str__(self):
        return f"{self.subject_cn} ({self.serial_number})"

    def is_valid_at(self, moment=None):
        moment = moment or timezone.now()
        return self.not_before <= moment < self.not_after

    @property
    def is_expired(self):
        return self.not_after <= timezone.now()

    @property
    def days_to_expiry(self):
        return (self.not_after - timezone.now()).days

    @property
    def expires_soon(self):
        return 0 <= self.days_to_expiry < EXPIRY_WARNING_DAYS

    @property
    def fingerprint_display(self):
        """AA:BB:… as certificate viewers show it."""
        upper = self.fingerprint_sha256.upper()
        return ":".join(upper[i:i + 2] for i in range(0, len(upper), 2))

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EXPIRY_WARNING_DAYS = 30


class KeyStore(models.TextChoices):
    """Where the private key of a certificate lives (docs/signatures.md)."""

    PORTAL = "portal", _("Tệp khóa do cổng giữ (PKCS#12, mã hóa)")
    PKCS11 = "pkcs11", _("Thiết bị ký số (token, HSM qua PKCS#11)")
    REMOTE = "remote", _("Ký số từ xa (xác nhận trên điện thoại)")


class CertificateFields(models.Model):
    """What every certificate record shows: subject, issuer, validity, fingerprint, the certificate itself."""

    subject_cn = models.CharField(_("tên chủ thể (CN)"), max_length=255)
    subject_dn = models.TextField(_("chủ thể"))
    issuer_dn = models.TextField(_("tổ chức cấp"))
    serial_number = models.CharField(_("số hiệu"), max_length=80)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    fingerprint_sha256 = models.CharField(_("dấu vân tay SHA-256"), max_length=64)
    certificate_pem = models.TextField(_("chứng thư (PEM)"))
    chain_pem = models.TextField(_("chuỗi chứng thư của tổ chức cấp (PEM)"), blank=True)
    is_active = models.BooleanField(_("đang dùng để ký"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), default=timezone.now)
    # Where the key lives; for PKCS#11, the token and the key's label on it (the module is settings.PKCS11_MODULE).
    store = models.CharField(_("nơi giữ khóa"), max_length=10, choices=KeyStore.choices, default=KeyStore.PORTAL)
    pkcs11_token_label = models.CharField(_("nhãn thiết bị ký số"), max_length=100, blank=True)
    pkcs11_key_label = models.CharField(_("nhãn khóa trên thiết bị"), max_length=100, blank=True)

    class Meta:
        abstract = True

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


class AgencyCertificate(CertificateFields):
    """An agency's signing certificate (chứng thư số của cơ quan): the seal signature at issue (Decree 30 Art. 5).

    With store=portal the key is kept only as core.crypto ciphertext: never shown, exported or stored in clear.
    With store=pkcs11 it never leaves the token; the token's user PIN comes from settings.PKCS11_PINS.
    """

    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="certificates"
    )
    private_key_encrypted = models.TextField(_("khóa bí mật (đã mã hóa)"), editable=False, blank=True)
    signs_mail = models.BooleanField(
        _("ký thư điện tử (S/MIME)"), default=False,
        help_text=_("Thư cổng gửi nhân danh cơ quan được ký S/MIME bằng chứng thư này."),
    )

    class Meta:
        verbose_name = _("chứng thư số của cơ quan")
        verbose_name_plural = _("chứng thư số của cơ quan")
        ordering = ["agency__name", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"], condition=Q(is_active=True), name="pki_one_active_certificate_per_agency",
                violation_error_message=_("Mỗi cơ quan chỉ có một chứng thư số đang dùng để ký."),
            ),
            models.UniqueConstraint(
                fields=["agency"], condition=Q(signs_mail=True), name="pki_one_mail_certificate_per_agency",
                violation_error_message=_("Mỗi cơ quan chỉ có một chứng thư số dùng để ký thư điện tử."),
            ),
        ]


class PersonalCertificate(CertificateFields):
    """A competent person's own signing certificate (chứng thư số cá nhân): the signer's signature at approval.

    store=portal: the PKCS#8 key encrypted with a key derived from the person's signing PIN, then with
    core.crypto; the PIN is never stored, and wrong PINs count towards `pin_locked_until`.
    store=pkcs11: the key stays on the token; the person's PIN opens it at the moment of signing.
    store=remote: the key stays with a remote signing service (settings.REMOTE_SIGNING_PROVIDERS[remote_provider]);
    the person confirms each signature on their phone.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người ký"), on_delete=models.CASCADE,
        related_name="signing_certificates",
    )
    private_key_encrypted = models.TextField(_("khóa bí mật (đã mã hóa bằng mã PIN)"), editable=False, blank=True)
    remote_provider = models.CharField(_("dịch vụ ký số từ xa"), max_length=40, blank=True)
    remote_account = models.CharField(_("tài khoản tại dịch vụ ký số từ xa"), max_length=200, blank=True)
    remote_credential_id = models.CharField(_("mã chứng thư tại dịch vụ ký số từ xa"), max_length=200, blank=True)
    failed_pin_attempts = models.PositiveSmallIntegerField(_("số lần nhập sai mã PIN"), default=0)
    pin_locked_until = models.DateTimeField(_("khóa nhập mã PIN đến"), null=True, blank=True)

    class Meta:
        verbose_name = _("chứng thư số cá nhân")
        verbose_name_plural = _("chứng thư số cá nhân")
        ordering = ["user__full_name", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_active=True), name="pki_one_active_certificate_per_person",
                violation_error_message=_("Mỗi người chỉ có một chứng thư số cá nhân đang dùng để ký."),
            ),
        ]


def _appearance_upload_to(instance, filename):
    return f"pki/{instance._meta.model_name}/{uuid.uuid4().hex}.png"


class SignatureImage(models.Model):
    """A person's handwritten signature (blue, transparent PNG) shown at the signer's place (Decree 30 Annex I)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("người ký"), on_delete=models.CASCADE, related_name="signature_image"
    )
    image = models.FileField(_("ảnh chữ ký"), upload_to=_appearance_upload_to)
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), default=timezone.now)

    class Meta:
        verbose_name = _("ảnh chữ ký")
        verbose_name_plural = _("ảnh chữ ký")

    def __str__(self):
        return str(self.user)


class SealImage(models.Model):
    """An agency's seal (red, transparent PNG) printed at actual size over a third of the signer's image."""

    agency = models.OneToOneField(
        "agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="seal_image"
    )
    image = models.FileField(_("ảnh con dấu"), upload_to=_appearance_upload_to)
    diameter_mm = models.PositiveSmallIntegerField(_("đường kính con dấu (mm)"), default=36)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải lên"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), default=timezone.now)

    class Meta:
        verbose_name = _("ảnh con dấu")
        verbose_name_plural = _("ảnh con dấu")

    def __str__(self):
        return str(self.agency)


class Revocation(models.Model):
    """A certificate the demo CA has revoked: its CRL lists it and its OCSP responder answers "revoked"."""

    serial_number = models.CharField(_("số hiệu"), max_length=80, unique=True)
    revoked_at = models.DateTimeField(_("thời điểm thu hồi"), default=timezone.now)
    reason = models.CharField(_("lý do"), max_length=40, default="unspecified")
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người thu hồi"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("chứng thư số bị thu hồi")
        verbose_name_plural = _("chứng thư số bị thu hồi")
        ordering = ["-revoked_at"]

    def __str__(self):
        return self.serial_number


class RemoteSigningRequest(models.Model):
    """One signature asked of a remote signing service, waiting for the person to confirm on their phone.

    pki knows nothing of documents: `purpose` and `object_id` say what is signed ("outgoing-approve", pk).
    `prepared` holds the PDF with the room for the signature; `state` what is needed to finish it
    (the document digest, the byte range, the signed attributes) - pyHanko's interrupted signing.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ xác nhận trên điện thoại")
        COMPLETED = "completed", _("Đã ký")
        REFUSED = "refused", _("Người ký đã từ chối")
        EXPIRED = "expired", _("Hết thời gian chờ xác nhận")
        CANCELLED = "cancelled", _("Đã hủy")
        FAILED = "failed", _("Lỗi dịch vụ ký số từ xa")

    certificate = models.ForeignKey(
        PersonalCertificate, verbose_name=_("chứng thư số"), on_delete=models.PROTECT, related_name="remote_requests"
    )
    purpose = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING)
    provider_request_id = models.CharField(max_length=200, blank=True)
    prepared = models.FileField(upload_to="pki/remote/", blank=True)
    state = models.JSONField(default=dict, blank=True)
    message = models.TextField(_("thông báo"), blank=True)
    created_at = models.DateTimeField(_("thời điểm yêu cầu"), default=timezone.now)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    finished_at = models.DateTimeField(_("thời điểm kết thúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("yêu cầu ký số từ xa")
        verbose_name_plural = _("yêu cầu ký số từ xa")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "object_id"], condition=Q(status="pending"), name="pki_one_pending_remote_request",
                violation_error_message=_("Văn bản này đang chờ người ký xác nhận trên điện thoại."),
            ),
        ]

    def __str__(self):
        return f"{self.purpose} {self.object_id} ({self.status})"

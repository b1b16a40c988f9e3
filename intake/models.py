import contextvars
import uuid
from contextlib import contextmanager

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.crypto import decrypt, encrypt


def _storage_name(folder, agency_id, extension=""):
    # Never the sender's file name, which only shows in the UI (and in Content-Disposition on download).
    return f"intake/{folder}/{agency_id}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extension}"


def raw_upload_to(message, _filename):
    return _storage_name("raw", message.agency_id, ".eml")


def attachment_upload_to(attachment, _filename):
    folder = "files" if attachment.verdict == InboundAttachment.Verdict.ACCEPTED else "quarantine"
    return _storage_name(folder, attachment.message.agency_id)


_status_writes = contextvars.ContextVar("inbound_status_writes", default=False)


class StatusWriteRefused(RuntimeError):
    """A mailbox item's status was written outside intake/lifecycle.py."""


@contextmanager
def status_writes_allowed():
    """Only intake.lifecycle.apply opens this; anything else that writes the status is refused."""
    token = _status_writes.set(True)
    try:
        yield
    finally:
        _status_writes.reset(token)


class InboundMessageQuerySet(models.QuerySet):
    """Bulk writes cannot change a status behind the lifecycle's back."""

    def update(self, **kwargs):
        if "status" in kwargs and not _status_writes.get():
            raise StatusWriteRefused("InboundMessage.status changes only through intake.lifecycle")
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "status" in fields and not _status_writes.get():
            raise StatusWriteRefused("InboundMessage.status changes only through intake.lifecycle")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.check_status_write(adding=True)
        return super().bulk_create(objs, *args, **kwargs)


class Mailbox(models.Model):
    """An agency's official IMAP mailbox, read regularly (Directive 34/2008/CT-TTg) and never changed."""

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS (thường là cổng 993)")
        STARTTLS = "starttls", _("STARTTLS (thường là cổng 143)")
        NONE = "none", _("Không mã hóa (chỉ dùng trong mạng nội bộ)")

    agency = models.OneToOneField(
        "agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="mailbox"
    )
    host = models.CharField(_("máy chủ IMAP"), max_length=255)
    port = models.PositiveIntegerField(_("cổng"), default=993)
    security = models.CharField(_("bảo mật kết nối"), max_length=10, choices=Security.choices, default=Security.SSL)
    username = models.CharField(_("tên đăng nhập"), max_length=255)
    password_encrypted = models.TextField(_("mật khẩu (đã mã hóa)"), blank=True, editable=False)
    folder = models.CharField(_("thư mục"), max_length=255, default="INBOX")
    enabled = models.BooleanField(_("đang đọc tự động"), default=True)

    # Where reading has got to on the server; UIDs only mean something together with UIDVALIDITY.
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(_("UID thư cuối đã đọc"), default=0, editable=False)
    last_checked_at = models.DateTimeField(_("lần đọc gần nhất"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("lần đọc thành công gần nhất"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("thời điểm lỗi"), null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(_("số lần lỗi liên tiếp"), default=0, editable=False)
    # The run that is reading now; a run that dies leaves a lease that simply runs out.
    poll_token = models.UUIDField(null=True, blank=True, editable=False)
    poll_lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hộp thư cơ quan")
        verbose_name_plural = _("hộp thư cơ quan")
        constraints = [
            models.CheckConstraint(condition=Q(port__gte=1) & Q(port__lte=65535), name="mailbox_port_in_range"),
        ]

    def __str__(self):
        return f"{self.username}@{self.host} ({self.agency.short_name})"

    def set_password(self, raw_password):
        self.password_encrypted = encrypt(raw_password.encode("utf-8"))

    def get_password(self):
        """The stored password in clear, for logging in only; raises InvalidToken if the key changed."""
        return decrypt(self.password_encrypted).decode("utf-8") if self.password_encrypted else ""

    @property
    def has_password(self):
        return bool(self.password_encrypted)


class InboundMessage(models.Model):
    """One e-mail read from an agency mailbox, waiting for the clerk (thư đến chờ xử lý)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ xử lý")
        CORRESPONDENCE = "correspondence", _("Thư trao đổi")
        REGISTERED = "registered", _("Đã vào sổ")
        DISMISSED = "dismissed", _("Đã bỏ qua")

    # New items start in one of these; every later change is a transition of intake/lifecycle.py.
    INITIAL_STATUSES = frozenset({Status.PENDING, Status.CORRESPONDENCE})

    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("cơ quan nhận"), on_delete=models.CASCADE, related_name="inbound_messages"
    )
    mailbox = models.ForeignKey(Mailbox, verbose_name=_("hộp thư"), on_delete=models.PROTECT, related_name="messages")
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"))
    uid = models.BigIntegerField(_("UID"))
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True, db_index=True)
    raw_sha256 = models.CharField(_("SHA-256 của thư gốc"), max_length=64)
    raw = models.FileField(_("thư gốc (.eml)"), max_length=500, upload_to=raw_upload_to)

    sender_name = models.CharField(_("tên người gửi"), max_length=255, blank=True)
    sender_email = models.EmailField(_("địa chỉ người gửi"), max_length=320, blank=True)
    sender_is_official = models.BooleanField(_("người gửi dùng thư công vụ"), default=False)
    subject = models.TextField(_("tiêu đề"), blank=True)
    body_text = models.TextField(_("nội dung"), blank=True)
    sent_at = models.DateTimeField(_("ngày gửi"), null=True, blank=True)
    received_at = models.DateTimeField(_("thời điểm nhận"), default=timezone.now, db_index=True)
    imported_at = models.DateTimeField(_("thời điểm đọc về"), auto_now_add=True)

    status = models.CharField(_("trạng thái"), max_length=20, choices=Status.choices, default=Status.PENDING)
    status_changed_at = models.DateTimeField(_("đổi trạng thái lúc"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        "accounts.Membership", verbose_name=_("người đổi trạng thái"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    warnings = models.JSONField(_("cảnh báo"), default=list, blank=True)

    hint_number_notation = models.CharField(_("số, ký hiệu (gợi ý)"), max_length=100, blank=True)
    hint_document_date = models.DateField(_("ngày văn bản (gợi ý)"), null=True, blank=True)
    hint_document_type = models.CharField(_("loại văn bản (gợi ý)"), max_length=50, blank=True)
    hint_issuing_agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("cơ quan ban hành (gợi ý)"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    hint_issuing_unit = models.ForeignKey(
        "agencies.Unit", verbose_name=_("đơn vị gửi (gợi ý)"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    # The first item with the same Message-ID, when this one came again with other content (a resend, a
    # forward through another server): the clerk sees both before registering either.
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("trùng Message-ID với thư"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="repeats",
    )

    objects = InboundMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("thư đến từ hộp thư")
        verbose_name_plural = _("thư đến từ hộp thư")
        ordering = ["-received_at", "-pk"]
        constraints = [
            # The final guard against importing one server message twice.
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="inbound_unique_server_uid"),
            # After a UIDVALIDITY change the same bytes come back under new UIDs.
            models.UniqueConstraint(fields=["agency", "raw_sha256"], name="inbound_unique_raw_per_agency"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "correspondence", "registered", "dismissed"]),
                name="inbound_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["agency", "status", "-received_at"], name="inbound_agency_status_idx")]

    def __str__(self):
        return self.subject or str(_("(không có tiêu đề)"))

    def save(self, *args, **kwargs):
        self.check_status_write(adding=self._state.adding, update_fields=kwargs.get("update_fields"))
        super().save(*args, **kwargs)
        self._saved_status = self.__dict__.get("status")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._saved_status = instance.__dict__.get("status")
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._saved_status = self.__dict__.get("status")

    def check_status_write(self, *, adding, update_fields=None):
        """Refuse a status write that does not come from intake.lifecycle (a guard, not a rule)."""
        if _status_writes.get() or "status" not in self.__dict__:
            return
        if update_fields is not None and "status" not in update_fields:
            return
        if adding:
            if self.status not in self.INITIAL_STATUSES:
                raise StatusWriteRefused(f"a new InboundMessage cannot start as {self.status!r}")
        elif self.status != getattr(self, "_saved_status", self.status):
            raise StatusWriteRefused("InboundMessage.status changes only through intake.lifecycle")

    @property
    def is_open(self):
        from . import lifecycle  # here, not at the top: lifecycle imports this module

        return lifecycle.is_open(self)


class InboundAttachment(models.Model):
    """A file that came with an inbound e-mail; refused files are kept in quarantine, never offered."""

    class Verdict(models.TextChoices):
        ACCEPTED = "accepted", _("Đã nhận")
        REFUSED = "refused", _("Từ chối (cách ly)")

    class Signature(models.TextChoices):
        """The outcome of pki.validation for a PDF, as screening found it (blank: not a PDF)."""

        VALID = "valid", _("Chữ ký số hợp lệ, tin cậy")
        UNTRUSTED = "untrusted", _("Chữ ký số không tin cậy")
        TAMPERED = "tampered", _("Tệp đã bị sửa sau khi ký")
        INVALID = "invalid", _("Chữ ký số không hợp lệ")
        MODIFIED = "modified", _("Tệp bị bổ sung, sửa đổi sau khi ký")
        UNSIGNED = "unsigned", _("Không có chữ ký số")
        ERROR = "error", _("Không kiểm tra được chữ ký số")

    message = models.ForeignKey(
        InboundMessage, verbose_name=_("thư"), on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(_("tên tệp"), max_length=255)
    declared_content_type = models.CharField(_("kiểu nội dung khai báo"), max_length=255, blank=True)
    sniffed_content_type = models.CharField(_("kiểu nội dung thực tế"), max_length=255, blank=True)
    size = models.BigIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(_("tệp"), max_length=500, upload_to=attachment_upload_to)
    is_inline = models.BooleanField(_("nằm trong nội dung thư"), default=False)
    verdict = models.CharField(_("kết quả kiểm tra"), max_length=10, choices=Verdict.choices)
    refusal_reason = models.TextField(_("lý do từ chối"), blank=True)
    signature = models.CharField(_("chữ ký số"), max_length=10, choices=Signature.choices, blank=True)
    signature_summary = models.TextField(_("kết quả kiểm tra chữ ký số"), blank=True)
    signer = models.CharField(_("người ký"), max_length=255, blank=True)
    signed_at = models.DateTimeField(_("thời điểm ký"), null=True, blank=True)
    # Active content core.files found (script, launch actions, embedded files...): shown to the clerk.
    active_content = models.JSONField(_("nội dung chủ động"), default=list, blank=True)

    class Meta:
        verbose_name = _("tệp đính kèm thư đến")
        verbose_name_plural = _("tệp đính kèm thư đến")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verdict="accepted", refusal_reason="") | (Q(verdict="refused") & ~Q(refusal_reason="")),
                name="inbound_attachment_refusal_has_reason",
            ),
        ]

    def __str__(self):
        return self.filename

    @property
    def is_accepted(self):
        return self.verdict == self.Verdict.ACCEPTED

    @property
    def signature_problem(self):
        """A PDF whose signature is missing, broken or not trusted."""
        return self.signature not in ("", self.Signature.VALID)




# The mailbox checked on time and questions answered (issue 16) live in their own module.
from .models_checks import (  # noqa: E402, F401
    CalendarDay,
    MailboxCheck,
    MailboxCheckRule,
    MailboxCheckSlot,
    Question,
)

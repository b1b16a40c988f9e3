"""Every edXML envelope this installation sent to or received from another one, or a clerk exported or imported.

A row is written before an envelope goes out and when one comes in, so that a repeat is recognised (the
receiver is idempotent on the message id and on DocumentId) and nothing is sent twice.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def _envelope_upload_to(instance, filename):
    return f"exchange/{instance.direction}/{instance.created_at:%Y/%m}/{filename}"


class ExchangeMessage(models.Model):
    class Direction(models.TextChoices):
        OUT = "out", _("Gửi đi")
        IN = "in", _("Nhận về")

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Văn bản")
        STATUS = "status", _("Trạng thái")

    class State(models.TextChoices):
        PENDING = "pending", _("Đang chờ gửi")
        SENDING = "sending", _("Đang gửi")
        RETRY = "retry", _("Lỗi tạm thời, sẽ gửi lại")
        DONE = "done", _("Đã gửi / đã nhận")
        FAILED = "failed", _("Gửi không thành công")
        REFUSED = "refused", _("Bị từ chối")

    direction = models.CharField(_("chiều"), max_length=3, choices=Direction.choices)
    kind = models.CharField(_("loại gói tin"), max_length=10, choices=Kind.choices)
    # Null for an envelope a clerk exported or imported as a file.
    installation = models.ForeignKey("agencies.Installation", verbose_name=_("hệ thống liên thông"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="messages")
    message_id = models.CharField(_("mã gói tin"), max_length=100)
    document_id = models.CharField(_("mã văn bản edXML"), max_length=255, blank=True)
    # Business type of a document envelope (0 new, 1 recall, 2 update, 3 replace); status code of a status one.
    business = models.CharField(_("nghiệp vụ"), max_length=1, blank=True)
    status_code = models.CharField(_("mã trạng thái"), max_length=2, blank=True)
    from_code = models.CharField(_("mã cơ quan gửi"), max_length=13, blank=True)
    to_code = models.CharField(_("mã cơ quan nhận"), max_length=13, blank=True)
    # A status envelope still to be built: the reason (02, 16) and who gave it, as the sender will read them.
    reason = models.TextField(_("lý do"), blank=True)
    staff_name = models.CharField(_("người xử lý"), max_length=255, blank=True)
    envelope = models.FileField(_("gói tin"), upload_to=_envelope_upload_to, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    delivery = models.ForeignKey("documents.Delivery", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="exchange_messages")
    incoming = models.ForeignKey("documents.Incoming", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="exchange_messages")
    state = models.CharField(_("tình trạng"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    next_attempt_at = models.DateTimeField(_("gửi lại lúc"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("thời điểm tạo"), auto_now_add=True)
    done_at = models.DateTimeField(_("thời điểm xong"), null=True, blank=True)

    class Meta:
        verbose_name = _("gói tin liên thông")
        verbose_name_plural = _("gói tin liên thông")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["direction", "installation", "message_id"],
                                    name="exchange_message_once", nulls_distinct=False),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="exchange_active_idx",
                         condition=Q(state__in=["pending", "sending", "retry"])),
        ]

    def __str__(self):
        return f"{self.get_direction_display()} {self.message_id}"

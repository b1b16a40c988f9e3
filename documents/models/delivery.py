from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..delivery_responses import response_sentence


class Delivery(models.Model):
    """The electronic copy of an issued document on its way to one recipient (Directive 34).

    One row per destination: an agency on the portal, or an e-mail address. The row is claimed
    before sending and marked after, so a task that runs twice or a worker that dies never sends
    the same document to the same recipient twice. The states and their moves are declared in
    documents.delivery_lifecycle, the only module that writes `status`.
    """

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Trong cổng")
        EMAIL = "email", _("Thư điện tử")
        PAPER = "paper", _("Chỉ gửi bản giấy")

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ gửi")
        SENDING = "sending", _("Đang gửi")
        CONFIRMING = "confirming", _("Đang xác nhận")
        RETRY = "retry", _("Lỗi tạm thời, sẽ gửi lại")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không thành công")
        UNCERTAIN = "uncertain", _("Chưa rõ đã gửi hay chưa")
        DEFERRED = "deferred", _("Chờ máy chủ thư kết nối lại")
        NOT_ELECTRONIC = "not_electronic", _("Không gửi điện tử")

    FINAL = (Status.SENT, Status.FAILED, Status.UNCERTAIN, Status.NOT_ELECTRONIC)

    outgoing = models.ForeignKey("documents.Outgoing", on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("agencies.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("nơi nhận"), max_length=255)
    email = models.EmailField(_("thư điện tử"), blank=True)
    is_citizen = models.BooleanField(default=False)
    dossier = models.CharField(max_length=100, blank=True)
    # Citizen deliveries of non-secret documents only: the code a citizen types at /lookup/ (see core.codes).
    lookup_code = models.CharField(_("mã tra cứu"), max_length=16, null=True, blank=True, unique=True,
                                   editable=False)
    status = models.CharField(_("trạng thái"), max_length=15, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần gửi"), default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The claim holds until then; the sending run renews it while it works (documents.mail_delivery.Lease).
    lease_until = models.DateTimeField(null=True, blank=True)
    # Waiting for the mail relay since then; after DELIVERY_QUEUE_LIFETIME it fails.
    deferred_since = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_attempt_at = models.DateTimeField(_("lần gửi gần nhất"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("gửi lại lúc"), null=True, blank=True)
    sent_at = models.DateTimeField(_("thời điểm gửi xong"), null=True, blank=True)
    response = models.TextField(_("phản hồi của máy chủ"), blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lượt gửi")
        verbose_name_plural = _("lượt gửi")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["outgoing", "agency", "unit"], condition=Q(channel="portal"),
                                    name="one_portal_delivery_per_recipient", nulls_distinct=False),
            models.UniqueConstraint(fields=["outgoing", "email"], condition=Q(channel="email"),
                                    name="one_email_delivery_per_address"),
        ]
        # The six-monthly report (reports.figures) sums each document's deliveries by an index-only scan.
        indexes = [
            models.Index(fields=["outgoing"], name="delivery_report_idx", include=["channel", "status", "is_citizen"]),
            # Recovery (beat, every few seconds) looks only at rows still on their way.
            models.Index(fields=["status", "next_attempt_at"], name="delivery_active_idx",
                         condition=Q(status__in=["pending", "sending", "confirming", "retry", "deferred"])),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_channel_display()})"

    @property
    def response_summary(self):
        """The last answer in a sentence for the clerk (the raw answer stays in `response`)."""
        return response_sentence(self.response)

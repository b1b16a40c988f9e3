from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..delivery_responses import response_sentence
from .common import EdxmlStatus


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
        # To an agency served by another installation of the portal, as a signed edXML envelope (exchange app).
        PEER = "peer", _("Liên thông")

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ gửi")
        SENDING = "sending", _("Đang gửi")
        CONFIRMING = "confirming", _("Đang xác nhận")
        RETRY = "retry", _("Lỗi tạm thời, sẽ gửi lại")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không thành công")
        UNCERTAIN = "uncertain", _("Chưa rõ đã gửi hay chưa")
        # Accepted, then returned: a delivery report came back to its VERP address (documents.bounces).
        BOUNCED = "bounced", _("Bị trả lại")
        DEFERRED = "deferred", _("Chờ máy chủ thư kết nối lại")
        NOT_ELECTRONIC = "not_electronic", _("Không gửi điện tử")

    FINAL = (Status.SENT, Status.FAILED, Status.UNCERTAIN, Status.BOUNCED, Status.NOT_ELECTRONIC)
    # Did not go through, or may not have: the clerk's to see (the desk, first on the delivery card).
    NEEDS_CLERK = (Status.FAILED, Status.BOUNCED, Status.UNCERTAIN)

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
    # What the recipient's installation last said of its copy (channel peer; a portal delivery's is
    # `incoming.status`): an edXML status code, its reason (02), and when it was said.
    remote_status = models.CharField(_("trạng thái tại nơi nhận"), max_length=2, choices=EdxmlStatus.choices,
                                     blank=True)
    remote_status_reason = models.TextField(_("lý do"), blank=True)
    remote_status_at = models.DateTimeField(_("thời điểm cập nhật trạng thái"), null=True, blank=True)
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
            models.UniqueConstraint(fields=["outgoing", "agency"], condition=Q(channel="peer"),
                                    name="one_peer_delivery_per_agency"),
        ]
        # The six-monthly report (reports.figures) sums each document's deliveries by an index-only scan.
        indexes = [
            models.Index(fields=["outgoing"], name="delivery_report_idx", include=["channel", "status", "is_citizen"]),
            # Recovery (beat, every few seconds) looks only at rows still on their way.
            models.Index(fields=["status", "next_attempt_at"], name="delivery_active_idx",
                         condition=Q(status__in=["pending", "sending", "confirming", "retry", "deferred"])),
            # The clerk's desk: the latest deliveries that did not go through.
            models.Index(fields=["outgoing"], name="delivery_unsuccessful_idx",
                         condition=Q(status__in=["failed", "bounced", "uncertain"])),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_channel_display()})"

    @property
    def response_summary(self):
        """The last answer in a sentence for the clerk (the raw answer stays in `response`)."""
        return response_sentence(self.response)


class MailReport(models.Model):
    """Mail no person wrote, read from an agency mailbox and handled without the clerk (intake.automatic):
    a delivery report (bounce, delay, relayed) matched where possible to the delivery it is about, or an
    auto-reply. Kept so that what was done with it can be seen; it never becomes an incoming item."""

    class Kind(models.TextChoices):
        BOUNCE = "bounce", _("Báo không gửi được (thư bị trả lại)")
        DELAYED = "delayed", _("Báo gửi chậm")
        DELIVERED = "delivered", _("Báo đã chuyển tiếp hoặc đã nhận")
        AUTO_REPLY = "auto_reply", _("Thư trả lời tự động")

    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE,
                               related_name="+")
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    delivery = models.ForeignKey(Delivery, verbose_name=_("lượt gửi"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="mail_reports")
    recipient = models.CharField(_("địa chỉ được báo"), max_length=320, blank=True)
    status_code = models.CharField(_("mã trạng thái"), max_length=16, blank=True)
    diagnostic = models.TextField(_("chẩn đoán của máy chủ"), blank=True)
    original_message_id = models.CharField(max_length=998, blank=True)
    received_at = models.DateTimeField(_("thời điểm nhận"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thư tự động")
        verbose_name_plural = _("thư tự động")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.recipient}".strip()

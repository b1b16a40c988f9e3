"""Recall, update and replacement of an issued document (Decree 30/2020, Annex VI; edXML business types 1–3).

The sender's side: a `Revision` of an outgoing document, asked for by its clerk and agreed by its signer, and
one `RevisionNotice` per delivery telling that recipient, with the recipient's answer (edXML 15 agreed, 16
refused). The recipient's side: an `IncomingRevision` of an incoming document, answered by its clerk.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import NFCTextField


class RevisionKind(models.TextChoices):
    """The value is the edXML business type (Bussiness/BussinessDocType); 0 is a new document."""

    RECALL = "1", _("Thu hồi")
    UPDATE = "2", _("Cập nhật, đính chính")
    REPLACE = "3", _("Thay thế")


class Revision(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("Chờ người ký đồng ý")
        DECLINED = "declined", _("Người ký không đồng ý")
        SENT = "sent", _("Đã thông báo nơi nhận")

    outgoing = models.ForeignKey("documents.Outgoing", verbose_name=_("văn bản"), on_delete=models.PROTECT,
                                 related_name="revisions")
    kind = models.CharField(_("loại"), max_length=1, choices=RevisionKind.choices)
    reason = NFCTextField(_("lý do"))
    # Update and replace: the issued document that updates or replaces `outgoing`.
    replacement = models.ForeignKey("documents.Outgoing", verbose_name=_("văn bản thay thế, cập nhật"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="replaces")
    state = models.CharField(_("tình trạng"), max_length=10, choices=State.choices, default=State.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người đề nghị"),
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("thời điểm đề nghị"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người ký đồng ý"), null=True,
                                   blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("thời điểm đồng ý"), null=True, blank=True)
    decision_comment = NFCTextField(_("ý kiến người ký"), blank=True)

    class Meta:
        verbose_name = _("thu hồi, cập nhật, thay thế văn bản")
        verbose_name_plural = _("thu hồi, cập nhật, thay thế văn bản")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["outgoing"], condition=Q(state="requested"),
                                    name="one_open_revision_per_document"),
            models.CheckConstraint(name="revision_replacement_iff_not_recall",
                                   condition=Q(kind="1", replacement__isnull=True)
                                   | (~Q(kind="1") & Q(replacement__isnull=False))),
        ]
        indexes = [models.Index(fields=["requested_at"], name="revision_report_idx", include=["kind", "state"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.outgoing}"


class RevisionNotice(models.Model):
    """One recipient told of a revision, by the channel of its delivery, and its answer."""

    class Answer(models.TextChoices):
        PENDING = "", _("Chờ nơi nhận trả lời")
        AGREED = "15", _("Đồng ý")
        REFUSED = "16", _("Từ chối")
        # E-mail recipients and citizens are told; no answer is expected.
        NOTIFIED = "notified", _("Đã thông báo, không cần trả lời")

    class Sending(models.TextChoices):
        PENDING = "pending", _("Đang chờ gửi")
        SENT = "sent", _("Đã gửi")
        RETRY = "retry", _("Lỗi tạm thời, sẽ gửi lại")
        FAILED = "failed", _("Gửi không thành công")
        WITHHELD = "withheld", _("Không gửi điện tử (văn bản mật)")

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="notices")
    delivery = models.ForeignKey("documents.Delivery", verbose_name=_("lượt gửi"), on_delete=models.PROTECT,
                                 related_name="revision_notices")
    sending = models.CharField(_("gửi thông báo"), max_length=10, choices=Sending.choices, default=Sending.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("thời điểm gửi"), null=True, blank=True)
    response = models.TextField(_("phản hồi"), blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    answer = models.CharField(_("trả lời"), max_length=10, choices=Answer.choices, blank=True, default="")
    answer_reason = NFCTextField(_("lý do"), blank=True)
    answered_by = models.CharField(_("người trả lời"), max_length=255, blank=True)
    answered_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo thu hồi, cập nhật")
        verbose_name_plural = _("thông báo thu hồi, cập nhật")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["revision", "delivery"], name="one_notice_per_delivery")]

    def __str__(self):
        return f"{self.revision} → {self.delivery}"


class IncomingRevision(models.Model):
    """A recall, update or replacement of an incoming document that its sender announced; its clerk answers."""

    class State(models.TextChoices):
        OPEN = "open", _("Chờ văn thư trả lời")
        AGREED = "agreed", _("Đã đồng ý")
        REFUSED = "refused", _("Đã từ chối")

    incoming = models.ForeignKey("documents.Incoming", verbose_name=_("văn bản đến"), on_delete=models.CASCADE,
                                 related_name="revisions")
    kind = models.CharField(_("loại"), max_length=1, choices=RevisionKind.choices)
    reason = NFCTextField(_("lý do"))
    replacement_notation = models.CharField(_("số, ký hiệu văn bản thay thế"), max_length=60, blank=True)
    # The replacing or updating document once it arrived here too.
    replacement = models.ForeignKey("documents.Incoming", verbose_name=_("văn bản thay thế, cập nhật"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="replaces")
    # In-portal senders: the notice to answer. Peer senders: answered by an edXML status (exchange app).
    notice = models.OneToOneField(RevisionNotice, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="incoming_revision")
    message_id = models.CharField(max_length=255, blank=True)
    state = models.CharField(_("tình trạng"), max_length=10, choices=State.choices, default=State.OPEN)
    answer_reason = NFCTextField(_("lý do trả lời"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("văn thư trả lời"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("thời điểm đến"), auto_now_add=True)

    class Meta:
        verbose_name = _("đề nghị thu hồi, cập nhật văn bản đến")
        verbose_name_plural = _("đề nghị thu hồi, cập nhật văn bản đến")
        ordering = ["-arrived_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.incoming}"

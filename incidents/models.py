"""Incidents of the exchange of documents (sổ theo dõi lưu lượng): opened where things go wrong, by the
apps above this one (delivery, intake, signatures, overdue items), read and resolved in reports."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Incident(models.Model):
    """Something that went wrong in the exchange of documents, kept to trace it (sổ theo dõi lưu lượng).

    The subject is the delivery, mailbox, incoming file or incoming document concerned. At most one
    incident of a kind is open per subject, so a hook that runs twice opens nothing twice.
    """

    class Kind(models.TextChoices):
        DELIVERY_FAILED = "delivery_failed", _("Gửi văn bản không thành công")
        MAILBOX_ERROR = "mailbox_error", _("Lỗi đọc hộp thư cơ quan")
        SIGNATURE = "signature", _("Chữ ký số không hợp lệ hoặc không tin cậy")
        OVERDUE = "overdue", _("Văn bản đến quá hạn xử lý")
        # One per sending agency while the mail relay cannot be reached; its subject is the agency.
        RELAY_UNREACHABLE = "relay_unreachable", _("Máy chủ thư không kết nối được")
        # One per missed due time of the agency's mailbox check rule; its subject is intake's MailboxCheckSlot.
        MAILBOX_CHECK_MISSED = "mailbox_check_missed", _("Không kiểm tra hộp thư đúng giờ")

    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE,
                               related_name="incidents")
    kind = models.CharField(_("loại sự cố"), max_length=20, choices=Kind.choices)
    cause = models.TextField(_("nguyên nhân"))
    occurred_at = models.DateTimeField(_("thời điểm xảy ra"))
    resolved_at = models.DateTimeField(_("thời điểm khắc phục"), null=True, blank=True)
    resolution = models.TextField(_("cách khắc phục"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người khắc phục"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")

    class Meta:
        verbose_name = _("sự cố")
        verbose_name_plural = _("sự cố")
        db_table = "reports_incident"  # the table kept its name when the model moved here from reports
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_type", "subject_id"], condition=Q(resolved_at__isnull=True),
                                    name="one_open_incident_per_subject"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolution="") | (Q(resolved_at__isnull=False) & ~Q(resolution="")),
                name="incident_resolution_iff_resolved",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "-occurred_at"], name="incident_agency_occurred_idx"),
            # The traffic log's tab of open incidents, newest first: the few open ones, never every resolved one.
            models.Index(fields=["agency", "-occurred_at"], condition=Q(resolved_at__isnull=True),
                         name="incident_open_agency_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self):
        return self.resolved_at is None

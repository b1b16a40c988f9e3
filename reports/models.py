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
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_type", "subject_id"], condition=Q(resolved_at__isnull=True),
                                    name="one_open_incident_per_subject"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolution="") | (Q(resolved_at__isnull=False) & ~Q(resolution="")),
                name="incident_resolution_iff_resolved",
            ),
        ]
        indexes = [models.Index(fields=["agency", "-occurred_at"], name="incident_agency_occurred_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self):
        return self.resolved_at is None


class FactMonth(models.Model):
    """A month of an agency whose facts are in MonthFact, and whether they are out of date.

    PostgreSQL triggers on the documents tables (migration 0002) set `stale` whenever a document, a delivery
    or a lead assignment of that agency and month changes; the report computes stale months again first.
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    stale = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "month"], name="one_fact_month_per_agency")]

    def __str__(self):
        return f"{self.agency_id} {self.month:%m/%Y}{' (stale)' if self.stale else ''}"


class MonthFact(models.Model):
    """Counts of one agency's documents of one month (Vietnam's calendar), by agency, unit or document type.

    Only figures that stay true as days pass are kept; what depends on today (documents overdue but still
    open) and the percentiles are computed from the documents each time.
    """

    class Grain(models.TextChoices):
        AGENCY = "agency"
        UNIT = "unit"
        TYPE = "type"

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    direction = models.CharField(max_length=3)  # out, in
    grain = models.CharField(max_length=6, choices=Grain.choices)
    unit = models.ForeignKey("agencies.Unit", null=True, on_delete=models.CASCADE, related_name="+")
    doc_type = models.CharField(max_length=5, blank=True)
    documents = models.PositiveIntegerField(default=0)
    electronic = models.PositiveIntegerField(default=0)
    on_paper = models.PositiveIntegerField(default=0)
    deliveries = models.PositiveIntegerField(default=0)
    delivered = models.PositiveIntegerField(default=0)
    citizen_replies = models.PositiveIntegerField(default=0)
    registered = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)  # completed after the due date

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "month", "direction", "grain", "unit", "doc_type"],
                                    name="one_month_fact_per_key", nulls_distinct=False),
        ]
        indexes = [models.Index(fields=["month", "grain"], name="month_fact_month_grain_idx")]

    def __str__(self):
        return f"{self.agency_id} {self.month:%m/%Y} {self.direction} {self.grain}"

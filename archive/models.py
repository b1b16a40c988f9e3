"""Digitised archive: batches of historical documents imported from scans and their metadata.

A batch is checked whole before anything is kept: one bad row and no document of it is imported (its errors are
kept, by line). A good batch's rows become ArchivedDocuments at once, in one transaction; a Celery task then
stores each scan from the uploaded package and asks ocr for its text, in line order, under a renewed lease, so a
batch a crashed worker left is taken again by beat and goes on from the first document without a scan.
Archived documents keep the number and notation printed on the paper: they never take a number of the live
registers (documents.numbering) and are not Incoming or Outgoing rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from documents.models.common import DocumentType


def _source_upload_to(instance, filename):
    return f"archive/batches/{instance.agency_id}/{filename}"


def _scan_upload_to(instance, filename):
    return f"archive/scans/{instance.batch_id}/{instance.line:06d}-{filename}"


class ArchiveBatch(models.Model):
    class Status(models.TextChoices):
        REJECTED = "rejected", _("Bị từ chối (có dòng sai)")
        STORING = "storing", _("Đang lưu bản quét")
        READING = "reading", _("Đang trích xuất văn bản")
        DONE = "done", _("Hoàn thành")

    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT,
                               related_name="archive_batches")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người nhập"), on_delete=models.PROTECT,
                                   related_name="+")
    title = models.CharField(_("tên đợt nhập"), max_length=200)
    # The package the scans are read from (a ZIP: the one uploaded, or one made of a folder's files).
    source = models.FileField(_("gói bản quét"), upload_to=_source_upload_to, blank=True)
    metadata_name = models.CharField(_("tệp dữ liệu"), max_length=255, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices)
    total = models.PositiveIntegerField(_("số văn bản"), default=0)
    created_at = models.DateTimeField(_("thời điểm nhập"), auto_now_add=True)
    finished_at = models.DateTimeField(_("thời điểm xong"), null=True, blank=True)
    # The storing run's claim (renewed after every document) and when the task was last queued.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("đợt nhập tài liệu lưu trữ")
        verbose_name_plural = _("đợt nhập tài liệu lưu trữ")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status"], name="archive_batch_storing_idx",
                                condition=Q(status="storing"))]

    def __str__(self):
        return self.title


class BatchError(models.Model):
    """A reason a batch was refused, by line of the metadata (0: the package itself)."""

    batch = models.ForeignKey(ArchiveBatch, on_delete=models.CASCADE, related_name="errors")
    line = models.PositiveIntegerField(_("dòng"))
    message = models.TextField(_("lý do"))

    class Meta:
        verbose_name = _("lỗi của đợt nhập")
        verbose_name_plural = _("lỗi của đợt nhập")
        ordering = ["line", "pk"]

    def __str__(self):
        return f"{self.line}: {self.message}"


class ArchivedDocument(models.Model):
    """A historical document as its paper says it, with its scan. Not a register entry: `number` is the number
    printed on the paper, as text."""

    batch = models.ForeignKey(ArchiveBatch, on_delete=models.PROTECT, related_name="documents")
    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan lưu trữ"), on_delete=models.PROTECT,
                               related_name="archived_documents")
    line = models.PositiveIntegerField(_("dòng"))
    number = models.CharField(_("số"), max_length=20, blank=True)
    notation = models.CharField(_("ký hiệu"), max_length=60, blank=True)
    doc_date = models.DateField(_("ngày văn bản"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=255)
    doc_type = models.CharField(_("loại văn bản"), max_length=5, choices=DocumentType.choices)
    summary = models.TextField(_("trích yếu"))
    box = models.CharField(_("hộp số"), max_length=50, blank=True)
    file_ref = models.CharField(_("hồ sơ số"), max_length=50, blank=True)
    scan_name = models.CharField(_("tệp bản quét"), max_length=255)
    scan = models.FileField(_("bản quét"), upload_to=_scan_upload_to, blank=True)
    scan_sha256 = models.CharField(max_length=64, blank=True)
    scan_content_type = models.CharField(max_length=100, blank=True)
    # Documents of the agency's registers (or archive) with the same number, notation and issuer.
    duplicate_incoming = models.ForeignKey("documents.Incoming", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name=_("trùng văn bản đến"))
    duplicate_outgoing = models.ForeignKey("documents.Outgoing", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name=_("trùng văn bản đi"))
    duplicate_archived = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", verbose_name=_("trùng tài liệu lưu trữ"))

    class Meta:
        verbose_name = _("tài liệu lưu trữ")
        verbose_name_plural = _("tài liệu lưu trữ")
        ordering = ["batch", "line"]
        constraints = [models.UniqueConstraint(fields=["batch", "line"], name="archived_line_once")]
        indexes = [
            models.Index(fields=["batch", "line"], name="archived_to_store_idx", condition=Q(scan="")),
            models.Index(fields=["agency", "notation"], name="archived_notation_idx"),
        ]

    def __str__(self):
        return f"{self.full_notation or '—'} – {self.issuer}"

    @property
    def full_notation(self):
        """As printed: 15/QĐ-UBND (a notation already holding its number is left as it is)."""
        if self.number and self.notation and "/" not in self.notation:
            return f"{self.number}/{self.notation}"
        return self.notation or self.number

    @property
    def is_duplicate(self):
        return bool(self.duplicate_incoming_id or self.duplicate_outgoing_id or self.duplicate_archived_id)

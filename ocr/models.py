"""The text of stored files: read from a PDF's text layer, or recognised (OCR, Vietnamese) from scans and images.

One `FileText` per stored file field (an IncomingFile's `file`, an OutgoingFile's `signed`, an archived scan…),
filled by a Celery task. The original stays the record and is never altered: OCR writes a searchable PDF/A copy
beside it (`ocr_pdf`). A clerk may correct the text of a page; the correction is kept with who and when.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def _ocr_upload_to(instance, filename):
    return f"ocr/{instance.content_type_id}/{instance.object_id}/{filename}"


class FileText(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Chờ trích xuất văn bản")
        RUNNING = "running", _("Đang nhận dạng")
        DONE = "done", _("Đã có văn bản")
        FAILED = "failed", _("Không trích xuất được")
        NO_TEXT = "no_text", _("Tệp không chứa văn bản")

    class Method(models.TextChoices):
        TEXT_LAYER = "text_layer", _("Lớp văn bản của PDF")
        OCR = "ocr", _("Nhận dạng ký tự (OCR)")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    source = GenericForeignKey("content_type", "object_id")
    # The FileField of the object the text is of: "file", "signed", "scan"…
    field = models.CharField(max_length=30)
    sha256 = models.CharField(_("SHA-256 của tệp gốc"), max_length=64, blank=True)
    state = models.CharField(_("tình trạng"), max_length=10, choices=State.choices, default=State.PENDING)
    method = models.CharField(_("cách lấy văn bản"), max_length=10, choices=Method.choices, blank=True)
    # The text of each page, in order, NFC; a clerk's correction replaces its page here (PageCorrection keeps it).
    pages = models.JSONField(_("văn bản từng trang"), default=list, blank=True)
    # Every page joined: what search indexes.
    text = models.TextField(_("văn bản"), blank=True)
    ocr_pdf = models.FileField(_("bản PDF/A có lớp văn bản"), upload_to=_ocr_upload_to, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When its task was last queued: beat queues a pending row again only OCR_REQUEUE_SECONDS after (a backlog of
    # scans waiting in the broker is not queued twice every few minutes).
    queued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(_("thời điểm xong"), null=True, blank=True)

    class Meta:
        verbose_name = _("văn bản trong tệp")
        verbose_name_plural = _("văn bản trong tệp")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "field"], name="one_text_per_file_field"),
        ]
        indexes = [
            models.Index(fields=["state", "claimed_at"], name="filetext_active_idx",
                         condition=Q(state__in=["pending", "running"])),
            # The same bytes are read once: an issued file and every recipient's incoming copy share its text.
            models.Index(fields=["sha256"], name="filetext_sha256_idx", condition=~Q(sha256="")),
        ]

    def __str__(self):
        return f"{self.content_type.model} {self.object_id} {self.field}"


class PageCorrection(models.Model):
    """A clerk's correction of the recognised text of one page; the latest one is the page's text."""

    file_text = models.ForeignKey(FileText, on_delete=models.CASCADE, related_name="corrections")
    page = models.PositiveIntegerField(_("trang"))
    before = models.TextField(_("văn bản trước khi sửa"), blank=True)
    text = models.TextField(_("văn bản đã sửa"))
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người sửa"),
                                     on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField(_("thời điểm sửa"), auto_now_add=True)

    class Meta:
        verbose_name = _("sửa văn bản nhận dạng")
        verbose_name_plural = _("sửa văn bản nhận dạng")
        ordering = ["page", "-corrected_at"]

    def __str__(self):
        return f"{self.file_text} p.{self.page}"

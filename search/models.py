"""The search index: one Entry per searchable item (an outgoing or incoming document, a mailbox message, a meeting,
a published schedule, an archived document), kept current by signals (search/apps.py), and saved searches.

An entry holds the facts the filters need and the folded words of its summary and of its files' text. Who may
see an entry is never decided here: every query goes through the owning app's selector (search/selectors.py)."""


from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Entry(models.Model):
    class Kind(models.TextChoices):
        OUTGOING = "outgoing", _("Văn bản đi")
        INCOMING = "incoming", _("Văn bản đến")
        INBOUND = "inbound", _("Thư trong hộp thư")
        MEETING = "meeting", _("Cuộc họp")
        SCHEDULE = "schedule", _("Lịch công tác")
        ARCHIVED = "archived", _("Văn bản lưu trữ")

    kind = models.CharField(_("loại mục"), max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE,
                               related_name="+")
    doc_type = models.CharField(_("loại văn bản"), max_length=5, blank=True)
    year = models.PositiveIntegerField(_("năm"), null=True, blank=True)
    date = models.DateField(_("ngày"), null=True, blank=True)
    status = models.CharField(_("trạng thái"), max_length=20, blank=True)
    secrecy = models.CharField(_("độ mật"), max_length=10, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=255, blank=True)
    notation = models.CharField(_("số, ký hiệu"), max_length=100, blank=True)
    title = models.TextField(_("trích yếu"), blank=True)
    # The words shown around a match: the item's own text (summary, people, agencies) and its files' text.
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    # search.text: number_key of the notation; folded words of summary and body (" w1 w2 … ").
    number_key = models.CharField(max_length=100, blank=True)
    summary_words = models.TextField(blank=True)
    body_words = models.TextField(blank=True)
    # PostgreSQL only: filled by a trigger from the folded words, GIN-indexed (0002): candidates found fast.
    vector = SearchVectorField(null=True, editable=False)
    indexed_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mục tìm kiếm")
        verbose_name_plural = _("mục tìm kiếm")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_one_entry_per_item")]
        indexes = [
            models.Index(fields=["number_key"], name="search_entry_number_idx"),
            models.Index(fields=["agency", "-date", "-id"], name="search_entry_agency_date_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.notation or self.object_id}"


class SavedSearch(models.Model):
    """A search a person keeps (Decree 30, Annex VI), with the filters of the moment, and on request a daily
    e-mail of the items that matched since the last one."""

    membership = models.ForeignKey("accounts.Membership", verbose_name=_("người dùng"), on_delete=models.CASCADE,
                                   related_name="saved_searches")
    name = models.CharField(_("tên"), max_length=200)
    query = models.CharField(_("từ khóa"), max_length=200)
    filters = models.JSONField(_("bộ lọc"), default=dict, blank=True)
    email_daily = models.BooleanField(_("gửi thư hằng ngày khi có kết quả mới"), default=False)
    last_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tìm kiếm đã lưu")
        verbose_name_plural = _("tìm kiếm đã lưu")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

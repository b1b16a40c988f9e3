"""Weekly work schedules (lịch công tác tuần): drafted by the office, approved by a leader, published, sent.

A schedule is one week of one agency (or of one of its units). Its entries are edited in place; each
publication freezes what was published as a ScheduleVersion (the PDF, the .ics and a snapshot of the entries),
and an entry changed after a publication carries its mark (Điều chỉnh, Bổ sung, Hoãn) until the next one.
See docs/schedules.md.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import NFCCharField, NFCTextField


def _new_uid():
    return f"{uuid.uuid4()}@schedule.portal"


def _version_upload_to(instance, filename):
    return f"schedules/{instance.schedule_id}/v{instance.number}/{filename}"


class Schedule(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang soạn")
        SUBMITTED = "submitted", _("Chờ lãnh đạo duyệt")
        PUBLISHED = "published", _("Đã công bố")

    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT,
                               related_name="schedules")
    # Empty: the agency's own schedule; set: the schedule a unit keeps for itself.
    unit = models.ForeignKey("agencies.Unit", verbose_name=_("đơn vị"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="schedules")
    week_start = models.DateField(_("tuần bắt đầu (thứ Hai)"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Published versions so far; 0 until the first publication. Entries changed since carry change marks.
    version = models.PositiveSmallIntegerField(_("lần công bố"), default=0)
    # The draft differs from the last published version (an entry added, changed, postponed or removed).
    has_changes = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey("accounts.Membership", verbose_name=_("người trình"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey("accounts.Membership", verbose_name=_("lãnh đạo duyệt"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("công bố lúc"), null=True, blank=True)
    return_comment = NFCTextField(_("ý kiến trả lại"), blank=True)

    class Meta:
        verbose_name = _("lịch công tác tuần")
        verbose_name_plural = _("lịch công tác tuần")
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "week_start"], condition=Q(unit__isnull=True),
                                    name="schedule_one_per_agency_week"),
            models.UniqueConstraint(fields=["unit", "week_start"], condition=Q(unit__isnull=False),
                                    name="schedule_one_per_unit_week"),
        ]

    def __str__(self):
        return f"{self.unit or self.agency} – {self.week_start:%d/%m/%Y}"


class Entry(models.Model):
    """One line of the schedule: an event of the agency or what one or more leaders attend."""

    class Change(models.TextChoices):
        NONE = "", _("Không thay đổi")
        ADJUSTED = "adjusted", _("Điều chỉnh")
        ADDED = "added", _("Bổ sung")
        POSTPONED = "postponed", _("Hoãn")

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="entries")
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    all_day = models.BooleanField(_("cả ngày"), default=False)
    content = NFCTextField(_("nội dung"))
    # The chair as printed ("Đ/c Nguyễn Văn A, Chủ tịch UBND"); `chair` links a person of the agency when known.
    chair_name = NFCCharField(_("chủ trì"), max_length=255, blank=True)
    chair = models.ForeignKey("accounts.Membership", verbose_name=_("lãnh đạo chủ trì"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    leaders = models.ManyToManyField("accounts.Membership", verbose_name=_("lãnh đạo dự"), blank=True,
                                     related_name="schedule_entries_attended")
    units = models.ManyToManyField("agencies.Unit", verbose_name=_("đơn vị tham dự"), blank=True, related_name="+")
    people = models.ManyToManyField("accounts.Membership", verbose_name=_("cán bộ tham dự"), blank=True,
                                    related_name="schedule_entries_participated")
    participants = NFCTextField(_("thành phần khác"), blank=True)
    place = NFCCharField(_("địa điểm"), max_length=255, blank=True)
    online_link = models.URLField(_("đường dẫn họp trực tuyến"), blank=True)
    preparing_unit = models.ForeignKey("agencies.Unit", verbose_name=_("đơn vị chuẩn bị"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    notes = NFCTextField(_("ghi chú"), blank=True)
    is_internal = models.BooleanField(_("nội bộ (không công khai)"), default=False)
    # Since the last publication; cleared when the next version is published.
    change = models.CharField(_("thay đổi"), max_length=10, choices=Change.choices, default=Change.NONE,
                              blank=True)
    # Postponed entries stay on the schedule, marked "Hoãn", until the week ends.
    is_postponed = models.BooleanField(_("hoãn"), default=False)
    # iCalendar: stable per entry, SEQUENCE goes up with every published change.
    uid = models.CharField(max_length=120, unique=True, default=_new_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    # The UID of the meeting (meetings app) this entry comes from, so a change to the meeting updates it.
    meeting_uid = models.CharField(max_length=120, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mục lịch công tác")
        verbose_name_plural = _("mục lịch công tác")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(name="entry_ends_after_start",
                                   condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at"))),
            models.UniqueConstraint(fields=["schedule", "meeting_uid"], condition=~Q(meeting_uid=""),
                                    name="entry_one_per_meeting_in_schedule"),
        ]

    def __str__(self):
        return self.content[:60]


class ScheduleVersion(models.Model):
    """What one publication made public and sent: frozen, never edited."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("lần công bố"))
    published_at = models.DateTimeField(_("công bố lúc"))
    published_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    pdf = models.FileField(upload_to=_version_upload_to, blank=True)
    ics = models.FileField(upload_to=_version_upload_to, blank=True)
    # [{"uid", "starts_at" (ISO), "ends_at", "all_day", "content", "chair_name", "place", "is_internal",
    #   "change", "is_postponed", ...}] as published; the next version's marks are computed against it.
    snapshot = models.JSONField(default=list)
    # {"added": [uid], "adjusted": [uid], "postponed": [uid], "removed": [uid]} against the previous version.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("bản công bố lịch công tác")
        verbose_name_plural = _("bản công bố lịch công tác")
        ordering = ["schedule", "number"]
        constraints = [models.UniqueConstraint(fields=["schedule", "number"], name="schedule_version_unique")]

    def __str__(self):
        return f"{self.schedule} v{self.number}"


class ScheduleRecipient(models.Model):
    """Where the agency sends each published schedule: its units, other agencies, or an e-mail address."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("Đơn vị trong cơ quan")
        AGENCY = "agency", _("Cơ quan")
        EMAIL = "email", _("Địa chỉ thư điện tử")

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="schedule_recipients")
    kind = models.CharField(_("loại nơi nhận"), max_length=10, choices=Kind.choices)
    unit = models.ForeignKey("agencies.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    target_agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="+")
    email = models.EmailField(_("thư điện tử"), blank=True)
    name = NFCCharField(_("tên"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("nơi nhận lịch công tác")
        verbose_name_plural = _("nơi nhận lịch công tác")
        constraints = [
            models.CheckConstraint(
                name="schedule_recipient_target_matches_kind",
                condition=(Q(kind="unit", unit__isnull=False) | Q(kind="agency", target_agency__isnull=False)
                           | (Q(kind="email") & ~Q(email=""))),
            ),
        ]

    def __str__(self):
        return self.name or str(self.unit or self.target_agency or self.email)


class ScheduleSending(models.Model):
    """One version sent to one recipient, by e-mail or inside the portal; sent once (unique), retried on failure."""

    class Channel(models.TextChoices):
        PORTAL = "portal", _("Trong cổng")
        EMAIL = "email", _("Thư điện tử")

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không thành công")

    version = models.ForeignKey(ScheduleVersion, on_delete=models.CASCADE, related_name="sendings")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # Portal: the agency or unit whose staff see it on their desk; e-mail: the address.
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("agencies.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(blank=True)
    name = NFCCharField(max_length=255, blank=True)
    # Only the entries that changed, for a version after the first (announced to the people they concern).
    changes_only = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lượt gửi lịch công tác")
        verbose_name_plural = _("lượt gửi lịch công tác")
        constraints = [
            models.UniqueConstraint(fields=["version", "email"], condition=Q(channel="email"),
                                    name="schedule_sending_once_per_address"),
            models.UniqueConstraint(fields=["version", "agency", "unit"], condition=Q(channel="portal"),
                                    nulls_distinct=False, name="schedule_sending_once_in_portal"),
        ]

    def __str__(self):
        return self.name or self.email


class FeedToken(models.Model):
    """A person's private calendar feed: the URL holds the token, the database only its SHA-256. Revoked tokens
    stop working at once; a person makes a new one to move to another calendar app."""

    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="feed_tokens")
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("mã lịch cá nhân")
        verbose_name_plural = _("mã lịch cá nhân")
        constraints = [
            models.UniqueConstraint(fields=["membership"], condition=Q(revoked_at__isnull=True),
                                    name="feed_token_one_active_per_membership"),
        ]

    def __str__(self):
        return f"{self.membership} ({self.created_at:%d/%m/%Y})"

"""Meetings called by an invitation (Giấy mời, GM): who is invited and answers, the meeting papers, changes,
reminders, the conclusion. The invitation itself is an Outgoing of type GM and goes through the usual draft →
sign → issue → deliver pipeline; the Meeting row holds what a calendar needs. See docs/meetings.md.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import NFCCharField, NFCTextField


def _new_uid():
    return f"{uuid.uuid4()}@meeting.portal"


def _default_reminders():
    return [24 * 60, 60]  # minutes before the start: the day before and one hour before


def _paper_upload_to(instance, filename):
    return f"meetings/{instance.paper.meeting_id}/papers/{instance.paper_id}/v{instance.number}/{filename}"


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Sắp họp")
        CANCELLED = "cancelled", _("Đã hủy")

    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan tổ chức"), on_delete=models.PROTECT,
                               related_name="meetings")
    organising_unit = models.ForeignKey("agencies.Unit", verbose_name=_("đơn vị tổ chức"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    # The Giấy mời: numbered, signed, issued and delivered like any outgoing document.
    invitation = models.OneToOneField("documents.Outgoing", verbose_name=_("giấy mời"), on_delete=models.PROTECT,
                                      related_name="meeting")
    title = NFCCharField(_("tên cuộc họp"), max_length=500)
    content = NFCTextField(_("nội dung"), blank=True)
    starts_at = models.DateTimeField(_("bắt đầu"))
    ends_at = models.DateTimeField(_("kết thúc"))
    place = NFCCharField(_("địa điểm"), max_length=255, blank=True)
    online_link = models.URLField(_("đường dẫn họp trực tuyến"), blank=True)
    chair_name = NFCCharField(_("chủ trì"), max_length=255)
    chair = models.ForeignKey("accounts.Membership", verbose_name=_("lãnh đạo chủ trì"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="meetings_chaired")
    confirm_by = models.DateTimeField(_("hạn xác nhận tham dự"), null=True, blank=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    # iCalendar (RFC 5546): one UID for the meeting's whole life, SEQUENCE up by one with every change sent.
    uid = models.CharField(max_length=120, unique=True, default=_new_uid, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    reminder_minutes = models.JSONField(_("nhắc trước (phút)"), default=_default_reminders)
    # The conclusion notice (Thông báo kết luận) or minutes, issued afterwards and delivered to the participants.
    conclusion = models.OneToOneField("documents.Outgoing", verbose_name=_("thông báo kết luận"), null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="concluded_meeting")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cuộc họp")
        verbose_name_plural = _("cuộc họp")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(name="meeting_ends_after_start", condition=Q(ends_at__gte=models.F("starts_at"))),
        ]

    def __str__(self):
        return self.title

    @property
    def secrecy(self):
        """A meeting is as secret as its invitation: core.mail.mail_may_name asks this."""
        return self.invitation.secrecy

    @property
    def is_secret(self):
        return bool(self.secrecy)


class Invitee(models.Model):
    """One invited agency, unit of the organiser, named person or outside address, and its answer."""

    class Kind(models.TextChoices):
        AGENCY = "agency", _("Cơ quan")
        UNIT = "unit", _("Đơn vị")
        PERSON = "person", _("Cán bộ")
        EMAIL = "email", _("Địa chỉ thư điện tử")

    class Answer(models.TextChoices):
        NONE = "", _("Chưa trả lời")
        ATTEND = "attend", _("Tham dự")
        DEPUTY = "deputy", _("Cử người dự thay")
        DECLINE = "decline", _("Không tham dự")

    class Via(models.TextChoices):
        PORTAL = "portal", _("Trong cổng")
        LINK = "link", _("Qua đường dẫn trong thư")
        PAPER = "paper", _("Văn thư ghi nhận (giấy, điện thoại)")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitees")
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("agencies.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    membership = models.ForeignKey("accounts.Membership", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="meeting_invitations")
    email = models.EmailField(_("thư điện tử"), blank=True)
    name = NFCCharField(_("tên"), max_length=255)
    # The outgoing delivery that carried the invitation to this invitee (portal or e-mail), when there is one.
    delivery = models.ForeignKey("documents.Delivery", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    answer = models.CharField(_("trả lời"), max_length=10, choices=Answer.choices, default=Answer.NONE, blank=True)
    attendees = NFCTextField(_("người tham dự"), blank=True)  # names (and positions) of who will go
    reason = NFCTextField(_("lý do"), blank=True)
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True)
    answered_via = models.CharField(max_length=10, choices=Via.choices, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # Members of the organiser's agency (and of invited agencies on the portal) named as going: their schedules
    # and personal feeds show the meeting.
    attending_members = models.ManyToManyField("accounts.Membership", blank=True, related_name="meetings_attending")
    answer_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("thành phần mời")
        verbose_name_plural = _("thành phần mời")
        ordering = ["meeting", "kind", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                name="invitee_target_matches_kind",
                condition=(Q(kind="agency", agency__isnull=False) | Q(kind="unit", unit__isnull=False)
                           | Q(kind="person", membership__isnull=False) | (Q(kind="email") & ~Q(email=""))),
            ),
            models.UniqueConstraint(fields=["meeting", "agency"], condition=Q(kind="agency"),
                                    name="invitee_agency_once"),
            models.UniqueConstraint(fields=["meeting", "unit"], condition=Q(kind="unit"), name="invitee_unit_once"),
            models.UniqueConstraint(fields=["meeting", "membership"], condition=Q(kind="person"),
                                    name="invitee_person_once"),
            models.UniqueConstraint(fields=["meeting", "email"], condition=Q(kind="email"),
                                    name="invitee_email_once"),
        ]

    def __str__(self):
        return self.name

    @property
    def comes(self):
        return self.answer in (self.Answer.ATTEND, self.Answer.DEPUTY)


class MeetingChange(models.Model):
    """A change announced to every invitee: postponed, moved, details updated, or cancelled."""

    class Kind(models.TextChoices):
        POSTPONE = "postpone", _("Hoãn, dời thời gian")
        MOVE = "move", _("Đổi địa điểm")
        UPDATE = "update", _("Điều chỉnh nội dung")
        CANCEL = "cancel", _("Hủy cuộc họp")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("loại thay đổi"), max_length=10, choices=Kind.choices)
    reason = NFCTextField(_("lý do"), blank=True)
    sequence = models.PositiveIntegerField()  # the meeting's SEQUENCE this change was sent with
    before = models.JSONField(default=dict)  # {"starts_at", "ends_at", "place", "online_link"} before the change
    after = models.JSONField(default=dict)
    # The notice issued as a document, when the agency issues one (an Outgoing of the agency).
    notice = models.ForeignKey("documents.Outgoing", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thay đổi cuộc họp")
        verbose_name_plural = _("thay đổi cuộc họp")
        ordering = ["meeting", "at"]
        constraints = [models.UniqueConstraint(fields=["meeting", "sequence"], name="meeting_change_sequence_once")]

    def __str__(self):
        return f"{self.meeting} – {self.get_kind_display()}"


class MeetingMail(models.Model):
    """One message about a meeting to one invitee (change notice, reminder, answer reminder): written once per
    (meeting, invitee, purpose, key) and sent by a task, so a retry never sends it twice."""

    class Purpose(models.TextChoices):
        CHANGE = "change", _("Thông báo thay đổi")
        REMINDER = "reminder", _("Nhắc lịch họp")
        ANSWER_REMINDER = "answer", _("Nhắc xác nhận tham dự")

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không thành công")
        WITHHELD = "withheld", _("Không gửi (cuộc họp mật)")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="mails")
    invitee = models.ForeignKey(Invitee, on_delete=models.CASCADE, related_name="mails")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    # What makes it unique within its purpose: the change's sequence, the reminder's minutes, the date asked.
    key = models.CharField(max_length=40)
    email = models.EmailField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("thư về cuộc họp")
        verbose_name_plural = _("thư về cuộc họp")
        constraints = [
            models.UniqueConstraint(fields=["invitee", "purpose", "key"], name="meeting_mail_once"),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} → {self.email}"


class Paper(models.Model):
    """A meeting paper (tài liệu họp); readers always get its latest version, every version is kept."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="papers")
    title = NFCCharField(_("tên tài liệu"), max_length=500)
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Also handed out on paper at the meeting (for the report: papers distributed without paper copies).
    paper_copies = models.BooleanField(_("có phát bản giấy"), default=False)

    class Meta:
        verbose_name = _("tài liệu họp")
        verbose_name_plural = _("tài liệu họp")
        ordering = ["meeting", "position", "pk"]

    def __str__(self):
        return self.title


class PaperVersion(models.Model):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("phiên bản"))
    file = models.FileField(upload_to=_paper_upload_to)
    name = NFCCharField(_("tên tệp"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100)  # from the bytes (core.files.inspect), never the name
    note = NFCCharField(_("ghi chú phiên bản"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("phiên bản tài liệu họp")
        verbose_name_plural = _("phiên bản tài liệu họp")
        ordering = ["paper", "-number"]
        constraints = [models.UniqueConstraint(fields=["paper", "number"], name="paper_version_unique")]

    def __str__(self):
        return f"{self.paper} v{self.number}"


class PaperOpening(models.Model):
    """Every opening of a paper: by a staff member in the portal or by an invitee through their link."""

    version = models.ForeignKey(PaperVersion, on_delete=models.CASCADE, related_name="openings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    invitee = models.ForeignKey(Invitee, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lượt mở tài liệu họp")
        verbose_name_plural = _("lượt mở tài liệu họp")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(name="paper_opening_has_reader",
                                   condition=Q(user__isnull=False) | Q(invitee__isnull=False)),
        ]

    def __str__(self):
        return f"{self.version} @ {self.at:%d/%m/%Y %H:%M}"

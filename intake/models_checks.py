"""The mailbox checked on time, and questions from citizens and businesses answered (Directive 34/2008/CT-TTg).

For reports (reports.usereport builds per-unit and per-person figures from these):
- MailboxCheck: one row each time a PERSON looked at the agency's incoming mail (opened the mailbox list,
  triaged an item, answered a question); the machine's polling never writes one. `membership` is who.
- MailboxCheckSlot: one row per due time of the agency's rule, written when its grace period has passed:
  `outcome` on_time (a check within the window, `met_by` says which and so who), missed (an incident was
  opened), late (missed, then a check came and resolved the incident; `met_by` is that one).
- Question: a message without files that asks something; `due_on` (a date, working days after arrival),
  `answered_at`/`answered_by`/`time_taken`; answered within its due date when answered_at's local date
  <= due_on (`answered_on_time`).
"""

from datetime import time

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def default_check_times():
    return ["08:00", "13:30", "16:30"]


class MailboxCheckRule(models.Model):
    """How often a person must look at the agency's incoming mail on working days (one rule per agency)."""

    class Mode(models.TextChoices):
        FIXED_TIMES = "times", _("Vào các giờ cố định trong ngày làm việc")
        EVERY_N_HOURS = "interval", _("Cứ mỗi N giờ trong ngày làm việc")

    agency = models.OneToOneField("agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE,
                                  related_name="mailbox_check_rule")
    mode = models.CharField(_("cách kiểm tra"), max_length=10, choices=Mode.choices, default=Mode.FIXED_TIMES)
    # "HH:MM" in Asia/Ho_Chi_Minh, sorted.
    times = models.JSONField(_("giờ kiểm tra"), default=default_check_times)
    min_per_day = models.PositiveSmallIntegerField(_("số lần tối thiểu mỗi ngày"), default=3)
    interval_hours = models.PositiveSmallIntegerField(_("số giờ giữa hai lần kiểm tra"), default=3)
    day_start = models.TimeField(_("bắt đầu ngày làm việc"), default=time(8, 0))
    day_end = models.TimeField(_("kết thúc ngày làm việc"), default=time(17, 0))
    grace_minutes = models.PositiveSmallIntegerField(_("thời gian cho phép (phút)"), default=30)
    question_due_days = models.PositiveSmallIntegerField(_("hạn trả lời câu hỏi (ngày làm việc)"), default=5)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey("accounts.Membership", verbose_name=_("người cập nhật"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("quy định kiểm tra hộp thư")
        verbose_name_plural = _("quy định kiểm tra hộp thư")
        constraints = [
            models.CheckConstraint(condition=Q(interval_hours__gte=1) & Q(interval_hours__lte=12),
                                   name="check_rule_interval_range"),
            models.CheckConstraint(condition=Q(min_per_day__gte=1), name="check_rule_min_per_day"),
            models.CheckConstraint(condition=Q(day_start__lt=models.F("day_end")), name="check_rule_day_order"),
        ]

    def __str__(self):
        return str(self.agency)


class CalendarDay(models.Model):
    """A day the agency sets apart from Vietnam's calendar: an extra day off (nghỉ bù) or a working Saturday
    (ngày làm bù)."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ")
        WORKING_DAY = "working", _("Ngày làm việc (làm bù)")

    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE,
                               related_name="calendar_days")
    date = models.DateField(_("ngày"))
    kind = models.CharField(_("loại ngày"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("ngày nghỉ, ngày làm bù")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["agency", "date"], name="calendar_day_once_per_agency")]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.get_kind_display()}"


class MailboxCheck(models.Model):
    """A person looked at the agency's incoming mail (the machine's polling is never one)."""

    class Action(models.TextChoices):
        OPENED = "opened", _("Mở hộp thư")
        TRIAGED = "triaged", _("Xử lý thư mới")
        ANSWERED = "answered", _("Trả lời câu hỏi")

    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE,
                               related_name="mailbox_checks")
    membership = models.ForeignKey("accounts.Membership", verbose_name=_("người kiểm tra"),
                                   on_delete=models.PROTECT, related_name="mailbox_checks")
    checked_at = models.DateTimeField(_("thời điểm kiểm tra"), default=timezone.now)
    action = models.CharField(_("việc đã làm"), max_length=10, choices=Action.choices)
    message = models.ForeignKey("intake.InboundMessage", verbose_name=_("thư"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="checks")
    # Items that had arrived since this person's previous check, when they opened the list.
    new_items = models.PositiveIntegerField(_("số thư mới"), default=0)

    class Meta:
        verbose_name = _("lần kiểm tra hộp thư")
        verbose_name_plural = _("lần kiểm tra hộp thư")
        ordering = ["-checked_at", "-pk"]
        indexes = [models.Index(fields=["agency", "-checked_at"], name="mailbox_check_agency_idx"),
                   models.Index(fields=["membership", "-checked_at"], name="mailbox_check_member_idx")]

    def __str__(self):
        return f"{self.membership_id} {self.get_action_display()} {self.checked_at:%Y-%m-%d %H:%M}"


class MailboxCheckSlot(models.Model):
    """One due time of the agency's rule, judged once its grace period has passed; the subject of the
    missed-check incident."""

    class Outcome(models.TextChoices):
        ON_TIME = "on_time", _("Kiểm tra đúng giờ")
        MISSED = "missed", _("Bỏ lỡ")
        LATE = "late", _("Kiểm tra muộn")

    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE,
                               related_name="mailbox_check_slots")
    due_at = models.DateTimeField(_("giờ phải kiểm tra"))
    deadline_at = models.DateTimeField(_("hạn cuối (kể cả thời gian cho phép)"))
    outcome = models.CharField(_("kết quả"), max_length=10, choices=Outcome.choices)
    met_by = models.ForeignKey(MailboxCheck, verbose_name=_("lần kiểm tra đáp ứng"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="slots")
    judged_at = models.DateTimeField(_("thời điểm đánh giá"), default=timezone.now)

    class Meta:
        verbose_name = _("lượt kiểm tra hộp thư theo quy định")
        verbose_name_plural = _("lượt kiểm tra hộp thư theo quy định")
        ordering = ["-due_at"]
        constraints = [models.UniqueConstraint(fields=["agency", "due_at"], name="check_slot_once_per_due_time")]

    def __str__(self):
        return f"{timezone.localtime(self.due_at):%H:%M %d/%m/%Y} {self.get_outcome_display()}"


class Question(models.Model):
    """A message from a citizen or business, without files, that asks something (câu hỏi): answered by e-mail
    from the agency's official address, threaded to it, within `due_on`. Replies carry no document."""

    class Status(models.TextChoices):
        OPEN = "open", _("Chưa trả lời")
        ANSWERED = "answered", _("Đã trả lời")

    message = models.OneToOneField("intake.InboundMessage", verbose_name=_("thư"), on_delete=models.CASCADE,
                                   related_name="question")
    agency = models.ForeignKey("agencies.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE,
                               related_name="questions")
    asked_at = models.DateTimeField(_("thời điểm nhận"))
    due_on = models.DateField(_("hạn trả lời"))
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)
    answered_by = models.ForeignKey("accounts.Membership", verbose_name=_("người trả lời"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="answered_questions")
    reply_text = models.TextField(_("nội dung trả lời"), blank=True)
    reply_message_id = models.CharField(_("Message-ID thư trả lời"), max_length=998, blank=True)
    time_taken = models.DurationField(_("thời gian trả lời"), null=True, blank=True)

    class Meta:
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="open", answered_at__isnull=True)
                           | Q(status="answered", answered_at__isnull=False, time_taken__isnull=False)),
                name="question_answered_has_time",
            ),
        ]
        indexes = [models.Index(fields=["agency", "status", "due_on"], name="question_agency_status_idx")]

    def __str__(self):
        return str(self.message)

    @property
    def is_overdue(self):
        """Still open after its due date."""
        return self.status == self.Status.OPEN and timezone.localdate() > self.due_on

    @property
    def answered_on_time(self):
        return self.answered_at is not None and timezone.localdate(self.answered_at) <= self.due_on

"""The mailbox checked on time: working days, the due times of an agency's rule, the checks people make, and
the judging of each due time once its grace period has passed (a missed one opens an incident).

A due time T is met by a check made within [T - grace, T + grace]; a check made later resolves the missed
time's incident and marks it late.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache

import holidays
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role
from incidents.models import Incident
from incidents.services import incident_open, incidents_resolve

from .models import CalendarDay, InboundMessage, Mailbox, MailboxCheck, MailboxCheckRule, MailboxCheckSlot

LOOK_BACK = timedelta(days=1)  # the judge never opens incidents for due times older than this
REOPEN = timedelta(minutes=1)  # opening the list again within this is not another check


@lru_cache(maxsize=16)
def _public_holidays(year):
    return frozenset(holidays.country_holidays("VN", years=year))


def is_working_day(day, *, exceptions):
    """Mon–Fri except Vietnam's public holidays, then the agency's own days (`exceptions`: date → kind)."""
    kind = exceptions.get(day)
    if kind:
        return kind == CalendarDay.Kind.WORKING_DAY
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def calendar_exceptions(agency, start, end):
    return dict(CalendarDay.objects.filter(agency=agency, date__range=(start, end)).values_list("date", "kind"))


def working_days_after(agency, start, count):
    """The date `count` working days after `start` (a date)."""
    exceptions = calendar_exceptions(agency, start, start + timedelta(days=count * 3 + 30))
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day, exceptions=exceptions):
            count -= 1
    return day


def rule_of(agency):
    """The agency's rule, or the default one (8:00, 13:30, 16:30) unsaved."""
    return MailboxCheckRule.objects.filter(agency=agency).first() or MailboxCheckRule(agency=agency)


def parse_times(values):
    """'H:MM' or 'HH:MM' strings → sorted times; raises ValueError on a bad one."""
    return sorted({time.fromisoformat(value.strip().zfill(5)) for value in values if value.strip()})


def due_times_on(rule, day, *, exceptions):
    """The aware datetimes at which the mailbox must be checked on `day` (none on a day off)."""
    if not is_working_day(day, exceptions=exceptions):
        return []
    zone = timezone.get_default_timezone()
    if rule.mode == MailboxCheckRule.Mode.EVERY_N_HOURS:
        start = datetime.combine(day, rule.day_start, zone)
        end = datetime.combine(day, rule.day_end, zone)
        step = timedelta(hours=rule.interval_hours)
        moments = []
        while start <= end:
            moments.append(start)
            start += step
        return moments
    return [datetime.combine(day, moment, zone) for moment in parse_times(rule.times)]


def due_times_between(agency, start, end, rule=None):
    """Every due time of the agency's rule in [start, end] (aware datetimes)."""
    rule = rule or rule_of(agency)
    first, last = timezone.localdate(start), timezone.localdate(end)
    exceptions = calendar_exceptions(agency, first, last)
    moments, day = [], first
    while day <= last:
        moments += [m for m in due_times_on(rule, day, exceptions=exceptions) if start <= m <= end]
        day += timedelta(days=1)
    return moments


def _check_within(agency, due_at, grace):
    return MailboxCheck.objects.filter(agency=agency, checked_at__range=(due_at - grace, due_at + grace)) \
        .order_by("checked_at").first()


# --- Recording what people do --------------------------------------------------------------------------

def may_check(membership):
    """Who looks at the mailbox today: the agency's clerks (intake.selectors.PAGE_ROLES)."""
    return bool(membership and membership.is_active and membership.has_role(Role.CLERK))


@transaction.atomic
def mailbox_check_record(*, membership, action, message=None, now=None):
    """A clerk looked at the agency's incoming mail (opened the list, triaged or answered an item).

    Counts what had arrived since this person's previous check, and turns the agency's missed due times
    into late ones, resolving their incidents. Never called by the poller."""
    if not may_check(membership) or (message is not None and message.agency_id != membership.agency_id):
        raise PermissionDenied(_("Chỉ văn thư của cơ quan mới kiểm tra hộp thư."))
    now = now or timezone.now()
    previous = MailboxCheck.objects.filter(membership=membership).order_by("-checked_at").first()
    if previous and action == MailboxCheck.Action.OPENED and timedelta(0) <= now - previous.checked_at < REOPEN:
        return previous  # paging or filtering the list is the same look
    # New to this person: what the portal took in since they last looked (not the sender's date).
    arrived = InboundMessage.objects.filter(agency=membership.agency_id, imported_at__lte=now)
    if previous:
        arrived = arrived.filter(imported_at__gt=previous.checked_at)
    check = MailboxCheck.objects.create(agency_id=membership.agency_id, membership=membership, action=action,
                                        message=message, checked_at=now, new_items=arrived.count())
    missed = list(MailboxCheckSlot.objects.select_for_update().filter(
        agency_id=membership.agency_id, outcome=MailboxCheckSlot.Outcome.MISSED, due_at__lte=now))
    if missed:
        MailboxCheckSlot.objects.filter(pk__in=[s.pk for s in missed]).update(
            outcome=MailboxCheckSlot.Outcome.LATE, met_by=check)
        incidents_resolve(Incident.Kind.MAILBOX_CHECK_MISSED, MailboxCheckSlot, [s.pk for s in missed],
                          _("%(name)s đã kiểm tra hộp thư lúc %(when)s.") % {
                              "name": membership.user.full_name, "when": _hhmm_date(now)}, resolved_at=now)
    return check


def _hhmm_date(moment):
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


# --- What the desk shows -------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeskCheck:
    last_check: MailboxCheck | None  # this person's previous look
    new_since: int  # items that arrived since then
    next_due: datetime | None  # the next due time not yet met
    overdue: datetime | None  # a due time passed with no check in its window (grace or not)

    @property
    def next_due_label(self):
        return when_label(self.next_due)

    @property
    def overdue_label(self):
        return when_label(self.overdue)


def when_label(moment):
    """'13:30 hôm nay', '08:00 ngày mai' or '08:00 ngày 07/12/2026'."""
    if moment is None:
        return ""
    local, today = timezone.localtime(moment), timezone.localdate()
    if local.date() == today:
        return _("%(time)s hôm nay") % {"time": f"{local:%H:%M}"}
    if local.date() == today + timedelta(days=1):
        return _("%(time)s ngày mai") % {"time": f"{local:%H:%M}"}
    return _("%(time)s ngày %(date)s") % {"time": f"{local:%H:%M}", "date": f"{local:%d/%m/%Y}"}


def desk_status(membership, now=None):
    """For the clerk's desk: what is new since they last looked, the next due time, or the one overdue."""
    now = now or timezone.now()
    agency = membership.agency
    rule = rule_of(agency)
    grace = timedelta(minutes=rule.grace_minutes)
    last = MailboxCheck.objects.filter(membership=membership).order_by("-checked_at").first()
    new = InboundMessage.objects.filter(agency=agency)
    if last:
        new = new.filter(imported_at__gt=last.checked_at)
    today = timezone.localdate(now)
    start = datetime.combine(today, time.min, timezone.get_default_timezone())
    moments = due_times_between(agency, start, now + timedelta(days=14), rule)
    checks = list(MailboxCheck.objects.filter(agency=agency, checked_at__gte=start - grace)
                  .values_list("checked_at", flat=True))

    def met(moment):  # on the desk a late check counts too: the time is no longer waiting for anyone
        return any(c >= moment - grace for c in checks)

    overdue = next((m for m in reversed(moments) if m <= now and not met(m)), None)
    upcoming = next((m for m in moments if m > now and not met(m)), None)
    return DeskCheck(last_check=last, new_since=new.count(), next_due=upcoming, overdue=overdue)


# --- Judging due times (beat) ---------------------------------------------------------------------------

def _chiefs(agency_id):
    return list(Membership.objects.active().filter(agency_id=agency_id, is_chief_of_office=True)
                .select_related("user"))


def mailbox_checks_judge(now=None):
    """Judge every due time whose grace period has passed (within LOOK_BACK, and since the mailbox was set
    up) for each agency whose mailbox is read: met on time, or missed with an incident for the chief of office.
    Safe to run twice."""
    now = now or timezone.now()
    opened = 0
    # A mailbox whose reading is switched off brings no mail to look at: its agency is not judged meanwhile.
    for mailbox in Mailbox.objects.select_related("agency").filter(agency__is_active=True, enabled=True):
        opened += _judge_agency(mailbox.agency, max(now - LOOK_BACK, mailbox.created_at), now)
    return opened


def _judge_agency(agency, since, now):
    rule = rule_of(agency)
    grace = timedelta(minutes=rule.grace_minutes)
    judged = set(MailboxCheckSlot.objects.filter(agency=agency, due_at__gte=since).values_list("due_at", flat=True))
    opened = 0
    for due_at in due_times_between(agency, since, now - grace, rule):
        if due_at in judged:
            continue
        opened += _judge_one(agency, due_at, grace)
    return opened


def _judge_one(agency, due_at, grace):
    check = _check_within(agency, due_at, grace)
    outcome = MailboxCheckSlot.Outcome.ON_TIME if check else MailboxCheckSlot.Outcome.MISSED
    try:
        with transaction.atomic():
            slot = MailboxCheckSlot.objects.create(agency=agency, due_at=due_at, deadline_at=due_at + grace,
                                                   outcome=outcome, met_by=check)
            if check:
                return 0
            chiefs = ", ".join(m.user.full_name for m in _chiefs(agency.pk)) or _("chưa chỉ định")
            incident_open(Incident.Kind.MAILBOX_CHECK_MISSED, slot, agency.pk, _(
                "Không có ai kiểm tra hộp thư cơ quan vào giờ %(due)s (quá %(grace)s phút cho phép). "
                "Chánh Văn phòng theo dõi: %(chiefs)s.") % {
                "due": _hhmm_date(due_at), "grace": int(grace.total_seconds() // 60), "chiefs": chiefs},
                occurred_at=due_at + grace)
            return 1
    except IntegrityError:  # another run judged it first
        return 0


# --- The rule, set by the agency admin ------------------------------------------------------------------

@transaction.atomic
def check_rule_save(*, admin, mode, times, min_per_day, interval_hours, day_start, day_end, grace_minutes,
                    question_due_days):
    """Create or change the admin's agency rule; fixed times must be at least `min_per_day` a day."""
    if not (admin and admin.has_role(Role.ADMIN)):
        raise PermissionDenied(_("Chỉ quản trị của cơ quan mới được đặt quy định kiểm tra hộp thư."))
    rule = MailboxCheckRule.objects.select_for_update().filter(agency=admin.agency).first() \
        or MailboxCheckRule(agency=admin.agency)
    if mode == MailboxCheckRule.Mode.FIXED_TIMES and len(times) < min_per_day:
        raise ValidationError({"times": _("Cần ít nhất %(count)s giờ kiểm tra mỗi ngày.") % {"count": min_per_day}})
    rule.mode, rule.times, rule.min_per_day = mode, [t.strftime("%H:%M") for t in times], min_per_day
    rule.interval_hours, rule.day_start, rule.day_end = interval_hours, day_start, day_end
    rule.grace_minutes, rule.question_due_days, rule.updated_by = grace_minutes, question_due_days, admin
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def calendar_day_set(*, admin, date, kind, note=""):
    """Add or change one of the agency's own days (an extra day off, a working Saturday)."""
    if not (admin and admin.has_role(Role.ADMIN)):
        raise PermissionDenied(_("Chỉ quản trị của cơ quan mới được đặt ngày nghỉ, ngày làm bù."))
    day, _created = CalendarDay.objects.update_or_create(agency=admin.agency, date=date,
                                                         defaults={"kind": kind, "note": note.strip()})
    return day


@transaction.atomic
def calendar_day_delete(*, admin, pk):
    if not (admin and admin.has_role(Role.ADMIN)):
        raise PermissionDenied(_("Chỉ quản trị của cơ quan mới được đặt ngày nghỉ, ngày làm bù."))
    CalendarDay.objects.filter(agency=admin.agency, pk=pk).delete()


@dataclass(frozen=True)
class Desk:
    check: DeskCheck | None  # for clerks
    open_questions: int
    overdue_questions: int
    missed_open: list  # open missed-check incidents, for the chief of office


def desk_for(membership, now=None):
    """What the desk shows of the mailbox: for a clerk the check status, for the chief of office the missed
    checks not yet made up, for anyone who answers questions the open and overdue ones."""
    from .questions import QUESTION_ROLES, questions_for  # questions reads this module

    now = now or timezone.now()
    check = desk_status(membership, now) if may_check(membership) else None
    open_q = overdue_q = 0
    if membership.has_role(*QUESTION_ROLES):
        open_q = questions_for(membership, "open").count()
        overdue_q = questions_for(membership, "overdue").count()
    missed = []
    if membership.is_chief_of_office:
        missed = list(Incident.objects.filter(agency=membership.agency_id, kind=Incident.Kind.MAILBOX_CHECK_MISSED,
                                              resolved_at__isnull=True).order_by("-occurred_at")[:10])
    return Desk(check=check, open_questions=open_q, overdue_questions=overdue_q, missed_open=missed)

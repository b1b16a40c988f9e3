"""The weekly work schedule in the portal: the week page, entries for the keepers, submit/return/approve."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import mfa_required, staff_required
from agencies.models import Unit
from core.forms import run_service

from . import selectors, services
from .forms import EntryForm, ReturnForm
from .models import Entry, Schedule

WEEKDAYS = [gettext_lazy("Thứ Hai"), gettext_lazy("Thứ Ba"), gettext_lazy("Thứ Tư"), gettext_lazy("Thứ Năm"),
            gettext_lazy("Thứ Sáu"), gettext_lazy("Thứ Bảy"), gettext_lazy("Chủ nhật")]


def _errors(exc):
    return exc.messages if hasattr(exc, "messages") else [str(exc)]


def _week_from(request):
    value = request.GET.get("week") or request.POST.get("week") or ""
    try:
        return services.week_start_of(date.fromisoformat(value))
    except ValueError:
        return services.week_start_of(timezone.localdate())


def _unit_from(request, membership):
    value = request.GET.get("unit") or request.POST.get("unit") or ""
    if not value.isdigit():
        return None
    return get_object_or_404(Unit, pk=value, agency=membership.agency_id)


def days_of(schedule_week, rows):
    """Monday to Sunday: (day, weekday name, rows of that day, is today)."""
    today = timezone.localdate()
    by_day = {}
    for row in rows:
        by_day.setdefault(row.local_day, []).append(row)
    days = []
    for offset in range(7):
        day = schedule_week + timedelta(days=offset)
        days.append({"day": day, "name": WEEKDAYS[offset], "rows": by_day.get(day, []), "today": day == today})
    return days


def _units_to_choose(membership):
    """Units whose own schedules may be looked at: those that keep one, and a keeper's own unit."""
    units = Unit.objects.filter(agency=membership.agency_id, schedules__isnull=False).distinct()
    ids = set(units.values_list("pk", flat=True))
    if membership.is_schedule_keeper and membership.unit_id:
        ids.add(membership.unit_id)
    return Unit.objects.filter(pk__in=ids).order_by("name")


def _schedule_context(request, schedule, week_start, unit):
    membership = request.membership
    context = {
        "week_start": week_start, "week_end": week_start + timedelta(days=6),
        "prev_week": week_start - timedelta(days=7), "next_week": week_start + timedelta(days=7),
        "unit": unit, "units": _units_to_choose(membership), "schedule": schedule,
    }
    if schedule is None:
        probe = Schedule(agency=membership.agency, unit=unit, week_start=week_start)
        context.update(days=days_of(week_start, []), may_keep=services.may_keep(membership, probe))
        return context
    may_keep = services.may_keep(membership, schedule)
    may_approve = services.may_approve(membership, schedule)
    sees_draft = selectors.sees_draft(membership, schedule)
    rows = selectors.entries_visible(membership, schedule)
    removed = []
    if sees_draft and schedule.has_changes:
        last = services.last_version(schedule)
        current = {row.uid for row in rows}
        removed = [row for row in selectors.published_rows(schedule, internal=True) if row.uid not in current] \
            if last else []
    editing = may_keep and schedule.status != Schedule.Status.SUBMITTED
    context.update(
        days=days_of(week_start, rows), rows=rows, removed=removed, sees_draft=sees_draft,
        may_keep=may_keep, editing=editing,
        can_submit=may_keep and schedule.status == Schedule.Status.DRAFT,
        can_decide=may_approve and schedule.status == Schedule.Status.SUBMITTED,
        versions=selectors.versions_of(schedule), return_form=ReturnForm(),
    )
    return context


@staff_required()
def schedule_week(request):
    membership = request.membership
    week_start, unit = _week_from(request), _unit_from(request, membership)
    schedule = Schedule.objects.filter(agency=membership.agency_id, unit=unit, week_start=week_start).first()
    return render(request, "schedules/week.html", _schedule_context(request, schedule, week_start, unit))


@staff_required()
def schedule_detail(request, pk):
    schedule = selectors.schedule_get_for_user(request.membership, pk)
    return render(request, "schedules/week.html",
                  _schedule_context(request, schedule, schedule.week_start, schedule.unit))


def _week_url(schedule):
    url = f"{reverse('schedule_week')}?week={schedule.week_start:%Y-%m-%d}"
    return f"{url}&unit={schedule.unit_id}" if schedule.unit_id else url


@require_POST
@staff_required()
def schedule_create(request):
    """Starts the week's draft (keepers only) and opens it."""
    membership = request.membership
    week_start, unit = _week_from(request), _unit_from(request, membership)
    if not services.may_keep(membership, Schedule(agency=membership.agency, unit=unit, week_start=week_start)):
        raise PermissionDenied(_("Chỉ cán bộ soạn lịch công tác của cơ quan mới được sửa lịch này."))
    schedule = services.schedule_for_week(agency=membership.agency, week_start=week_start, unit=unit,
                                          created_by=request.user)
    return redirect("schedule_detail", schedule.pk)


def _entry_form_page(request, schedule, entry=None):
    membership = request.membership
    if not services.may_keep(membership, schedule):
        raise PermissionDenied(_("Chỉ cán bộ soạn lịch công tác của cơ quan mới được sửa lịch này."))
    initial = EntryForm.initial_for(entry) if entry else {"day": _day_from(request, schedule)}
    form = EntryForm(request.POST or None, schedule=schedule, initial=initial)
    if request.method == "POST" and form.is_valid():
        if entry is None:
            done = run_service(form, lambda: services.entry_add(membership=membership, schedule=schedule,
                                                                **form.entry_data()))
        else:
            done = run_service(form, lambda: services.entry_update(membership=membership, entry=entry,
                                                                   **form.entry_data()))
        if done is not None:
            messages.success(request, _("Đã lưu mục lịch công tác."))
            return redirect("schedule_detail", schedule.pk)
    title = _("Sửa mục lịch công tác") if entry else _("Thêm mục lịch công tác")
    return render(request, "schedules/entry_form.html",
                  {"form": form, "schedule": schedule, "entry": entry, "title": title})


def _day_from(request, schedule):
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return schedule.week_start
    return day if schedule.week_start <= day < schedule.week_start + timedelta(days=7) else schedule.week_start


@staff_required()
def entry_add(request, pk):
    schedule = selectors.schedule_get_for_user(request.membership, pk)
    return _entry_form_page(request, schedule)


@staff_required()
def entry_edit(request, pk, entry_pk):
    schedule = selectors.schedule_get_for_user(request.membership, pk)
    entry = get_object_or_404(Entry, pk=entry_pk, schedule=schedule)
    return _entry_form_page(request, schedule, entry)


ENTRY_ACTIONS = {
    "postpone": (services.entry_postpone, gettext_lazy("Đã ghi hoãn mục lịch.")),
    "remove": (services.entry_remove, gettext_lazy("Đã xóa mục lịch.")),
}


@require_POST
@staff_required()
def entry_action(request, pk, entry_pk, action):
    if action not in ENTRY_ACTIONS:
        raise Http404
    schedule = selectors.schedule_get_for_user(request.membership, pk)
    entry = get_object_or_404(Entry, pk=entry_pk, schedule=schedule)
    service, done = ENTRY_ACTIONS[action]
    try:
        service(membership=request.membership, entry=entry)
    except ValidationError as exc:
        for error in _errors(exc):
            messages.error(request, error)
    else:
        messages.success(request, str(done))
    return redirect("schedule_detail", schedule.pk)


SCHEDULE_DONE = {
    "submit": gettext_lazy("Đã trình lịch công tác cho lãnh đạo duyệt."),
    "return": gettext_lazy("Đã trả lại lịch công tác kèm ý kiến."),
    "approve": gettext_lazy("Đã duyệt và công bố lịch công tác (lần %(number)s); đang gửi tới các nơi nhận."),
}


@require_POST
@staff_required()
def schedule_action(request, pk, action):
    if action not in SCHEDULE_DONE:
        raise Http404
    if action == "approve":
        return _approve(request, pk)
    return _run_action(request, pk, action)


@mfa_required
def _approve(request, pk):
    return _run_action(request, pk, "approve")


def _run_action(request, pk, action):
    membership = request.membership
    schedule = selectors.schedule_get_for_user(membership, pk)
    try:
        if action == "submit":
            result = services.schedule_submit(membership=membership, schedule=schedule)
        elif action == "return":
            form = ReturnForm(request.POST)
            form.is_valid()
            result = services.schedule_return(membership=membership, schedule=schedule,
                                              comment=form.cleaned_data.get("comment", ""))
        else:
            result = services.schedule_approve(membership=membership, schedule=schedule)
    except ValidationError as exc:
        for error in _errors(exc):
            messages.error(request, error)
    else:
        messages.success(request, str(SCHEDULE_DONE[action]) % {"number": getattr(result, "number", "")})
    return redirect("schedule_detail", schedule.pk)


def dashboard_panel(request, membership):
    """This week's published schedule of the person's agency, today highlighted (documents' dashboard)."""
    if not membership:
        return None
    week_start = services.week_start_of(timezone.localdate())
    schedule = Schedule.objects.filter(agency=membership.agency_id, unit=None, week_start=week_start).first()
    rows = selectors.published_rows(schedule, internal=True) if schedule else []
    today = [row for row in rows if row.local_day == timezone.localdate()]
    return "schedules/_dashboard_panel.html", {
        "schedule": schedule, "days": [d for d in days_of(week_start, rows) if d["rows"]], "today_rows": today,
        "week_start": week_start, "week_end": week_start + timedelta(days=6),
    }

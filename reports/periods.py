"""Reporting periods: half-years (Directive 34: report every six months) and free date ranges."""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    """Whole local days from `start` to `end`, both included."""

    start: datetime.date
    end: datetime.date
    half: int | None = None  # 1 or 2 when the period is a half-year

    @property
    def days(self):
        return (self.end - self.start).days + 1

    @property
    def bounds(self):
        """The aware instants [from, to) of the period in Vietnam's time."""
        tz = timezone.get_default_timezone()
        start = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
        return start, end

    @property
    def label(self):
        dates = f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"
        if self.half:
            return _("6 tháng %(which)s năm %(year)s (%(dates)s)") % {
                "which": _("đầu") if self.half == 1 else _("cuối"), "year": self.start.year, "dates": dates}
        return _("Từ %(start)s đến %(end)s") % {"start": f"{self.start:%d/%m/%Y}", "end": f"{self.end:%d/%m/%Y}"}

    def months(self):
        """The first day of every month the period touches."""
        month, result = self.start.replace(day=1), []
        while month <= self.end:
            result.append(month)
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return result

    def previous(self):
        """The half-year before a half-year; before any other range, as many days just before it."""
        if self.half == 1:
            return half_year(self.start.year - 1, 2)
        if self.half == 2:
            return half_year(self.start.year, 1)
        end = self.start - datetime.timedelta(days=1)
        return Period(end - datetime.timedelta(days=self.days - 1), end)


def half_year(year, half):
    """H1 = 01/01–30/06, H2 = 01/07–31/12."""
    if half == 1:
        return Period(datetime.date(year, 1, 1), datetime.date(year, 6, 30), 1)
    return Period(datetime.date(year, 7, 1), datetime.date(year, 12, 31), 2)


def current_half_year(today=None):
    """The half-year today falls in: the one a report is being gathered for."""
    today = today or timezone.localdate()
    return half_year(today.year, 1 if today.month <= 6 else 2)


def last_complete_half_year(today=None):
    today = today or timezone.localdate()
    return half_year(today.year - 1, 2) if today.month <= 6 else half_year(today.year, 1)

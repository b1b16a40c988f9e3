"""The six-monthly report's section on work schedules and meetings (issue 14), counted with aggregate queries
that run the same on PostgreSQL and SQLite.

Scope as the rest of the report: the agencies given (an agency and those under it). Schedules count by their
agency (its own and its units' schedules), meetings and their papers and answers by the organising agency.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

import core.lookups  # noqa: F401 - registers __any_of (one array parameter for many ids)
from meetings.models import Invitee, Meeting, Paper
from schedules.models import ScheduleSending, ScheduleVersion

ELECTRONIC_ANSWERS = (Invitee.Via.PORTAL, Invitee.Via.LINK)


@dataclass
class MeetingFigures:
    schedules_published: int = 0  # published versions of weekly schedules
    schedules_sent: int = 0  # of which sent electronically to at least one recipient
    meetings_held: int = 0  # not cancelled, started in the period (and before the report was computed)
    meetings_with_papers: int = 0  # of which at least one paper was handed out electronically
    answered: int = 0  # invitees of the agencies' meetings who answered in the period
    answered_electronically: int = 0  # of which in the portal or from the link in the e-mail
    papers: int = 0  # papers of the meetings held
    papers_without_copies: int = 0  # of which not also handed out on paper

    @staticmethod
    def _share(part, whole):
        return 100.0 * part / whole if whole else None

    @property
    def electronic_answer_share(self):
        return self._share(self.answered_electronically, self.answered)

    @property
    def paperless_share(self):
        return self._share(self.papers_without_copies, self.papers)


def meeting_figures(agency_ids, period, now):
    """MeetingFigures of the agencies (ids) over the period; a meeting counts as held once it has started."""
    return meeting_figures_of_periods(agency_ids, [period], now)[0]


def meeting_figures_of_periods(agency_ids, periods, now):
    """MeetingFigures of each period, four aggregate queries whatever their number: each counts its rows over the
    periods' whole span, per period with a FILTER."""
    spans = [period.bounds for period in periods]
    first, last = min(start for start, _ in spans), max(end for _, end in spans)

    def per_period(field, **counts):
        return {f"{name}_{n}": Count("pk", filter=Q(**{f"{field}__gte": start, f"{field}__lt": end}) & (extra or Q()))
                for n, (start, end) in enumerate(spans) for name, extra in counts.items()}

    sent = ScheduleSending.objects.filter(version=OuterRef("pk"), status=ScheduleSending.Status.SENT)
    schedules = ScheduleVersion.objects.filter(
        schedule__agency_id__any_of=agency_ids, published_at__gte=first, published_at__lt=last,
    ).aggregate(**per_period("published_at", published=None, sent=Q(Exists(sent))))
    held = Meeting.objects.filter(agency_id__any_of=agency_ids, starts_at__gte=first, starts_at__lt=last,
                                  starts_at__lte=now).exclude(status=Meeting.Status.CANCELLED)
    meetings = held.aggregate(**per_period(
        "starts_at", held=None, with_papers=Q(Exists(Paper.objects.filter(meeting=OuterRef("pk"))))))
    papers = Paper.objects.filter(meeting__in=held).aggregate(**per_period(
        "meeting__starts_at", total=None, without_copies=Q(paper_copies=False)))
    answers = Invitee.objects.filter(
        meeting__agency_id__any_of=agency_ids, answered_at__gte=first, answered_at__lt=last,
    ).exclude(answer=Invitee.Answer.NONE).aggregate(**per_period(
        "answered_at", total=None, electronic=Q(answered_via__in=ELECTRONIC_ANSWERS)))
    return [MeetingFigures(
        schedules_published=schedules[f"published_{n}"], schedules_sent=schedules[f"sent_{n}"],
        meetings_held=meetings[f"held_{n}"], meetings_with_papers=meetings[f"with_papers_{n}"],
        answered=answers[f"total_{n}"], answered_electronically=answers[f"electronic_{n}"],
        papers=papers[f"total_{n}"], papers_without_copies=papers[f"without_copies_{n}"],
    ) for n in range(len(spans))]

"""The six-monthly report's section on work schedules and meetings (issue 14), counted with aggregate queries
that run the same on PostgreSQL and SQLite.

Scope as the rest of the report: the agencies given (an agency and those under it). Schedules count by their
agency (its own and its units' schedules), meetings and their papers and answers by the organising agency.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

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
    start, end = period.bounds
    sent = ScheduleSending.objects.filter(version=OuterRef("pk"), status=ScheduleSending.Status.SENT)
    schedules = ScheduleVersion.objects.filter(
        schedule__agency_id__in=agency_ids, published_at__gte=start, published_at__lt=end,
    ).aggregate(published=Count("pk"), sent=Count("pk", filter=Q(Exists(sent))))
    held = Meeting.objects.filter(agency_id__in=agency_ids, starts_at__gte=start, starts_at__lt=end,
                                  starts_at__lte=now).exclude(
        status=Meeting.Status.CANCELLED)
    meetings = held.aggregate(held=Count("pk"), with_papers=Count(
        "pk", filter=Q(Exists(Paper.objects.filter(meeting=OuterRef("pk"))))))
    papers = Paper.objects.filter(meeting__in=held).aggregate(
        total=Count("pk"), without_copies=Count("pk", filter=Q(paper_copies=False)))
    answers = Invitee.objects.filter(
        meeting__agency_id__in=agency_ids, answered_at__gte=start, answered_at__lt=end,
    ).exclude(answer=Invitee.Answer.NONE).aggregate(
        total=Count("pk"), electronic=Count("pk", filter=Q(answered_via__in=ELECTRONIC_ANSWERS)))
    return MeetingFigures(
        schedules_published=schedules["published"], schedules_sent=schedules["sent"],
        meetings_held=meetings["held"], meetings_with_papers=meetings["with_papers"],
        answered=answers["total"], answered_electronically=answers["electronic"],
        papers=papers["total"], papers_without_copies=papers["without_copies"],
    )

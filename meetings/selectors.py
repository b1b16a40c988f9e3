"""Reading meetings and invitations, with who-may-see-what built in (404 for what a person may not see)."""

import django_filters
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, Role
from documents import workflow
from documents.models import Outgoing

from .models import Invitee, Meeting

K = Invitee.Kind
A = Invitee.Answer


def meeting_details_editable(membership, outgoing):
    """The details of a Giấy mời are written while it is a draft, by whoever may edit the draft (its drafter and
    the agency's clerks)."""
    return membership is not None and workflow.can_edit(membership, outgoing)


def meetings_visible_to(membership):
    """Meetings of the person's agency they may open: clerks all; the drafter, signer, chair and named invitees
    theirs; leaders every meeting that is not secret; other staff the non-secret meetings once invited."""
    if membership is None:
        return Meeting.objects.none()
    mine = Meeting.objects.filter(agency=membership.agency)
    if membership.has_role(Role.CLERK):
        return mine
    insiders = (Q(invitation__created_by=membership.user) | Q(invitation__signer=membership) | Q(chair=membership)
                | Q(pk__in=Invitee.objects.filter(kind=K.PERSON, membership=membership).values("meeting_id")))
    if membership.has_role(Role.LEADER):
        return mine.filter(insiders | Q(invitation__secrecy=""))
    return mine.filter(insiders | Q(invitation__secrecy="", invitation__status=Outgoing.Status.ISSUED))


def meeting_get_for_user(membership, pk):
    return get_object_or_404(
        meetings_visible_to(membership).select_related("agency", "invitation", "chair__user", "organising_unit"),
        pk=pk)


def meeting_for_outgoing(outgoing):
    return Meeting.objects.filter(invitation=outgoing).select_related("chair__user").first()


class MeetingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Tìm"), method="search")
    when = django_filters.ChoiceFilter(label=_("Thời gian"), method="period", empty_label=_("Tất cả"),
                                       choices=[("upcoming", _("Sắp diễn ra")), ("past", _("Đã qua"))])
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), choices=Meeting.Status.choices)

    class Meta:
        model = Meeting
        fields = ["q", "when", "status"]

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(title__icontains=word) | Q(place__icontains=word)
                                       | Q(chair_name__icontains=word) | Q(invitation__notation__icontains=word))
        return queryset

    def period(self, queryset, name, value):
        now = timezone.now()
        return queryset.filter(ends_at__gte=now) if value == "upcoming" else queryset.filter(ends_at__lt=now)


def meeting_filterset(*, membership, filters=None):
    """The meeting list over what this person may see: upcoming first (soonest first), then past ones."""
    meetings = meetings_visible_to(membership).select_related("invitation").annotate(
        invited=Count("invitees"),
        answered=Count("invitees", filter=~Q(invitees__answer=A.NONE)),
        coming=Count("invitees", filter=Q(invitees__answer__in=[A.ATTEND, A.DEPUTY])),
    )
    return MeetingFilter(filters, queryset=meetings)


def attendance(meeting):
    """The live attendance of a meeting: its invitees and the counts."""
    invitees = list(meeting.invitees.select_related("agency", "unit", "membership__user", "answered_by")
                    .prefetch_related("attending_members__user"))
    counts = {
        "invited": len(invitees),
        "answered": sum(1 for i in invitees if i.answer),
        "attending": sum(1 for i in invitees if i.comes),
        "declined": sum(1 for i in invitees if i.answer == A.DECLINE),
    }
    counts["unanswered"] = counts["invited"] - counts["answered"]
    return {"invitees": invitees, "counts": counts, "coming": [i for i in invitees if i.comes]}


def _reaching(membership):
    """Invitees this person answers for: themselves; their unit (its members); their agency (clerks, leaders)."""
    reach = Q(kind=K.PERSON, membership=membership)
    if membership.unit_id:
        reach |= Q(kind=K.UNIT, unit_id=membership.unit_id)
    if membership.has_role(Role.CLERK, Role.LEADER):
        reach |= Q(kind=K.AGENCY, agency_id=membership.agency_id)
    return reach


def invitee_may_answer(membership, invitee):
    """Answering in the portal: the invited person; an invited unit's members; an invited agency's clerks and
    leaders; only once the invitation is issued."""
    if membership is None or invitee.meeting.invitation.status != Outgoing.Status.ISSUED:
        return False
    if invitee.kind == K.PERSON:
        return invitee.membership_id == membership.pk
    if invitee.kind == K.UNIT:
        return membership.unit_id == invitee.unit_id
    if invitee.kind == K.AGENCY:
        return invitee.agency_id == membership.agency_id and membership.has_role(Role.CLERK, Role.LEADER)
    return False


def invitations_for(membership):
    """The issued invitations this person answers for (invitation list), soonest meeting first."""
    if membership is None:
        return Invitee.objects.none()
    return (Invitee.objects.filter(_reaching(membership), meeting__invitation__status=Outgoing.Status.ISSUED)
            .select_related("meeting__agency", "meeting__invitation").order_by("meeting__starts_at", "pk"))


def invitations_awaiting(membership):
    """The invitations this person answers for that still wait for an answer and can still get one."""
    return invitations_for(membership).filter(answer=A.NONE, meeting__status=Meeting.Status.PLANNED,
                                              meeting__starts_at__gt=timezone.now())


def invitation_get_for_user(membership, pk):
    return get_object_or_404(invitations_for(membership), pk=pk)


def invitation_for_incoming(incoming):
    """The invitation an incoming document carries: the invitee its delivery (of a Giấy mời with a meeting)
    reached, or None. The page that asks has already checked the person may see the incoming document."""
    if incoming.delivery_id is None:
        return None
    return (Invitee.objects.filter(delivery_id=incoming.delivery_id)
            .select_related("meeting__agency", "meeting__invitation", "agency", "unit").first())


def meeting_people_choices(agency):
    """Who may be named on an invitation or as going: the agency's active staff."""
    return Membership.objects.active().filter(agency=agency).select_related("user", "unit").order_by(
        "user__full_name")


def answer_members(invitee):
    """Whom an answer may name as going: the invited agency's staff, or the organiser's for its units and people;
    none for an address outside the portal."""
    if invitee.kind == K.AGENCY:
        return meeting_people_choices(invitee.agency) if invitee.agency.uses_portal else None
    if invitee.kind == K.EMAIL:
        return None
    return meeting_people_choices(invitee.meeting.agency)

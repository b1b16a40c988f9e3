"""Reading meeting papers, with the permission check inside: who may read a meeting's papers in the portal, the
version a reader may open (always the newest; the organiser also the earlier ones), and who opened what.

Portal readers: staff of the organiser's agency and staff of what was invited (an invited agency's staff, an
invited unit's members, an invited person, anyone named as attending). A secret meeting narrows that to the
drafter, the signer, the chair, the organising side, the organiser's clerks, invited persons and units, named
attendees, and an invited agency's clerks and leaders; its papers are never opened through an e-mail link.
Anything a person may not read is a 404, so nobody learns that the meeting exists.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from documents.models import Outgoing

from .models import Invitee, Meeting, Paper, PaperOpening, PaperVersion
from .services.papers import papers_may_manage


def papers_may_read(membership, meeting):
    if membership is None:
        return False
    secret = meeting.is_secret
    if papers_may_manage(membership, meeting):
        return True
    if membership.agency_id == meeting.agency_id:
        if not secret or membership.pk in (meeting.invitation.signer_id, meeting.chair_id):
            return True
    if meeting.invitation.status != Outgoing.Status.ISSUED:  # invitees read once they are invited
        return False
    invited = Q(kind=Invitee.Kind.PERSON, membership=membership) | Q(attending_members=membership)
    if membership.unit_id:
        invited |= Q(kind=Invitee.Kind.UNIT, unit_id=membership.unit_id)
    if not secret or membership.is_clerk or membership.is_leader:
        invited |= Q(kind=Invitee.Kind.AGENCY, agency_id=membership.agency_id)
    return meeting.invitees.filter(invited).exists()


def meeting_for_paper_reader(membership, meeting_pk):
    meeting = Meeting.objects.select_related("invitation", "agency").filter(pk=meeting_pk).first()
    if meeting is None or not papers_may_read(membership, meeting):
        raise Http404
    return meeting


def _current_versions():
    return PaperVersion.objects.filter(paper=OuterRef("paper")).order_by("-number").values("pk")[:1]


def version_for_reader(membership, meeting_pk, version_pk):
    """The version a portal reader opens: of this meeting, the newest of its paper (the organising side may
    open earlier ones too)."""
    meeting = meeting_for_paper_reader(membership, meeting_pk)
    version = (PaperVersion.objects.select_related("paper").filter(pk=version_pk, paper__meeting=meeting)
               .annotate(current=Subquery(_current_versions())).first())
    if version is None or (version.current != version.pk and not papers_may_manage(membership, meeting)):
        raise Http404
    return version


def version_for_invitee(invitee, version_pk):
    """The newest version of a paper of the invitee's own meeting; never for a secret meeting (403)."""
    meeting = invitee.meeting
    if meeting.is_secret:
        raise PermissionDenied(_("Tài liệu của cuộc họp mật không mở được qua đường dẫn trong thư; người được "
                                 "mời đọc tài liệu này trong Cổng trao đổi văn bản."))
    if meeting.invitation.status != Outgoing.Status.ISSUED:
        raise Http404
    version = (PaperVersion.objects.select_related("paper").filter(pk=version_pk, paper__meeting=meeting)
               .annotate(current=Subquery(_current_versions())).first())
    if version is None or version.current != version.pk:
        raise Http404
    return version


def papers_of(meeting, *, history=False):
    """The meeting's papers, each with `current` (its newest version), and when `history` also `versions`
    (newest first, each with `opened`, its number of openings) and `readers` [(name, openings, last)]."""
    papers = list(Paper.objects.filter(meeting=meeting).prefetch_related("versions"))
    for paper in papers:
        versions = list(paper.versions.all())
        paper.current = versions[0] if versions else None
        if history:
            counts = dict(PaperVersion.objects.filter(paper=paper).annotate(n=Count("openings"))
                          .values_list("pk", "n"))
            for version in versions:
                version.opened = counts.get(version.pk, 0)
            paper.versions_all = versions
            paper.opened = sum(counts.values())
            paper.readers = _readers(paper)
    return papers


def _readers(paper):
    rows = (PaperOpening.objects.filter(version__paper=paper)
            .values("user__full_name", "user__email", "invitee__name")
            .annotate(n=Count("pk"), last=Max("at")).order_by("-last"))
    return [(row["user__full_name"] or row["user__email"] or row["invitee__name"], row["n"], row["last"])
            for row in rows]

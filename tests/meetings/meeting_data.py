"""Meetings for the papers, changes and mail tests, made with the models in the state a test needs: a Giấy mời
draft through the documents services, marked issued, and its Meeting and invitees."""

from datetime import timedelta

from django.utils import timezone

from documents.models import DocumentType, Outgoing
from meetings.models import Invitee, Meeting
from tests.documents.conftest import make_draft


def make_meeting(drafter, signer, *, secret=False, issued=True, title="Họp triển khai Chỉ thị 34", **fields):
    invitation = make_draft(drafter, signer, doc_type=DocumentType.GIAY_MOI, summary=f"Giấy mời {title}",
                            secrecy="mat" if secret else "")
    if issued:
        Outgoing.objects.filter(pk=invitation.pk).update(status=Outgoing.Status.ISSUED, issued_at=timezone.now(),
                                                         number=invitation.pk, notation=f"{invitation.pk}/GM-BNV")
        invitation.refresh_from_db()
    starts = (timezone.now() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    values = {"agency": drafter.agency, "organising_unit": drafter.unit, "invitation": invitation, "title": title,
              "content": "Đánh giá việc gửi, nhận văn bản điện tử", "starts_at": starts,
              "ends_at": starts + timedelta(hours=2), "place": "Phòng họp số 1", "chair_name": signer.user.full_name,
              "chair": signer, "created_by": drafter.user} | fields
    return Meeting.objects.create(**values)


def invite_email(meeting, email="hopthu@congty.vn", name="Công ty TNHH Thử nghiệm"):
    return Invitee.objects.create(meeting=meeting, kind=Invitee.Kind.EMAIL, email=email, name=name)


def invite_agency(meeting, agency):
    return Invitee.objects.create(meeting=meeting, kind=Invitee.Kind.AGENCY, agency=agency, name=agency.name)


def invite_person(meeting, membership):
    return Invitee.objects.create(meeting=meeting, kind=Invitee.Kind.PERSON, membership=membership,
                                  name=membership.user.full_name)

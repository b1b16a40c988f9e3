"""The conclusion notice (meetings.services.conclusion): after the meeting starts, a drafter of the organiser's
agency starts a TB draft addressed like the invitation, linked to the meeting, which then goes through the usual
sign → issue → deliver pipeline."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from documents.models import Delivery, DocumentType, Outgoing, Recipient
from documents.services import outgoing as outgoing_services
from meetings.models import Meeting
from meetings.services.conclusion import conclusion_draft
from tests import factories
from tests.documents.conftest import make_draft, pdf_upload, to_agency, to_email

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_unit(agency):
    return factories.make_unit(agency, "Vụ Tổ chức cán bộ", "TCCB")


def held_meeting(drafter, signer, *recipients, starts_in=timedelta(hours=-1), secrecy=""):
    """A meeting whose Giấy mời (with these recipients) was issued; it started an hour ago unless told."""
    invitation = make_draft(drafter, signer, *recipients, doc_type=DocumentType.GIAY_MOI, secrecy=secrecy,
                            summary="Giấy mời họp sơ kết 6 tháng")
    Outgoing.objects.filter(pk=invitation.pk).update(
        status=Outgoing.Status.ISSUED, issued_at=timezone.now() - timedelta(days=3), year=timezone.now().year,
        number=7, notation="07/GM-BNV")
    invitation.refresh_from_db()
    starts = timezone.now() + starts_in
    return Meeting.objects.create(
        agency=drafter.agency, organising_unit=drafter.unit, invitation=invitation, title="Họp sơ kết 6 tháng",
        starts_at=starts, ends_at=starts + timedelta(hours=2), chair_name=signer.user.full_name, chair=signer,
        created_by=drafter.user)


def recipients_of(outgoing):
    return sorted((r.role, r.kind, r.agency_id, r.unit_id, r.email, r.name) for r in outgoing.recipients.all())


@pytest.fixture
def meeting(specialist, leader, other_agency, own_unit):
    return held_meeting(specialist, leader, to_agency(other_agency, Recipient.Role.KINH_GUI),
                        {"kind": Recipient.Kind.UNIT, "unit": own_unit},
                        to_email("hopthu@congty.vn", "Công ty TNHH Thử nghiệm"))


def test_the_conclusion_is_a_tb_draft_addressed_like_the_invitation_and_linked(meeting, clerk, leader):
    notice = conclusion_draft(membership=clerk, meeting=meeting, main_file=pdf_upload("ket-luan.pdf"))
    meeting.refresh_from_db()
    assert meeting.conclusion == notice
    assert (notice.doc_type, notice.status, notice.agency_id) == (DocumentType.THONG_BAO, Outgoing.Status.DRAFT,
                                                                  meeting.agency_id)
    assert recipients_of(notice) == recipients_of(meeting.invitation) and notice.recipients.count() == 3
    assert notice.summary == "Kết luận cuộc họp: Họp sơ kết 6 tháng"
    assert (notice.signer, notice.drafting_unit_id, notice.created_by) == (leader, meeting.organising_unit_id,
                                                                           clerk.user)
    assert notice.files.get(kind="main").name == "ket-luan.pdf"


def test_then_it_is_signed_issued_and_delivered_like_any_outgoing_document(
        meeting, specialist, leader, clerk, certified):
    notice = conclusion_draft(membership=specialist, meeting=meeting, main_file=pdf_upload(),
                              summary="Kết luận của Bộ trưởng tại cuộc họp sơ kết 6 tháng")
    outgoing_services.outgoing_submit(membership=specialist, outgoing=notice)
    issued = outgoing_services.outgoing_issue(membership=clerk, outgoing=factories.approve(leader, notice))
    assert issued.status == Outgoing.Status.ISSUED and issued.notation.endswith("/TB-BNV")
    assert sorted(issued.deliveries.values_list("channel", "email")) == [
        (Delivery.Channel.EMAIL, "hopthu@congty.vn"), (Delivery.Channel.PORTAL, ""), (Delivery.Channel.PORTAL, "")]


def test_a_secret_meetings_conclusion_is_as_secret(specialist, leader, other_agency):
    meeting = held_meeting(specialist, leader, to_agency(other_agency), secrecy="mat")
    notice = conclusion_draft(membership=specialist, meeting=meeting, main_file=pdf_upload())
    assert notice.secrecy == "mat"


def test_refused_before_the_meeting_starts_when_cancelled_and_a_second_time(specialist, leader, other_agency):
    later = held_meeting(specialist, leader, to_agency(other_agency), starts_in=timedelta(minutes=5))
    with pytest.raises(ValidationError, match="sau khi cuộc họp đã bắt đầu"):
        conclusion_draft(membership=specialist, meeting=later, main_file=pdf_upload())
    assert Outgoing.objects.filter(doc_type=DocumentType.THONG_BAO).count() == 0

    cancelled = held_meeting(specialist, leader, to_agency(other_agency))
    Meeting.objects.filter(pk=cancelled.pk).update(status=Meeting.Status.CANCELLED)
    with pytest.raises(ValidationError, match="đã hủy"):
        conclusion_draft(membership=specialist, meeting=cancelled, main_file=pdf_upload())

    held = held_meeting(specialist, leader, to_agency(other_agency))
    conclusion_draft(membership=specialist, meeting=held, main_file=pdf_upload())
    with pytest.raises(ValidationError, match="đã có thông báo kết luận"):
        conclusion_draft(membership=specialist, meeting=held, main_file=pdf_upload())


def test_refused_to_other_agencies_and_to_who_does_not_draft(meeting, leader, other_agency):
    outsider = factories.make_member(other_agency, "clerk")
    for who in (outsider, leader):
        with pytest.raises(PermissionDenied):
            conclusion_draft(membership=who, meeting=meeting, main_file=pdf_upload())
    meeting.refresh_from_db()
    assert meeting.conclusion is None


def test_the_meeting_page_offers_it_after_the_start_and_opens_the_draft(
        meeting, specialist, leader, other_agency, client_for):
    client = client_for(specialist)
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'data-testid="conclusion-form"' in page
    response = client.post(f"/meetings/{meeting.pk}/conclusion/", {"main_file": pdf_upload("tb.pdf")})
    meeting.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"/outgoing/{meeting.conclusion_id}/"
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'data-testid="conclusion-link"' in page and 'data-testid="conclusion-form"' not in page

    later = held_meeting(specialist, leader, to_agency(other_agency), starts_in=timedelta(days=1))
    page = client.get(f"/meetings/{later.pk}/").content.decode()
    assert 'data-testid="conclusion-form"' not in page and "sau khi cuộc họp đã bắt đầu" in page
    outsider = client_for(factories.make_member(other_agency, "clerk"))
    assert outsider.post(f"/meetings/{later.pk}/conclusion/", {"main_file": pdf_upload()}).status_code == 404

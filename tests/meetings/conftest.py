"""Meetings called by a real Giấy mời: drafted with its meeting details, signed by the leader, issued by the clerk
with the agency's seal (demo PKI), and delivered (portal copies into the invited agencies, e-mail to the SMTP
server of the test when one runs)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from documents.models import DocumentType
from documents.services import outgoing as outgoing_services
from meetings.models import Meeting
from meetings.services.invitations import meeting_details_save
from tests import factories
from tests.documents.conftest import make_draft, to_agency, to_email

EXTERNAL = "vanthu@congty.vn"


@pytest.fixture
def guest_agencies(db):
    """Two agencies on the portal that are invited, each with a clerk, a leader and a specialist."""
    agencies = {}
    for key, name, code, domain in [("gialai", "Ủy ban nhân dân tỉnh Gia Lai", "000.00.00.H39", "gialai.gov.vn"),
                                    ("kontum", "Ủy ban nhân dân tỉnh Kon Tum", "000.00.00.H34", "kontum.gov.vn")]:
        agency = factories.make_agency(name, code=code, domain=domain)
        office = factories.make_unit(agency, "Văn phòng", "VP")
        agencies[key] = {
            "agency": agency,
            "clerk": factories.make_member(agency, "clerk", unit=office, position="Văn thư"),
            "leader": factories.make_member(agency, "leader", unit=office, position="Phó Chủ tịch"),
            "specialist": factories.make_member(agency, "specialist", unit=office),
        }
    return agencies


def meeting_starts(days=3):
    return (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def issue_gm(certified, specialist, leader, clerk, django_capture_on_commit_callbacks):
    """issue_gm(*recipients, secret=False, title=..., people=(), **details) -> Meeting: a Giấy mời with its
    meeting drafted by the specialist, signed by the leader (the chair), issued and delivered by the clerk."""

    def make(*recipients, secret=False, title="Hội nghị triển khai Chỉ thị 34", people=(), **details):
        outgoing = make_draft(specialist, leader, *recipients, doc_type=DocumentType.GIAY_MOI,
                              summary=f"Giấy mời dự {title}", secrecy="mat" if secret else "")
        starts = details.pop("starts_at", meeting_starts())
        meeting_details_save(
            membership=specialist, outgoing=outgoing, title=title, starts_at=starts,
            ends_at=details.pop("ends_at", starts + timedelta(hours=2)), chair=leader,
            content=details.pop("content", "Đánh giá việc gửi, nhận văn bản điện tử"),
            place=details.pop("place", "Phòng họp số 1, 8 Tôn Thất Thuyết"),
            confirm_by=details.pop("confirm_by", starts - timedelta(days=1)), people=people, **details)
        outgoing_services.outgoing_submit(membership=specialist, outgoing=outgoing)
        factories.approve(leader, outgoing)
        with django_capture_on_commit_callbacks(execute=True):
            outgoing_services.outgoing_issue(membership=clerk, outgoing=outgoing)
        return Meeting.objects.get(invitation=outgoing)

    return make


@pytest.fixture
def invitation(issue_gm, guest_agencies):
    """The usual case: a Giấy mời to two agencies on the portal and one address outside."""
    return issue_gm(to_agency(guest_agencies["gialai"]["agency"]), to_agency(guest_agencies["kontum"]["agency"]),
                    to_email(EXTERNAL, "Công ty Cổ phần Đông Á"))

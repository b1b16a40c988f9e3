"""The signature report where documents are read: the outgoing document (the approved or issued main file), the
incoming document at the receiving agency; each signature on its own with Decree 30 Art. 5 on top."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from documents.models import Incoming, Recipient
from documents.services import outgoing as outgoing_services
from pki import validation
from tests.documents.conftest import approved, kontum, kontum_staff, pdf_upload, to_agency  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def signatures(html):
    return re.findall(r'data-testid="signature" data-status="([a-z]+)" data-kind="([a-z]+)"', html)


def article_5(html):
    return re.findall(r'data-testid="article-5" data-meets="([a-z]+)"', html)


@pytest.fixture
def approved_draft(certified, specialist, leader, kontum):  # noqa: F811
    return approved(specialist, leader, to_agency(kontum, role=Recipient.Role.KINH_GUI),
                    attachments=[pdf_upload("phu-luc.pdf")])


def test_the_approved_draft_shows_the_signers_signature_and_that_the_agencys_is_missing(
        client_for, approved_draft, clerk):
    html = client_for(clerk).get(reverse("outgoing_detail", args=[approved_draft.pk])).content.decode()

    assert signatures(html) == [("valid", "person")]
    assert article_5(html) == ["no"] and "Thiếu chữ ký số của cơ quan, tổ chức." in html


def test_the_issued_document_meets_article_5_and_its_attachment_is_not_judged_by_it(
        client_for, approved_draft, clerk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issued = outgoing_services.outgoing_issue(membership=clerk, outgoing=approved_draft)
    html = client_for(clerk).get(reverse("outgoing_detail", args=[issued.pk])).content.decode()

    # Main file: signer, agency, document timestamp; the attachment: the agency's signature only, folded away.
    assert sorted(signatures(html)) == [("valid", "agency"), ("valid", "agency"), ("valid", "person"),
                                        ("valid", "timestamp")]
    assert article_5(html) == ["yes"]
    assert "Đáp ứng Điều 5 Nghị định 30/2020/NĐ-CP" in html and "Chi tiết từng chữ ký số" in html


def test_the_receiving_agency_sees_each_signature_and_the_report_is_kept_for_the_next_view(
        client_for, approved_draft, clerk, kontum_staff, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        outgoing_services.outgoing_issue(membership=clerk, outgoing=approved_draft)
    incoming = Incoming.objects.get(agency=approved_draft.recipients.first().agency)
    main = incoming.files.get(kind="main")
    client = client_for(kontum_staff["clerk"])

    html = client.get(reverse("incoming_detail", args=[incoming.pk])).content.decode()

    assert sorted(kind for _status, kind in signatures(html)) == ["agency", "agency", "person", "timestamp"]
    assert article_5(html) == ["yes"]  # the attachment is not judged by Art. 5
    assert "Có dấu thời gian của Demo TSA" in html and "Cá nhân: " in html
    kept = cache.get(f"pki:report:1:{main.sha256}:{validation._trust_key()}")
    assert isinstance(kept, validation.ValidationReport) and kept.meets_article_5

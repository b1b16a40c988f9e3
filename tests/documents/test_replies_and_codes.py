"""What the sender sees of a reply, and what the edXML status codes mean: the sender's page says which recipient
answered with which document, the reply says which document it answers, each code is explained where it shows
(tooltip and legend), and the register calls the issuing agency "Cơ quan ban hành"."""

import re

import pytest

from documents.models import Incoming, Outgoing
from documents.services import incoming as services
from documents.services import outgoing as outgoing_services
from pki.demo import issue_certificate
from tests import factories
from tests.documents.conftest import pdf_upload
from tests.documents.test_incoming import arrived  # noqa: F401 (fixture; kontum and kontum_staff come from conftest)

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(arrived, kontum, kontum_staff, django_capture_on_commit_callbacks):  # noqa: F811
    """Kon Tum registers the công văn of Bộ Nội vụ and drafts its reply (not issued yet)."""
    s = kontum_staff
    incoming = services.incoming_register(membership=s["clerk"], incoming=arrived)
    reply = outgoing_services.outgoing_create(
        membership=s["clerk"], main_file=pdf_upload(), in_reply_to=incoming, doc_type="BC",
        summary="Báo cáo kết quả triển khai Chỉ thị 34", drafting_unit=s["office"], signer=s["leader"])
    outgoing_services.outgoing_submit(membership=s["clerk"], outgoing=reply)
    factories.approve(s["leader"], reply)
    return incoming, reply


def issue_reply(reply, kontum_staff, kontum, django_capture_on_commit_callbacks):  # noqa: F811
    issue_certificate(kontum)
    with django_capture_on_commit_callbacks(execute=True):
        return outgoing_services.outgoing_issue(membership=kontum_staff["clerk"], outgoing=reply)


def test_the_sender_sees_which_recipient_replied_with_which_document_and_the_reply_says_what_it_answers(
        client_for, answered, agency, clerk, kontum, kontum_staff, django_capture_on_commit_callbacks):  # noqa: F811
    _incoming, reply = answered
    original = Outgoing.objects.get(agency=agency)
    client = client_for(clerk)
    # A reply still being drafted at the recipient is nobody's business at the sender.
    assert 'data-testid="delivery-reply"' not in client.get(f"/outgoing/{original.pk}/").content.decode()

    reply = issue_reply(reply, kontum_staff, kontum, django_capture_on_commit_callbacks)
    arrived_here = Incoming.objects.get(agency=agency)
    page = client.get(f"/outgoing/{original.pk}/").content.decode()
    row = re.search(rf'<tr data-delivery="{original.deliveries.get(agency=kontum).pk}".*?</tr>', page, re.S).group(0)
    assert f"đã trả lời bằng văn bản {reply.notation}" in row and f"/incoming/{arrived_here.pk}/" in row

    page = client.get(f"/incoming/{arrived_here.pk}/").content.decode()
    answers = re.search(r'data-testid="answers">(.*?)</div>', page, re.S).group(1)
    assert f"Trả lời văn bản số {original.notation} của Bộ Nội vụ" in answers
    assert f"/outgoing/{original.pk}/" in answers


def test_another_agency_sees_neither_the_reply_nor_the_link(client_for, answered, agency, kontum, kontum_staff,  # noqa: F811
                                                            django_capture_on_commit_callbacks):
    _incoming, reply = answered
    issue_reply(reply, kontum_staff, kontum, django_capture_on_commit_callbacks)
    stranger = factories.make_member(factories.make_agency("Ủy ban nhân dân tỉnh Quảng Ngãi"), "clerk")
    client = client_for(stranger)
    assert client.get(f"/outgoing/{Outgoing.objects.get(agency=agency).pk}/").status_code == 404
    assert client.get(f"/incoming/{Incoming.objects.get(agency=agency).pk}/").status_code == 404


def test_edxml_codes_are_explained_where_they_show(client_for, answered, agency, clerk, kontum_staff):  # noqa: F811
    incoming, _reply = answered
    page = client_for(kontum_staff["clerk"]).get(f"/incoming/{incoming.pk}/").content.decode()
    status = re.search(r'data-testid="incoming-status">(.*?)</span>', page, re.S).group(1)
    assert re.search(r'<abbr title="Mã trạng thái edXML 03: Văn thư đã tiếp nhận và vào sổ văn bản đến\."[^>]*>03'
                     r'</abbr> · Đã tiếp nhận', status)
    legend = re.search(r'data-testid="edxml-legend">(.*?)</details>', page, re.S).group(1)
    for code, label in Incoming.Status.choices:
        assert f"<code>{code}</code> {label}" in legend

    page = client_for(clerk).get(f"/outgoing/{Outgoing.objects.get(agency=agency).pk}/").content.decode()
    assert re.search(r'<abbr title="Mã trạng thái edXML 03: [^"]+"[^>]*>03</abbr> · Đã tiếp nhận', page)
    assert 'data-testid="edxml-legend"' in page


def test_the_register_calls_the_issuing_agency_by_its_name(client_for, answered, kontum_staff):  # noqa: F811
    page = client_for(kontum_staff["clerk"]).get("/registers/incoming/").content.decode()
    assert "Cơ quan ban hành" in page and "Tác giả" not in page

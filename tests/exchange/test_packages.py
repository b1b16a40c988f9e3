"""Documents as envelopes and back: an issued document exported then imported keeps every field and file byte for
byte; every refusal says why and writes nothing."""

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from documents.models import Incoming, IncomingFile, Revision, SignatureStatus
from documents.services import outgoing as services
from exchange import edxml, packages
from exchange.models import ExchangeMessage
from pki import demo
from tests import factories
from tests.documents.conftest import approved, to_agency

pytestmark = pytest.mark.django_db


def sign(envelope, agency):
    return edxml.envelope_bytes(envelope, certificate=agency.certificates.get(is_active=True))


def stored_incoming_files():
    try:
        return default_storage.listdir("incoming")[0]
    except FileNotFoundError:
        return []


def nothing_written(count_before=0):
    assert Incoming.objects.filter(source=Incoming.Source.PEER).count() == count_before
    assert IncomingFile.objects.filter(incoming__source=Incoming.Source.PEER).count() == 0 or count_before
    assert ExchangeMessage.objects.filter(direction="in").count() == count_before
    if not count_before:
        assert stored_incoming_files() == []


def import_refused(membership, data):
    with pytest.raises(edxml.EnvelopeError) as caught:
        packages.envelope_import(membership=membership, data=data)
    return caught.value.message


def test_export_then_import_keeps_every_field_and_file(issued, agency, clerk, peer_agency, peer_clerk,
                                                       django_capture_on_commit_callbacks):
    data = packages.envelope_export(membership=clerk, outgoing=issued)
    with django_capture_on_commit_callbacks(execute=True):
        incoming = packages.envelope_import(membership=peer_clerk, data=data)
    assert (incoming.agency, incoming.source, incoming.status) == (peer_agency, Incoming.Source.PEER, "01")
    assert incoming.sender_agency == agency and incoming.sender_name == "Bộ Nội vụ"
    assert incoming.notation == issued.notation == "01/BNV-VP"
    assert incoming.doc_date == timezone.localdate(issued.issued_at)
    assert (incoming.doc_type, incoming.summary, incoming.urgency) == (
        issued.doc_type, "V/v thử nghiệm liên thông văn bản điện tử", "thuong_khan")
    assert (incoming.signer_name, incoming.signer_position) == (issued.signer.user.full_name, "Bộ trưởng")
    assert incoming.edxml_document_id == packages.outgoing_document_id(issued)
    sent = {f.kind: f for f in issued.files.all()}
    arrived = {f.kind: f for f in incoming.files.all()}
    for kind in ("main", "attachment"):
        assert arrived[kind].file.read() == sent[kind].signed.read()
        assert arrived[kind].sha256 == sent[kind].signed_sha256 and arrived[kind].name == sent[kind].name
    assert arrived["main"].signature_status == SignatureStatus.VALID
    event = incoming.events.get(action="arrive")
    assert event.actor == peer_clerk.user and event.status == "01"
    # Both files are kept: the one the clerk downloaded, the one another clerk imported.
    out, came = ExchangeMessage.objects.get(direction="out"), ExchangeMessage.objects.get(direction="in")
    assert out.envelope.read() == came.envelope.read() == data
    assert (came.incoming, came.document_id, came.installation) == (incoming, incoming.edxml_document_id, None)


def test_the_same_document_is_imported_once_per_agency(issued, clerk, peer_clerk):
    data = packages.envelope_export(membership=clerk, outgoing=issued)
    packages.envelope_import(membership=peer_clerk, data=data)
    again = packages.envelope_export(membership=clerk, outgoing=issued)  # another message id, same DocumentId
    assert "đã có trong danh sách văn bản đến" in import_refused(peer_clerk, again)
    assert "đã có trong danh sách văn bản đến" in import_refused(peer_clerk, data)
    assert Incoming.objects.filter(source="peer").count() == 1 and IncomingFile.objects.count() == 2


def test_an_envelope_for_another_agency_is_refused(issued, clerk, other_agency):
    other_clerk = factories.make_member(other_agency, "clerk", position="Văn thư")
    data = packages.envelope_export(membership=clerk, outgoing=issued)
    assert "không gửi tới Ủy ban nhân dân tỉnh Quảng Ngãi" in import_refused(other_clerk, data)
    nothing_written()


def test_a_secret_envelope_is_refused(issued, agency, peer_clerk):
    envelope = packages.outgoing_envelope(issued)
    envelope.security_level = "1"
    assert "Văn bản mật" in import_refused(peer_clerk, sign(envelope, agency))
    nothing_written()


def test_a_main_file_that_is_not_a_pdf_is_refused(issued, agency, peer_clerk):
    envelope = packages.outgoing_envelope(issued)
    envelope.attachments[0].data = b"MZ\x90\x00 not a document"
    assert "không phải tệp PDF" in import_refused(peer_clerk, sign(envelope, agency))
    nothing_written()


def test_a_broken_image_among_the_files_is_refused(issued, agency, peer_clerk):
    envelope = packages.outgoing_envelope(issued)
    envelope.attachments[1].data = b"\x89PNG\r\n\x1a\n broken"
    assert "bị hỏng" in import_refused(peer_clerk, sign(envelope, agency))
    nothing_written()


def test_a_recall_or_a_status_envelope_is_not_a_document_to_import(issued, agency, clerk, peer_clerk):
    revision = Revision.objects.create(outgoing=issued, kind="1", reason="Sai thẩm quyền ban hành",
                                       requested_by=clerk.user)
    recall = packages.outgoing_envelope(issued, business="1", revision=revision)
    assert recall.attachments == [] and recall.business_reason == "Sai thẩm quyền ban hành"
    assert recall.business_document_id == recall.document_id
    assert "thu hồi" in import_refused(peer_clerk, sign(recall, agency))
    status = edxml.StatusMessage(document_id=recall.document_id, from_code=agency.code,
                                 to_code=peer_clerk.agency.code, code="03")
    assert "gói tin trạng thái" in import_refused(peer_clerk, sign(status, agency))
    nothing_written()


def test_an_envelope_signed_by_another_agency_than_its_sender_is_refused(issued, peer_clerk, other_agency):
    demo.issue_certificate(other_agency)
    data = sign(packages.outgoing_envelope(issued), other_agency)  # trusted CA, but not Bộ Nội vụ's key
    assert "không được ký bằng chứng thư số của cơ quan gửi Bộ Nội vụ" in import_refused(peer_clerk, data)
    nothing_written()


def test_a_sender_unknown_to_the_directory_must_be_named_by_the_certificate(issued, agency, peer_clerk):
    envelope = packages.outgoing_envelope(issued)
    envelope.from_organ = edxml.Organ(code="000.00.00.H99", name="Sở Nội vụ tỉnh Xa")
    assert "Sở Nội vụ tỉnh Xa" in import_refused(peer_clerk, sign(envelope, agency))
    envelope.from_organ = edxml.Organ(code="000.00.00.H99", name="BỘ NỘI VỤ")  # the certificate's name
    incoming = packages.envelope_import(membership=peer_clerk, data=sign(envelope, agency))
    assert incoming.sender_agency is None and incoming.sender_name == "BỘ NỘI VỤ"


def test_only_a_clerk_imports_and_only_the_issuing_clerk_exports(issued, clerk, specialist, peer_agency,
                                                                 peer_clerk):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        packages.envelope_export(membership=specialist, outgoing=issued)
    with pytest.raises(PermissionDenied):
        packages.envelope_export(membership=peer_clerk, outgoing=issued)
    data = packages.envelope_export(membership=clerk, outgoing=issued)
    reader = factories.make_member(peer_agency, "specialist")
    with pytest.raises(PermissionDenied):
        packages.envelope_import(membership=reader, data=data)
    nothing_written()


def test_secret_and_unissued_documents_have_no_envelope(certified, specialist, leader, clerk, peer_agency):
    secret = services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, to_agency(peer_agency),
                                                                         secrecy="mat"))
    with pytest.raises(edxml.EnvelopeError, match="Văn bản mật"):
        packages.outgoing_envelope(secret)
    draft = approved(specialist, leader, to_agency(peer_agency))
    with pytest.raises(edxml.EnvelopeError, match="đã phát hành"):
        packages.outgoing_envelope(draft)


def test_an_envelope_to_one_agency_names_only_it(issued, peer_agency, other_agency):
    envelope = packages.outgoing_envelope(issued, to_agency=other_agency)
    assert [organ.code for organ in envelope.to_organs] == [other_agency.code]
    assert [organ.code for organ in packages.outgoing_envelope(issued).to_organs] == [peer_agency.code]
    assert envelope.to_places == ["Ủy ban nhân dân tỉnh Nghệ An", "Công ty TNHH Thử nghiệm"]


def test_a_reply_names_the_document_it_answers(issued, clerk, peer_clerk, peer_agency):
    """ResponseFor: the incoming document the outgoing one answers, by its own DocumentId."""
    data = packages.envelope_export(membership=clerk, outgoing=issued)
    answered = packages.envelope_import(membership=peer_clerk, data=data)
    Incoming.objects.filter(pk=answered.pk).update(sender_agency=peer_agency)  # as if Nghệ An had written to us
    type(issued).objects.filter(pk=issued.pk).update(in_reply_to=answered)
    [response] = packages.outgoing_envelope(issued).response_for
    assert response == edxml.ResponseFor(organ_code=peer_agency.code, code="01/BNV-VP",
                                         promulgation_date=answered.doc_date, document_id=answered.edxml_document_id)

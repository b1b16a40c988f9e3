"""edXML envelopes: what is written is read back the same, signed by the agency, and every bad envelope is refused
with its reason."""

import datetime

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import SignatureMethod, XMLSigner

from exchange import edxml
from exchange.packages import outgoing_envelope
from pki import demo

pytestmark = pytest.mark.django_db
NS = {"edXML": edxml.NS, "ds": edxml.DS_NS}


def active_certificate(agency):
    return agency.certificates.get(is_active=True)


def signed_with(root, key, certificates):
    """`root` signed as envelope_bytes signs, with any key: for envelopes the portal would never make."""
    etree.SubElement(root, f"{{{edxml.DS_NS}}}Signature", Id="placeholder")
    signed = XMLSigner(signature_algorithm=SignatureMethod.RSA_SHA256, digest_algorithm="sha256").sign(
        root, key=key, cert=list(certificates))
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


@pytest.fixture
def envelope(issued):
    return outgoing_envelope(issued)


@pytest.fixture
def keypair(agency):
    """A key and certificate of the agency's name from the demo CA (trusted), held by the test."""
    certificate, key, chain = demo.issue_keypair(agency.name)
    return key, [certificate, *chain]


def refused(data, **kwargs):
    with pytest.raises(edxml.EnvelopeError) as caught:
        edxml.envelope_read(data, **kwargs)
    return caught.value.message


def test_a_document_envelope_reads_back_field_for_field_and_byte_for_byte(issued, agency, envelope):
    data = edxml.envelope_bytes(envelope, certificate=active_certificate(agency))
    read = edxml.envelope_read(data)
    assert read.message == envelope
    assert read.signer_pem.strip() == active_certificate(agency).certificate_pem.strip()
    main, appendix = read.message.attachments
    assert main.data == issued.files.get(kind="main").signed.read()
    assert appendix.data == issued.files.get(kind="attachment").signed.read() and appendix.name == "phụ lục 1.pdf"
    # The header as the standard names it, the message id in the portal's own namespace.
    root = etree.fromstring(data)
    assert root.findtext("edXML:edXMLHeader/edXML:MessageHeader/edXML:DocumentId", namespaces=NS) == \
        f"000.00.00.G09,{envelope.promulgation_date:%Y/%m/%d},01/BNV-VP"
    assert root.findtext(f"edXML:edXMLHeader/{{{edxml.EXT_NS}}}MessageId", namespaces=NS) == envelope.message_id
    assert root.findtext("edXML:edXMLHeader/edXML:MessageHeader/edXML:OtherInfo/edXML:Priority",
                         namespaces=NS) == "2"
    assert root.find("ds:Signature", NS) is not None


def test_every_header_field_survives_the_round_trip(certified, agency):
    envelope = edxml.Envelope(
        from_organ=edxml.Organ(code=agency.code, name=agency.name, in_charge="Chính phủ", address="Hà Nội",
                               email="vanthu@moha.gov.vn", phone="024 1234", fax="024 5678", website="https://moha.gov.vn"),
        to_organs=[edxml.Organ(code="000.00.00.H40", name="UBND tỉnh Nghệ An"),
                   edxml.Organ(code="000.00.00.H34", name="UBND tỉnh Kon Tum")],
        document_id="000.00.00.G09,2026/11/30,15/QĐ-BNV", code_number="15", code_notation="QĐ-BNV", place="Hà Nội",
        promulgation_date=datetime.date(2026, 11, 30), document_type="QĐ", document_type_name="Quyết định",
        subject="Về việc ban hành quy chế & <thử> “ngoặc”", signer_competence="KT", signer_position="THỨ TRƯỞNG",
        signer_full_name="Trần Văn Ký", due_date=datetime.date(2026, 12, 15), to_places=["Như trên", "Lưu: VT, TCCB"],
        response_for=[edxml.ResponseFor(organ_code="000.00.00.H40", code="12/UBND-VP",
                                        promulgation_date=datetime.date(2026, 11, 20),
                                        document_id="000.00.00.H40,2026/11/20,12/UBND-VP")],
        priority="3", security_level="0", steering_type="1",
        trace=[edxml.Trace("000.00.00.G09", datetime.datetime(2026, 11, 30, 8, 0, 1, 123456, tzinfo=datetime.UTC))],
        business="3", business_reason="Thay thế do sai sót", business_document_id="000.00.00.G09,2026/11/01,9/QĐ-BNV",
        attachments=[edxml.Attachment("001", "quyết định.pdf", "application/pdf", b"%PDF-1.7 \x00\xff bytes"),
                     edxml.Attachment("002", "bảng.xlsx", "application/octet-stream", b"", "Phụ lục")],
    )
    read = edxml.envelope_read(edxml.envelope_bytes(envelope, certificate=active_certificate(agency)))
    assert read.message == envelope


@pytest.mark.parametrize("code, reason", [("01", ""), ("02", "Gửi nhầm cơ quan"), ("06", ""), ("13", ""),
                                          ("15", ""), ("16", "Văn bản đã được triển khai")])
def test_a_status_envelope_reads_back(certified, agency, code, reason):
    status = edxml.StatusMessage(document_id="000.00.00.H40,2026/11/30,12/UBND-VP", from_code=agency.code,
                                 to_code="000.00.00.H40", code=code, reason=reason, staff_name="Nguyễn Thị Văn Thư",
                                 at=datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC))
    read = edxml.envelope_read(edxml.envelope_bytes(status, certificate=active_certificate(agency)))
    assert read.message == status


def test_a_wrong_status_code_or_business_type_is_not_built(certified, agency, envelope):
    with pytest.raises(edxml.EnvelopeError):
        edxml.envelope_bytes(edxml.StatusMessage("x", agency.code, "000.00.00.H40", "07"),
                             certificate=active_certificate(agency))
    envelope.business = "9"
    with pytest.raises(edxml.EnvelopeError):
        edxml.envelope_bytes(envelope, certificate=active_certificate(agency))


def test_malformed_xml_is_refused(db):
    assert "không đúng định dạng" in refused(b"<edXML:edXMLEnvelope xmlns:edXML='x'><unclosed>")
    assert "không đúng định dạng" in refused(b"")


def test_an_envelope_over_the_size_limit_is_refused_before_it_is_parsed(settings, certified, agency, envelope):
    data = edxml.envelope_bytes(envelope, certificate=active_certificate(agency))
    settings.EXCHANGE_MAX_ENVELOPE_BYTES = len(data) - 1
    assert "vượt giới hạn" in refused(data)
    settings.EXCHANGE_MAX_ENVELOPE_BYTES = len(data)
    assert edxml.envelope_read(data).message == envelope


def test_an_unsigned_envelope_is_refused(envelope):
    data = etree.tostring(edxml.envelope_element(envelope))
    assert "không có chữ ký số" in refused(data)


def test_a_changed_envelope_is_refused(certified, agency, envelope):
    data = edxml.envelope_bytes(envelope, certificate=active_certificate(agency))
    changed = data.replace("V/v thử nghiệm".encode(), "V/v sửa đổi".encode())
    assert changed != data
    assert "đã bị sửa đổi sau khi ký" in refused(changed)
    # A changed byte of a file (its base64) is caught by the signature too.
    root = etree.fromstring(data)
    value = root.find(".//edXML:AttachmentEncodedList/edXML:Attachment/edXML:Value", NS)
    value.text = ("QUFB" + value.text[4:])
    assert "đã bị sửa đổi sau khi ký" in refused(etree.tostring(root))


def test_a_signature_by_an_unknown_ca_is_refused(agency, envelope):
    ca = demo.new_ca("CA lạ")
    certificate, key, chain = demo.issue_keypair(agency.name, ca=ca)
    data = signed_with(edxml.envelope_element(envelope), key, [certificate, *chain])
    assert "không thuộc cơ quan, hệ thống hay tổ chức chứng thực được tin cậy" in refused(data)
    # Trusted when the caller names that CA, or the certificate itself; not when it names another.
    assert edxml.envelope_read(data, trusted_pem=[pem(ca.certificate)]).message == envelope
    assert edxml.envelope_read(data, trusted_pem=[pem(certificate)]).message == envelope
    assert "không thuộc" in refused(data, trusted_pem=[pem(demo.new_ca("CA khác").certificate)])


def test_an_expired_signing_certificate_is_refused(agency, envelope):
    now = datetime.datetime.now(datetime.UTC)
    certificate, key, chain = demo.issue_keypair(agency.name, not_before=now - datetime.timedelta(days=400),
                                                 not_after=now - datetime.timedelta(days=1))
    data = signed_with(edxml.envelope_element(envelope), key, [certificate, *chain])
    assert "hết hạn" in refused(data)


def test_a_wrong_namespace_is_refused(keypair, envelope):
    key, certificates = keypair
    data = signed_with(edxml.envelope_element(envelope), key, certificates)
    other = data.replace(edxml.NS.encode(), b"http://example.com/not-edxml")
    assert "không gian tên" in refused(other)


@pytest.mark.parametrize("prolog", [
    b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>',
    b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd">',
])
def test_a_dtd_or_entities_are_refused_unread(keypair, envelope, prolog):
    key, certificates = keypair
    data = signed_with(edxml.envelope_element(envelope), key, certificates)
    head, _, rest = data.partition(b"?>")
    assert "DTD" in refused(head + b"?>" + prolog + rest)


def _without_first_attachment_value(root):
    encoded = root.find("edXML:edXMLBody/edXML:AttachmentEncodedList", NS)
    encoded.remove(encoded[0])
    return root


def test_a_missing_attachment_is_refused_even_when_signed(keypair, envelope):
    key, certificates = keypair
    root = _without_first_attachment_value(edxml.envelope_element(envelope))
    assert "thiếu tệp đính kèm “van-ban.pdf”" in refused(signed_with(root, key, certificates))


def test_an_attachment_whose_sha256_differs_from_the_manifest_is_refused(keypair, envelope):
    key, certificates = keypair
    root = edxml.envelope_element(envelope)
    root.find(".//edXML:edXMLManifest/edXML:Reference/edXML:Sha256", NS).text = "0" * 64
    assert "không khớp mã băm SHA-256" in refused(signed_with(root, key, certificates))


def test_a_second_signature_or_a_signature_over_part_of_the_envelope_is_refused(keypair, certified, agency, envelope):
    data = edxml.envelope_bytes(envelope, certificate=active_certificate(agency))
    root = etree.fromstring(data)
    signature = root.find("ds:Signature", NS)
    root.find("edXML:edXMLHeader", NS).append(etree.fromstring(etree.tostring(signature)))
    assert "nhiều hơn một chữ ký số" in refused(etree.tostring(root))


@pytest.mark.django_db(transaction=True)
def test_a_revoked_signing_certificate_is_refused(agency):
    """OCSP of the CA (the demo services over HTTP) says the key is revoked: the envelope is refused."""
    envelope = edxml.Envelope(from_organ=edxml.Organ(agency.code, agency.name),
                              to_organs=[edxml.Organ("000.00.00.H40")], document_id="000.00.00.G09,2026/12/01,1/BNV",
                              attachments=[edxml.Attachment("001", "a.pdf", "application/pdf", b"%PDF-1.7")])
    certificate, key, chain = demo.issue_keypair(agency.name)
    data = signed_with(edxml.envelope_element(envelope), key, [certificate, *chain])
    assert edxml.envelope_read(data).message == envelope
    demo.revoke(format(certificate.serial_number, "X"))
    assert "đã bị thu hồi" in refused(data)


def test_a_large_file_travels_whole(certified, agency):
    """Base64 text beyond libxml2's 10 MB node limit is read (huge_tree), still without entities or a DTD."""
    import os

    data = os.urandom(12 * 1024 * 1024)
    envelope = edxml.Envelope(from_organ=edxml.Organ(agency.code, agency.name), to_organs=[edxml.Organ("000.00.00.H40")],
                              document_id="000.00.00.G09,2026/12/01,1/BNV",
                              attachments=[edxml.Attachment("001", "lớn.pdf", "application/pdf", data)])
    read = edxml.envelope_read(edxml.envelope_bytes(envelope, certificate=active_certificate(agency)))
    assert read.message.attachments[0].data == data

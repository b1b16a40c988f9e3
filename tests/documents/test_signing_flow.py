"""Approving is the competent person's own signature; issuing fills the number and date and adds the agency's
seal (Decree 30 Art. 5; docs/signatures.md). Here with the person's certificate held by the portal (PKCS#12, PIN).
"""

import time
from io import BytesIO

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import PermissionDenied, ValidationError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from documents.models import Outgoing
from documents.services import outgoing as services
from pki.demo import demo_ca_certificate
from pki.models import PersonalCertificate
from tests import factories
from tests.documents.conftest import approved, make_draft, to_agency
from tests.pki.proof import prove

pytestmark = pytest.mark.django_db
S = Outgoing.Status
PIN = factories.SIGNING_PIN


@pytest.fixture
def submitted(certified, specialist, leader, portal_agency):
    draft = make_draft(specialist, leader, to_agency(portal_agency), pages=2)
    return services.outgoing_submit(membership=specialist, outgoing=draft)


def read(field):
    field.open("rb")
    try:
        return field.read()
    finally:
        field.close()


def signatures_of(pdf_bytes):
    """{field name: pyHanko's validation status} of every signature, checked against the demo CA."""
    reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
    root = asn1_x509.Certificate.load(demo_ca_certificate().public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=True)
    return {sig.field_name: validate_pdf_signature(sig, context) for sig in reader.embedded_regular_signatures}


def assert_issued_with_both_signatures(outgoing, tmp_path, *, person_name, agency_name):
    """The issued main file: the person's signature, then the agency's; both valid and trusted, what came after
    each only form filling or less; pdfsig (NSS) and qpdf agree."""
    issued = read(outgoing.files.get(kind="main").signed)
    statuses = signatures_of(issued)
    assert list(statuses) == ["ChuKyNguoiKy", "ChuKyCoQuan"]
    signer, seal = statuses["ChuKyNguoiKy"], statuses["ChuKyCoQuan"]
    assert signer.signing_cert.subject.native["common_name"] == person_name
    assert seal.signing_cert.subject.native["common_name"] == agency_name
    for status in (signer, seal):
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.modification_level <= ModificationLevel.FORM_FILLING and status.docmdp_ok
    proof = prove(issued, tmp_path, roots=[demo_ca_certificate()])
    assert proof.qpdf_ok and proof.signers_valid_and_trusted, proof.summary()
    assert {s.field_name: s.subfilter for s in proof.signer_signatures} == {
        "ChuKyNguoiKy": "ETSI.CAdES.detached", "ChuKyCoQuan": "ETSI.CAdES.detached"}, proof.summary()
    # Last comes the document timestamp after the seal (B-LTA), intact over its revision; pdfsig 22.12 cannot
    # check document timestamps, and the engine adds the timestamp's own revocation data after it (measured).
    last = PdfFileReader(BytesIO(issued), strict=False).embedded_signatures[-1]
    assert last.field_name in proof.document_timestamp_fields
    last.compute_integrity_info()
    assert last.coverage >= SignatureCoverageLevel.ENTIRE_REVISION
    return issued


def test_the_signer_signs_with_their_pin_and_the_clerk_seals_it(submitted, leader, clerk, certified, tmp_path,
                                                               django_capture_on_commit_callbacks):
    own = factories.signing_ready(leader)
    outgoing = services.outgoing_approve(membership=leader, outgoing=submitted, comment="Đồng ý", pin=PIN)
    assert outgoing.status == S.APPROVED
    assert outgoing.signer_certificate == own and outgoing.signer_signed_at is not None
    main = outgoing.files.get(kind="main")
    approved_pdf = read(main.approved)
    assert list(signatures_of(approved_pdf)) == ["ChuKyNguoiKy"]  # the signer's alone; no seal yet
    assert main.approved_sha256 and not main.signed
    with django_capture_on_commit_callbacks(execute=True):
        outgoing = services.outgoing_issue(membership=clerk, outgoing=outgoing)
    assert outgoing.status == S.ISSUED and outgoing.notation == "01/BNV-VP"
    issued = assert_issued_with_both_signatures(outgoing, tmp_path, person_name=leader.user.full_name,
                                                agency_name=certified.name)
    # The issued file grows the signer's file: what the signer signed is still there, byte for byte.
    assert issued.startswith(approved_pdf)
    # The attachment-free document's page shows both signatures done.
    assert outgoing.files.get(kind="main").signed_sha256 == outgoing.signed_sha256


def test_a_wrong_pin_leaves_the_draft_submitted_and_clean(submitted, leader):
    own = factories.signing_ready(leader)
    with pytest.raises(ValidationError) as caught:
        services.outgoing_approve(membership=leader, outgoing=submitted, pin="000000")
    assert "Mã PIN ký không đúng" in " ".join(caught.value.messages)
    submitted.refresh_from_db()
    main = submitted.files.get(kind="main")
    assert submitted.status == S.SUBMITTED and submitted.signer_certificate is None and not main.approved
    assert submitted.events.filter(action="approve").count() == 0
    own.refresh_from_db()
    assert own.failed_pin_attempts == 1
    # The right PIN then signs.
    assert services.outgoing_approve(membership=leader, outgoing=submitted, pin=PIN).status == S.APPROVED


def test_too_many_wrong_pins_lock_signing_even_with_the_right_one(submitted, leader, settings):
    settings.SIGNING_PIN_MAX_ATTEMPTS = 2
    factories.signing_ready(leader)
    for _attempt in range(2):
        with pytest.raises(ValidationError):
            services.outgoing_approve(membership=leader, outgoing=submitted, pin="111111")
    with pytest.raises(ValidationError) as caught:
        services.outgoing_approve(membership=leader, outgoing=submitted, pin=PIN)
    assert "khóa" in " ".join(caught.value.messages)
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_an_expired_certificate_is_refused(submitted, leader):
    from datetime import timedelta

    from django.utils import timezone

    factories.make_signing_certificate(leader, not_before=timezone.now() - timedelta(days=400),
                                       not_after=timezone.now() - timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        services.outgoing_approve(membership=leader, outgoing=submitted, pin=PIN)
    assert "hết hạn" in " ".join(caught.value.messages)
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED and not submitted.files.get(kind="main").approved


def test_a_signer_without_a_certificate_is_told_how_to_get_one(submitted, leader):
    with pytest.raises(ValidationError) as caught:
        services.outgoing_approve(membership=leader, outgoing=submitted, pin=PIN)
    assert "chứng thư số cá nhân" in " ".join(caught.value.messages)
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_nobody_signs_with_another_persons_certificate(client_for, submitted, leader, clerk, agency, unit):
    deputy = factories.make_member(agency, "leader", unit=unit, position="Thứ trưởng")
    deputy_certificate = factories.signing_ready(deputy)
    factories.signing_ready(clerk)
    # Another leader, even with their own certificate and PIN, and the clerk: not the named signer.
    for member in (deputy, clerk):
        factories.totp_enable(member.user)
        with pytest.raises(PermissionDenied):
            services.outgoing_approve(membership=member, outgoing=submitted, pin=PIN)
        assert client_for(member).post(f"/outgoing/{submitted.pk}/action/approve/",
                                       {"pin": PIN, "certificate": deputy_certificate.pk}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED
    # The named signer without a certificate of their own cannot borrow the deputy's by a forged field.
    factories.totp_enable(leader.user)
    client = client_for(leader)
    response = client.post(f"/outgoing/{submitted.pk}/action/approve/",
                           {"pin": PIN, "certificate": deputy_certificate.pk, "certificate_id": deputy_certificate.pk},
                           follow=True)
    assert "chứng thư số cá nhân" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED
    # With their own, the signature is theirs whatever the forged field names.
    own = factories.signing_ready(leader)
    client.post(f"/outgoing/{submitted.pk}/action/approve/", {"pin": PIN, "certificate": deputy_certificate.pk})
    submitted.refresh_from_db()
    assert submitted.status == S.APPROVED and submitted.signer_certificate == own
    assert PersonalCertificate.objects.get(pk=deputy_certificate.pk).failed_pin_attempts == 0


def test_the_signers_page_asks_for_the_pin_and_never_keeps_it(client_for, submitted, leader):
    factories.signing_ready(leader)
    factories.totp_enable(leader.user)
    client = client_for(leader)
    page = client.get(f"/outgoing/{submitted.pk}/").content.decode()
    assert 'data-testid="signing-pin"' in page and 'type="password"' in page
    response = client.post(f"/outgoing/{submitted.pk}/action/approve/", {"pin": "999999"}, follow=True)
    assert "Mã PIN ký không đúng" in response.content.decode()
    assert "999999" not in str(dict(client.session))


def test_issuing_names_the_missing_signature_and_takes_no_number(client_for, certified, specialist, leader, clerk,
                                                                 portal_agency):
    draft = make_draft(specialist, leader, to_agency(portal_agency))
    services.outgoing_submit(membership=specialist, outgoing=draft)
    # Approved without the signer's signature (as a document approved before issue 11 would be).
    Outgoing.objects.filter(pk=draft.pk).update(status=S.APPROVED)
    with pytest.raises(ValidationError) as caught:
        services.outgoing_issue(membership=clerk, outgoing=draft)
    text = " ".join(caught.value.messages)
    assert "Thiếu chữ ký số của người có thẩm quyền" in text and leader.user.full_name in text
    draft.refresh_from_db()
    assert draft.status == S.APPROVED and draft.number is None
    factories.totp_enable(clerk.user)
    page = client_for(clerk).get(f"/outgoing/{draft.pk}/").content.decode()
    assert 'data-testid="issue-blockers"' in page and "Thiếu chữ ký số của người có thẩm quyền" in page


def test_issuing_without_an_agency_certificate_names_the_seal_as_missing(specialist, leader, clerk, portal_agency):
    outgoing = approved(specialist, leader, to_agency(portal_agency))  # the agency has no certificate
    with pytest.raises(ValidationError) as caught:
        services.outgoing_issue(membership=clerk, outgoing=outgoing)
    assert "Thiếu chữ ký số của cơ quan" in " ".join(caught.value.messages)
    outgoing.refresh_from_db()
    assert outgoing.status == S.APPROVED and outgoing.number is None
    assert outgoing.files.get(kind="main").approved  # the signer's signature stays, ready for a later issue


def test_a_secret_document_carries_no_qr_code_and_a_public_one_does(certified, specialist, leader, portal_agency):
    public = approved(specialist, leader, to_agency(portal_agency))
    secret = approved(specialist, leader, to_agency(portal_agency), secrecy="mat")
    assert b"/PortalQR" in read(public.files.get(kind="main").approved) and public.verify_code
    assert b"/PortalQR" not in read(secret.files.get(kind="main").approved) and secret.verify_code == ""


def test_a_withdrawn_draft_loses_nothing_and_is_signed_again_from_the_draft(submitted, specialist, leader):
    factories.signing_ready(leader)
    with pytest.raises(ValidationError):
        services.outgoing_approve(membership=leader, outgoing=submitted, pin="123123")
    services.outgoing_withdraw(membership=specialist, outgoing=submitted)
    services.outgoing_submit(membership=specialist, outgoing=submitted)
    assert services.outgoing_approve(membership=leader, outgoing=submitted, pin=PIN).status == S.APPROVED


@pytest.mark.django_db(transaction=True)
def test_a_certificate_revoked_before_signing_is_refused_and_the_draft_stays_clean(submitted, leader):
    from pki.demo import revoke

    own = factories.signing_ready(leader)
    revoke(own.serial_number)  # committed: the OCSP responder of the test services answers "revoked"
    with pytest.raises(ValidationError) as caught:
        services.outgoing_approve(membership=leader, outgoing=submitted, pin=PIN)
    assert "thu hồi" in " ".join(caught.value.messages)
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED and not submitted.files.get(kind="main").approved


@pytest.mark.django_db(transaction=True)
def test_a_signer_certificate_revoked_after_signing_still_issues_valid_at_signing_time(
        submitted, leader, clerk, django_capture_on_commit_callbacks):
    from pki.demo import revoke
    from pki.validation import validate_pdf

    own = factories.signing_ready(leader)
    outgoing = services.outgoing_approve(membership=leader, outgoing=submitted, pin=PIN)
    time.sleep(1.1)  # times are written to the second: the revocation comes after the signature's timestamp
    revoke(own.serial_number)
    with django_capture_on_commit_callbacks(execute=True):
        outgoing = services.outgoing_issue(membership=clerk, outgoing=outgoing)
    report = validate_pdf(read(outgoing.files.get(kind="main").signed))
    assert report.meets_article_5, report.article_5_problems
    assert {s.kind: s.status for s in report.signatures if s.kind != "timestamp"} == {
        "person": "valid", "agency": "valid"}

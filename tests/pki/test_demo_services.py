"""The demo CA's OCSP responder, CRL, timestamp authority and CA certificate over real HTTP (tests/pki_services.py),
and signing against them: B-LT signatures that outlive a later revocation, refusals that name the cause."""

import asyncio
import base64
import datetime
import hashlib
import socket
import time
import urllib.error
import urllib.request
from io import BytesIO

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509 import ocsp
from django.core.management import CommandError, call_command
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from pki import aio, demo, trust
from pki.errors import (
    CertificateRevoked,
    RevocationUnavailable,
    SigningError,
    TimestampUnavailable,
    signing_error_from,
)
from pki.models import Revocation

from .conftest import make_pdf

# The services' thread sees committed rows only: revocations must be committed to be seen.
committed = pytest.mark.django_db(transaction=True)


def _http(url, data=None, content_type=None):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type} if content_type else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def _ocsp_request(certificate, issuer, *, nonce=None):
    builder = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA256())
    if nonce:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def _ask_ocsp(settings, certificate, issuer=None, **kwargs):
    der = _ocsp_request(certificate, issuer or demo.demo_ca().certificate, **kwargs)
    status, content_type, body = _http(f"{settings.PKI_DEMO_SERVICE_URL}/ocsp", der, "application/ocsp-request")
    assert (status, content_type) == (200, "application/ocsp-response")
    return ocsp.load_der_ocsp_response(body)


def _asn1(certificate):
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _signer(certificate, key, chain):
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=_asn1(certificate), signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in chain]),
    )


def _sign(keypair):
    """A PDF signed PAdES B-LT the way the portal signs: revocation info fetched and embedded, TSA timestamp;
    pyHanko's failures come out as the portal's SigningError."""
    meta = signers.PdfSignatureMetadata(
        field_name="ChuKyNguoiKy", subfilter=SigSeedSubFilter.PADES, embed_validation_info=True,
        validation_context=trust.signing_validation_context(),
    )
    pdf_signer = signers.PdfSigner(meta, _signer(*keypair), timestamper=trust.timestamper())
    try:
        # Through pki.aio, as the portal calls pyHanko: a Playwright test earlier in the run leaves a loop running.
        return aio.call(pdf_signer.sign_pdf, IncrementalPdfFileWriter(BytesIO(make_pdf(1)))).getvalue()
    except Exception as exc:  # noqa: BLE001 - mapped to what the user is told, as the signing engine does
        raise signing_error_from(exc) from exc


def _person(**kwargs):
    return demo.issue_personal_keypair("Nguyễn Văn Ký", agency_name="Bộ Nội vụ", title="Thứ trưởng", **kwargs)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _responder_signed(response):
    [responder] = response.certificates
    responder.public_key().verify(
        response.signature, response.tbs_response_bytes, padding.PKCS1v15(), response.signature_hash_algorithm
    )
    return responder


@committed
def test_ocsp_answers_good_then_revoked_with_time_and_reason(settings):
    certificate, _key, _chain = _person()

    good = _ask_ocsp(settings, certificate, nonce=b"0123456789abcdef")
    revocation = demo.revoke(format(certificate.serial_number, "x"), reason="key_compromise")
    revoked = _ask_ocsp(settings, certificate)

    assert good.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert good.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert good.serial_number == certificate.serial_number
    assert good.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == b"0123456789abcdef"
    assert good.next_update_utc - timezone.now() <= datetime.timedelta(minutes=5)
    responder = _responder_signed(good)
    assert responder.issuer == demo.demo_ca().certificate.subject
    responder.extensions.get_extension_for_class(x509.OCSPNoCheck)
    assert revoked.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_time_utc == revocation.revoked_at.replace(microsecond=0)
    assert revoked.revocation_reason == x509.ReasonFlags.key_compromise
    assert good.this_update_utc < timezone.now() - datetime.timedelta(seconds=30)  # validators' clocks lag
    assert revoked.this_update_utc >= revoked.revocation_time_utc  # never dated before what it reports


@committed
def test_ocsp_get_form_and_refusals(settings):
    certificate, _key, _chain = _person()
    encoded = base64.b64encode(_ocsp_request(certificate, demo.demo_ca().certificate)).decode("ascii")
    stranger_ca = demo.new_ca("CA không quen biết")
    stranger, _key, _chain = demo.issue_keypair("Cơ quan lạ", ca=stranger_ca)

    status, _type, body = _http(f"{settings.PKI_DEMO_SERVICE_URL}/ocsp/{encoded}")
    unknown = _ask_ocsp(settings, stranger, stranger_ca.certificate)
    _status, _type, malformed = _http(f"{settings.PKI_DEMO_SERVICE_URL}/ocsp", b"garbage", "application/ocsp-request")

    assert status == 200 and ocsp.load_der_ocsp_response(body).certificate_status == ocsp.OCSPCertStatus.GOOD
    assert unknown.certificate_status == ocsp.OCSPCertStatus.UNKNOWN
    assert ocsp.load_der_ocsp_response(malformed).response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


@committed
def test_crl_is_fresh_signed_by_the_ca_and_lists_revoked_serials(settings):
    revoked, _key, _chain = _person()
    kept, _key, _chain = _person()
    demo.revoke(format(revoked.serial_number, "X"), reason="cessation_of_operation")

    status, content_type, body = _http(f"{settings.PKI_DEMO_SERVICE_URL}/crl/demo-ca.crl")

    crl = x509.load_der_x509_crl(body)
    assert (status, content_type) == (200, "application/pkix-crl")
    assert crl.is_signature_valid(demo.demo_ca().certificate.public_key())
    assert crl.next_update_utc > timezone.now()
    entry = crl.get_revoked_certificate_by_serial_number(revoked.serial_number)
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.cessation_of_operation
    assert crl.get_revoked_certificate_by_serial_number(kept.serial_number) is None


def test_ca_certificate_is_served_as_der(settings, db):
    status, content_type, body = _http(f"{settings.PKI_DEMO_SERVICE_URL}/demo-ca.crt")

    assert (status, content_type) == (200, "application/pkix-cert")
    assert x509.load_der_x509_certificate(body) == demo.demo_ca().certificate


def test_timestamp_token_verifies_and_tells_the_time(settings, db):
    digest = hashlib.sha256(b"Quyet dinh so 15/QD-BNV").digest()

    token = asyncio.run(trust.timestamper().async_timestamp(digest, "sha256"))
    context = ValidationContext(trust_roots=trust.trust_roots())
    status = TimestampSignatureStatus(**asyncio.run(
        validate_tst_signed_data(token["content"], context, lambda _algorithm: digest)
    ))

    assert trust.tsa_url() == f"{settings.PKI_DEMO_SERVICE_URL}/tsa"
    assert status.intact and status.valid and status.trusted
    assert abs(status.timestamp - timezone.now()) < datetime.timedelta(seconds=30)
    assert status.signing_cert.subject == _asn1(demo.demo_tsa()[0]).subject


def test_tsa_refuses_what_is_not_a_timestamp_query(settings, db):
    url = f"{settings.PKI_DEMO_SERVICE_URL}/tsa"

    assert _http(url, b"x", "application/octet-stream")[0] == 400
    assert _http(url, b"garbage", "application/timestamp-query")[0] == 400
    assert _http(url)[0] == 405


def test_services_are_not_served_without_the_demo_ca(settings, db):
    base = settings.PKI_DEMO_SERVICE_URL
    settings.PKI_TRUST_DEMO_CA, settings.PKI_TSA_URL = False, ""

    assert _http(f"{base}/ocsp", b"x", "application/ocsp-request")[0] == 404
    assert _http(f"{base}/crl/demo-ca.crl")[0] == 404
    assert _http(f"{base}/tsa", b"x", "application/timestamp-query")[0] == 404
    assert _http(f"{base}/demo-ca.crt")[0] == 404
    assert trust.tsa_url() == "" and trust.timestamper() is None


def test_configured_tsa_wins_over_the_demo_one(settings):
    settings.PKI_TSA_URL = "http://tsa.ca.gov.vn/tsa"
    assert trust.timestamper().url == "http://tsa.ca.gov.vn/tsa"
    settings.PKI_TSA_URL = ""
    assert trust.tsa_url() == demo.service_urls()["tsa"]


@committed
def test_signature_made_b_lt_stays_valid_at_signing_time_after_a_later_revocation(settings):
    keypair = _person()
    signed = _sign(keypair)
    # A second on: OCSP gives whole seconds, and a revocation in the signing second would look earlier.
    demo.revoke(format(keypair[0].serial_number, "X"), at=timezone.now() + datetime.timedelta(seconds=1))
    [signature] = PdfFileReader(BytesIO(signed)).embedded_signatures
    dss = DocumentSecurityStore.read_dss(PdfFileReader(BytesIO(signed)))

    embedded = dict(trust_roots=trust.trust_roots(), allow_fetching=False, revocation_mode="hard-fail")
    signed_at = aio.call(
        validate_pdf_signature, signature, dss.as_validation_context(embedded)
    ).timestamp_validity.timestamp
    at_signing = aio.call(
        validate_pdf_signature, signature, dss.as_validation_context({**embedded, "moment": signed_at}),
        ts_validation_context=dss.as_validation_context(embedded),
    )
    time.sleep(1.1)  # the revocation takes effect
    today = aio.call(validate_pdf_signature, signature, ValidationContext(
        trust_roots=trust.trust_roots(), allow_fetching=True, revocation_mode="hard-fail"
    ))

    assert dss.ocsps, "the signer's OCSP answer is embedded (B-LT)"
    assert at_signing.bottom_line and at_signing.timestamp_validity.trusted
    assert not today.bottom_line and today.revocation_details is not None


@committed
def test_a_certificate_revoked_before_signing_cannot_sign():
    keypair = _person()
    demo.revoke(format(keypair[0].serial_number, "X"))

    with pytest.raises(CertificateRevoked, match="đã bị thu hồi"):
        _sign(keypair)


def test_signing_without_the_tsa_says_so(settings, db):
    settings.PKI_TSA_URL = f"http://127.0.0.1:{_free_port()}/tsa"

    with pytest.raises(TimestampUnavailable, match="dấu thời gian"):
        _sign(_person())


def test_signing_without_ocsp_or_crl_says_so(settings, db):
    live = settings.PKI_DEMO_SERVICE_URL
    settings.PKI_DEMO_SERVICE_URL = f"http://127.0.0.1:{_free_port()}/pki"
    keypair = _person()  # names a responder and CRL nobody answers at
    settings.PKI_TSA_URL = f"{live}/tsa"

    with pytest.raises(RevocationUnavailable, match="OCSP/CRL"):
        _sign(keypair)


def test_unknown_failures_get_the_generic_message():
    error = signing_error_from(RuntimeError("boom"))
    assert type(error) is SigningError and str(error) == "Không ký được văn bản."


@committed
def test_pki_revoke_command_revokes_once(settings):
    certificate, _key, _chain = _person()
    serial = certificate.serial_number.to_bytes(20, "big").hex(":")

    call_command("pki_revoke", serial, "--reason", "superseded", verbosity=0)
    call_command("pki_revoke", serial, verbosity=0)

    [revocation] = Revocation.objects.all()
    assert revocation.serial_number == format(certificate.serial_number, "X")
    assert revocation.reason == "superseded"
    assert _ask_ocsp(settings, certificate).revocation_reason == x509.ReasonFlags.superseded
    with pytest.raises(CommandError):
        call_command("pki_revoke", "not-hex", verbosity=0)
    with pytest.raises(CommandError):
        call_command("pki_revoke", "AB12", "--at", "yesterday", verbosity=0)


def test_django_admin_revokes_with_a_normalised_serial_and_never_edits(client, db):
    from django.contrib.auth import get_user_model

    from tests import factories
    from tests.conftest import login

    root = get_user_model().objects.create_superuser("root@portal.gov.vn", "x", full_name="Root")
    factories.totp_enable(root)
    login(client, root)

    response = client.post("/admin/pki/revocation/add/", {
        "serial_number": "0a:bc:de", "reason": "key_compromise", "revoked_at_0": "01/12/2026", "revoked_at_1": "08:00:00",
    })

    revocation = Revocation.objects.get()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert (revocation.serial_number, revocation.revoked_by) == ("ABCDE", root)
    assert client.post(f"/admin/pki/revocation/{revocation.pk}/delete/", {"post": "yes"}).status_code == 403
    bad = client.post("/admin/pki/revocation/add/", {"serial_number": "xyz", "reason": "key_compromise"})
    assert "thập lục phân" in bad.content.decode()

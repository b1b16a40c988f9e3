"""The demo CA's public services, served by the portal itself while settings.PKI_TRUST_DEMO_CA is on:
OCSP responder, CRL, RFC 3161 timestamp authority and the CA certificate (the URLs its certificates name).

Plain views: no login, no CSRF token (the clients are pyHanko and other validators, not browsers).
Revocations come from pki.models.Revocation (pki.demo.revoke, `manage.py pki_revoke`).
"""

import asyncio
import base64
import binascii
import datetime

from asn1crypto import cms, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from pyhanko_certvalidator.registry import SimpleCertificateStore

from . import aio, demo
from .models import Revocation
from .signing import KeptKeySigner

# Answers are fresh for a few minutes only: a revocation shows within that time.
OCSP_VALIDITY = datetime.timedelta(minutes=5)
CRL_VALIDITY = datetime.timedelta(hours=1)
# The demo TSA's policy: an OID under the arc ITU-T X.660 sets aside for examples (2.999), never a real TSA's.
TSA_POLICY = "2.999.84.1"
# thisUpdate a little in the past (as public responders do): a validator fixes its "now" before it fetches,
# and rejects an answer dated after it as "too recent". Never before a revocation the answer reports, though.
BACKDATE = datetime.timedelta(minutes=1)


def _this_update(now, revocations):
    return max([now - BACKDATE, *(revocation.revoked_at for revocation in revocations)])


def _demo_only():
    if not settings.PKI_TRUST_DEMO_CA:
        raise Http404


def _asn1(certificate):
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _reason(revocation):
    return x509.ReasonFlags.__members__.get(revocation.reason, x509.ReasonFlags.unspecified)


def _in_effect(now):
    """The revocations in effect at `now`."""
    return Revocation.objects.filter(revoked_at__lte=now)


def _issued_by(ca, request):
    """Whether the OCSP request names the demo CA as issuer (name and key hashes, SHA-1 or SHA-256)."""
    algorithm = request.hash_algorithm.name
    if algorithm not in ("sha1", "sha256"):
        return False
    issuer = _asn1(ca.certificate)
    return (
        getattr(issuer.subject, algorithm) == request.issuer_name_hash
        and getattr(issuer.public_key, algorithm) == request.issuer_key_hash
    )


def _status(ca, request, now):
    """(OCSP status, Revocation or None) of the certificate the request asks about."""
    if not _issued_by(ca, request):
        return ocsp.OCSPCertStatus.UNKNOWN, None
    serial = demo.serial_number_text(request.serial_number)
    revocation = _in_effect(now).filter(serial_number=serial).first()
    return (ocsp.OCSPCertStatus.GOOD if revocation is None else ocsp.OCSPCertStatus.REVOKED), revocation


def _ocsp_response(request):
    ca = demo.demo_ca()
    responder, responder_key = demo.demo_ocsp_responder()
    now = timezone.now()
    status, revocation = _status(ca, request, now)
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=request.issuer_name_hash, issuer_key_hash=request.issuer_key_hash,
        serial_number=request.serial_number, algorithm=request.hash_algorithm, cert_status=status,
        this_update=_this_update(now, [revocation] if revocation else []), next_update=now + OCSP_VALIDITY,
        revocation_time=revocation.revoked_at if revocation else None,
        revocation_reason=_reason(revocation) if revocation else None,
    ).responder_id(ocsp.OCSPResponderEncoding.HASH, responder).certificates([responder])
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value
        builder = builder.add_extension(nonce, critical=False)
    except x509.ExtensionNotFound:
        pass
    return builder.sign(responder_key, hashes.SHA256())


@csrf_exempt
@require_http_methods(["GET", "POST"])
def ocsp_responder(request, encoded=""):
    """OCSP (RFC 6960): POST application/ocsp-request, or GET /pki/ocsp/<base64 request>; answers are signed by
    the demo CA's delegated responder (pki.demo.demo_ocsp_responder)."""
    _demo_only()
    try:
        der = request.body if request.method == "POST" else base64.b64decode(encoded, validate=True)
        ocsp_request = ocsp.load_der_ocsp_request(der)
    except (ValueError, binascii.Error):
        response = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    else:
        response = _ocsp_response(ocsp_request)
    answer = HttpResponse(response.public_bytes(serialization.Encoding.DER), content_type="application/ocsp-response")
    answer["Cache-Control"] = "no-cache"
    return answer


@require_GET
def crl(request):
    """A fresh DER CRL of the demo CA listing every revocation in effect."""
    _demo_only()
    ca = demo.demo_ca()
    now = timezone.now()
    revocations = list(_in_effect(now).order_by("revoked_at"))
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(_this_update(now, revocations))
        .next_update(now + CRL_VALIDITY)
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.private_key.public_key()), critical=False)
    )
    for revocation in revocations:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(int(revocation.serial_number, 16))
            .revocation_date(revocation.revoked_at)
        )
        if _reason(revocation) is not x509.ReasonFlags.unspecified:  # RFC 5280 5.3.1: leave "unspecified" out
            entry = entry.add_extension(x509.CRLReason(_reason(revocation)), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    der = builder.sign(ca.private_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    answer = HttpResponse(der, content_type="application/pkix-crl")
    answer["Cache-Control"] = "no-cache"
    return answer


def _timestamp_token(query):
    """An RFC 3161 token (CMS SignedData over a TSTInfo) for the query, signed by the demo TSA.

    pyHanko's CMS signer with a key parsed once: DummyTimeStamper re-parses (and re-validates) the RSA key for
    every token, which costs more than the rest of the request.
    """
    certificate, key = demo.demo_tsa()
    tsa_cert = _asn1(certificate)
    info = tsp.TSTInfo({
        "version": "v1",
        "policy": TSA_POLICY,
        "message_imprint": query["message_imprint"],
        "serial_number": x509.random_serial_number(),
        "gen_time": timezone.now(),
        "accuracy": {"seconds": 1},
        "nonce": query["nonce"].native,
        "tsa": asn1_x509.GeneralName(name="directory_name", value=tsa_cert.subject),
    })
    signer = KeptKeySigner(
        private_key=key,
        signing_cert=tsa_cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(demo.demo_ca().certificate)]),
    )
    content = cms.EncapsulatedContentInfo({"content_type": "tst_info", "content": cms.ParsableOctetString(info.dump())})
    return aio.call(lambda: asyncio.run(
        signer.async_sign_general_data(content, "sha256", detached=False, use_cades=True)
    ))


@csrf_exempt
@require_POST
def tsa(request):
    """RFC 3161 timestamp authority: application/timestamp-query in, application/timestamp-reply out."""
    _demo_only()
    if request.content_type != "application/timestamp-query":
        return HttpResponseBadRequest("application/timestamp-query expected", content_type="text/plain")
    try:
        query = tsp.TimeStampReq.load(request.body)
        query.native  # noqa: B018 (parses the whole request, raising on garbage)
    except (ValueError, TypeError):
        return HttpResponseBadRequest("malformed timestamp request", content_type="text/plain")
    reply = tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": _timestamp_token(query)})
    return HttpResponse(reply.dump(), content_type="application/timestamp-reply")


@require_GET
def ca_certificate(request):
    """The demo CA's certificate (DER), as the AIA caIssuers URL of its certificates promises."""
    _demo_only()
    der = demo.demo_ca().certificate.public_bytes(serialization.Encoding.DER)
    return HttpResponse(der, content_type="application/pkix-cert")

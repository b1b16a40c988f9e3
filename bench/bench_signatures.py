"""The two legally required signatures with their network work: `approve_signature` (pki.signing.sign_as_signer)
and `issue_seal` (pki.signing.seal_main), each fetching revocation info (OCSP) and timestamps from the demo
services running in their own process (gunicorn serving portal.wsgi on a free loopback port, as `make run`
serves /pki/ocsp and /pki/tsa), as a ratio to the raw cost: SHA-256 of the file, one RSA-2048 signature, one HTTP
round trip to the TSA (a real RFC 3161 request) and one to the OCSP responder (a real OCSP request), measured in
the same run against the same services. bench/README.md gives the targets' reasons and where the time goes.
"""

import hashlib
import http.client
import os
import shutil
import urllib.parse

from asn1crypto import algos, tsp
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509 import ocsp
from django.conf import settings
from django.utils import timezone

from bench.bench_signing import VERIFY_URL, seal_png, signature_png, typical_pdf
from bench.common import Result, median_time
from bench.common_env import ensure_database, start_pki_services

# approve: 3 round trips (OCSP for the signer, OCSP for the TSA's certificate, the timestamp) against the raw 2,
# plus ~40 ms of PDF and CMS work; seal: 2 more (the document timestamp and its sizing) and the form filling.
TARGET_APPROVE = 4.0
TARGET_SEAL = 7.0
# Under the register's lock the seal's revocation answers are already there: two timestamps (the signature's and
# the document timestamp) and the PDF work remain, against the same raw cost (which has one OCSP round trip).
TARGET_SEAL_UNDER_LOCK = 5.0
REPEAT = 7


def _post(url, body, content_type):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("POST", parts.path, body=body, headers={"Content-Type": content_type})
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
        return data
    finally:
        connection.close()


def _raw(data, key, certificate, issuer, base):
    ocsp_request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1()).build().public_bytes(
        serialization.Encoding.DER
    )

    def raw():
        signature = key.sign(hashlib.sha256(data).digest(), PKCS1v15(), Prehashed(hashes.SHA256()))
        request = tsp.TimeStampReq({
            "version": 1, "cert_req": True, "nonce": int.from_bytes(os.urandom(8), "big"),
            "message_imprint": {"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                                "hashed_message": hashlib.sha256(signature).digest()},
        })
        _post(f"{base}/tsa", request.dump(), "application/timestamp-query")
        _post(f"{base}/ocsp", ocsp_request, "application/ocsp-request")

    return raw


def run():
    from pki import demo, signing
    from pki.layout import MM

    ensure_database()
    services, base = start_pki_services(log=os.environ.get("BENCH_SERVICES_LOG"))
    ca = demo.demo_ca()
    try:
        person_cert, person_key, chain = demo.issue_personal_keypair(
            "Nguyễn Văn An", agency_name="Bộ Nội vụ", title="THỨ TRƯỞNG")
        agency_cert, agency_key, _chain = demo.issue_keypair("Bộ Nội vụ")
        person = _kept(person_cert, person_key, chain)
        agency = _kept(agency_cert, agency_key, chain)
        block = signing.SignerBlock(name="Nguyễn Văn An", position="THỨ TRƯỞNG", authority="KT",
                                    authority_of="BỘ TRƯỞNG", image_png=signature_png(), location="Hà Nội")
        seal = seal_png()
        prepared = signing.prepare_for_approval(
            typical_pdf(), places={"signer": {"page": -1, "x": 0.72 * 595.28, "y": 65 * MM}}, verify_url=VERIFY_URL
        )

        def approve():
            return signing.sign_as_signer(prepared, signer=person, block=block, places={}, signed_at=timezone.now())

        approved = approve()

        def issue(prefetched=None):
            return signing.seal_main(approved, signer=agency, agency_name="Bộ Nội vụ", number_notation="12/BNV-VP",
                                     issued_at=timezone.now(), seal_png=seal, location="Hà Nội",
                                     prefetched=prefetched)

        prefetched = signing.seal_prefetch(agency)

        def issue_under_lock():
            """What issuing does while the register is locked: the seal with the revocation answers fetched
            before (documents.services.outgoing.outgoing_issue), so only the timestamps go over the network."""
            return issue(prefetched)

        raw_approve = _raw(prepared, person_key, person_cert, ca.certificate, base)
        raw_seal = _raw(approved, agency_key, agency_cert, ca.certificate, base)
        results = []
        for name, measured, raw, target, data in (
            ("approve_signature", approve, raw_approve, TARGET_APPROVE, prepared),
            ("issue_seal", issue, raw_seal, TARGET_SEAL, approved),
            ("issue_seal_under_lock", issue_under_lock, raw_seal, TARGET_SEAL_UNDER_LOCK, approved),
        ):
            t_raw = median_time(raw, repeat=REPEAT)
            t_measured = median_time(measured, repeat=REPEAT)
            results.append(Result(name, t_measured / t_raw, target, {
                "size_kb": len(data) // 1024, "measured_ms": round(t_measured * 1000, 1),
                "raw_ms": round(t_raw * 1000, 1),
            }))
        return results
    finally:
        services.stop()
        shutil.rmtree(settings.VAR_DIR, ignore_errors=True)


def _kept(certificate, key, chain):
    """The portal's cached signer for a key it holds (what pki.keystores hands the engine)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from pki.signing import KeptKeySigner

    def asn1(c):
        return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))

    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return KeptKeySigner(private_key=key, signing_cert=asn1(certificate),
                         signing_key=asn1_keys.PrivateKeyInfo.load(der),
                         cert_registry=SimpleCertificateStore.from_certs([asn1(c) for c in chain]))

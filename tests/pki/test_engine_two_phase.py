"""signer_digest / signer_finish: the signer's signature made in two phases, the second possibly in another
process, with the key held elsewhere (here: the test plays the remote service and signs the value itself)."""

import hashlib
import json
from io import BytesIO

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader

from pki import demo
from pki.errors import CertificateRevoked, RemoteSignatureInvalid
from pki.signing import SIGNER_FIELD, RemoteSigning, prepare_for_approval, seal_main, signer_digest, signer_finish

from .conftest import make_pdf
from .proof import prove
from .test_engine import BLOCK, SEAL_PNG, agency_keypair, person, simple_signer, statuses


def _remote(prepared, certificate, chain):
    started = signer_digest(prepared, signing_cert=certificate, chain=chain, block=BLOCK, places={},
                            signed_at=timezone.now())
    # what a Celery task keeps between the phases: JSON text and the PDF bytes
    return RemoteSigning(pdf=bytes(started.pdf), state=json.loads(json.dumps(started.state)))


@pytest.mark.django_db
def test_a_signature_finished_from_the_serialised_state_validates_and_can_be_sealed(tmp_path):
    certificate, key, chain = person()
    prepared = prepare_for_approval(make_pdf(1), places={}, verify_url="")
    remote = _remote(prepared, certificate, chain)
    value = key.sign(remote.to_be_signed, PKCS1v15(), hashes.SHA256())
    approved = signer_finish(remote, value)

    _reader, found = statuses(approved)
    embedded, status = found[SIGNER_FIELD]
    assert status.intact and status.valid and status.trusted
    assert embedded.sig_object["/Reason"] == "Phê duyệt – KT. CHỦ TỊCH, PHÓ CHỦ TỊCH"
    assert "/DSS" in PdfFileReader(BytesIO(approved)).root  # B-LT after the finish

    issued = seal_main(approved, signer=simple_signer(*agency_keypair()), agency_name="Bộ Nội vụ",
                       number_notation="7/BNV-VP", issued_at=timezone.now(), seal_png=SEAL_PNG)
    proof = prove(issued, tmp_path, roots=[demo.demo_ca_certificate()])
    assert proof.signers_valid_and_trusted, proof.pdfsig_output


@pytest.mark.django_db
def test_the_digest_is_that_of_the_signed_attributes():
    certificate, _key, chain = person()
    remote = _remote(prepare_for_approval(make_pdf(1), places={}, verify_url=""), certificate, chain)
    assert remote.digest == hashlib.sha256(remote.to_be_signed).digest()


@pytest.mark.django_db
def test_a_value_not_made_with_the_signers_key_is_refused():
    certificate, _key, chain = person()
    _other_certificate, other_key, _chain = person("Trần Thị Bình")
    remote = _remote(prepare_for_approval(make_pdf(1), places={}, verify_url=""), certificate, chain)
    with pytest.raises(RemoteSignatureInvalid):
        signer_finish(remote, other_key.sign(remote.to_be_signed, PKCS1v15(), hashes.SHA256()))


@pytest.mark.django_db(transaction=True)
def test_a_revoked_certificate_is_refused_before_anything_is_sent_to_the_phone():
    certificate, _key, chain = person()
    demo.revoke(format(certificate.serial_number, "X"))
    with pytest.raises(CertificateRevoked):
        signer_digest(prepare_for_approval(make_pdf(1), places={}, verify_url=""), signing_cert=certificate,
                      chain=chain, block=BLOCK, places={}, signed_at=timezone.now())

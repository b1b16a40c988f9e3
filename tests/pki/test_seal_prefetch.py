"""Issuing seals under the register's lock; the revocation answers the seal embeds (the agency's certificate,
the TSA's) are fetched before it (pki.signing.seal_prefetch), so under the lock only the timestamps remain."""

import pytest
from django.utils import timezone

from pki.signing import SignerBlock, prepare_for_approval, seal_main, seal_prefetch, sign_as_signer
from pki.validation import AGENCY, GOOD, PERSON, TIMESTAMP, validate_pdf

from .conftest import make_pdf
from .test_engine import BLOCK, SEAL_PNG, VERIFY_URL, agency_keypair, person, simple_signer

pytestmark = pytest.mark.django_db


def approved_pdf():
    prepared = prepare_for_approval(make_pdf(1), places={}, verify_url=VERIFY_URL)
    return sign_as_signer(prepared, signer=simple_signer(*person()), block=SignerBlock(**BLOCK.__dict__), places={},
                          signed_at=timezone.now())


def seal(approved, signer, prefetched=None):
    return seal_main(approved, signer=signer, agency_name="Ủy ban nhân dân tỉnh Kon Tum", number_notation="15/QĐ-UBND",
                     issued_at=timezone.now(), seal_png=SEAL_PNG, prefetched=prefetched)


def test_with_the_answers_prefetched_the_seal_asks_only_the_timestamp_authority(pki_services):
    approved, signer = approved_pdf(), simple_signer(*agency_keypair())

    before = len(pki_services.httpd.paths)
    prefetched = seal_prefetch(signer)
    assert "ocsp" in pki_services.asked(before)

    under_lock = len(pki_services.httpd.paths)
    issued = seal(approved, signer, prefetched)
    assert set(pki_services.asked(under_lock)) == {"tsa"}

    # The prefetched answers are the ones embedded: long-term validation from the file alone, as without them.
    signer, sealed, stamp = validate_pdf(issued).signatures
    assert (signer.kind, sealed.kind, stamp.kind) == (PERSON, AGENCY, TIMESTAMP)
    assert sealed.ok and sealed.revocation == GOOD and sealed.long_term == "B-LTA" and stamp.ok


def test_without_them_the_seal_fetches_revocation_itself(pki_services):
    approved, signer = approved_pdf(), simple_signer(*agency_keypair())
    under_lock = len(pki_services.httpd.paths)
    seal(approved, signer)
    assert "ocsp" in pki_services.asked(under_lock)

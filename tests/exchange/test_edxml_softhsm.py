"""An agency whose seal key lives on a PKCS#11 token (SoftHSM2, the real thing) signs its envelopes there: the key
never leaves the token and the envelope reads back signed by the token's certificate."""

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from exchange import edxml, packages
from pki import services as pki_services
from pki.models import KeyStore
from tests.pki.softhsm import softhsm, softhsm_settings  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_token(softhsm_settings, agency, admin_member):  # noqa: F811 (fixture)
    pki_services.agency_token_register(admin=admin_member, token_label=softhsm_settings.agency.label,
                                       key_label=softhsm_settings.agency.key_label)
    return softhsm_settings


@pytest.fixture
def signing_agency(on_token, agency):
    """Bộ Nội vụ seals (and signs its envelopes) on its token only."""
    return agency


def test_an_envelope_is_signed_with_the_agencys_token_key(on_token, issued, agency, clerk, peer_clerk):
    certificate = agency.certificates.get(is_active=True)
    assert certificate.store == KeyStore.PKCS11 and not certificate.private_key_encrypted
    data = packages.envelope_export(membership=clerk, outgoing=issued)
    read = edxml.envelope_read(data)
    signer = x509.load_pem_x509_certificate(read.signer_pem.encode())
    assert signer == on_token.agency.certificate
    assert read.message.attachments[0].data == issued.files.get(kind="main").signed.read()
    incoming = packages.envelope_import(membership=peer_clerk, data=data)
    assert incoming.files.count() == 2


def test_an_envelope_signed_on_the_token_is_trusted_when_its_certificate_is_named(on_token, issued, agency):
    data = edxml.envelope_bytes(packages.outgoing_envelope(issued), certificate=agency.certificates.get(is_active=True))
    token_pem = on_token.agency.certificate.public_bytes(serialization.Encoding.PEM).decode()
    assert edxml.envelope_read(data, trusted_pem=[token_pem]).message.document_id

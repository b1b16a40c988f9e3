"""Certificate files as an agency receives them from its CA, for upload tests."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from pki.demo import issue_keypair


def build_pkcs12(common_name, password, *, ca=None, not_before=None, not_after=None):
    """A PKCS#12 file (key, certificate and CA chain) as an agency would receive it from its CA."""
    certificate, key, chain = issue_keypair(common_name, ca=ca, not_before=not_before, not_after=not_after)
    encryption = (
        serialization.BestAvailableEncryption(password.encode("utf-8")) if password else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(b"agency", key, certificate, chain, encryption)

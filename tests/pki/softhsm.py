"""A real PKCS#11 token for the tests: SoftHSM2 (Debian's softhsm2) in a temporary directory.

`softhsm` (session scope) writes a softhsm2.conf, points SOFTHSM2_CONF at it before the PKCS#11 module is loaded
(or re-initialises the module if something loaded it earlier), and makes two tokens, each holding a key issued by
the demo CA (naming the session's OCSP/CRL services) with its certificate and the CA's:

- `softhsm.agency`: the seal of "Bộ Nội vụ" (the `agency` fixture), its user PIN given to the portal through
  settings.PKCS11_PINS;
- `softhsm.person`: a leader's own key, opened with the PIN the person types.

`softhsm_settings` (function scope) sets settings.PKCS11_MODULE and PKCS11_PINS for a test.
Use them with `from tests.pki.softhsm import softhsm, softhsm_settings  # noqa: F401`.
"""

import os
import shutil
import subprocess
from dataclasses import dataclass, field

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.test import override_settings

MODULE = "/usr/lib/softhsm/libsofthsm2.so"


@dataclass
class Token:
    """One initialised token: its label, the key's label and id, the user PIN, the certificate and chain."""

    label: str
    key_label: str
    key_id: bytes
    pin: str
    so_pin: str
    certificate: x509.Certificate = None
    chain: list = field(default_factory=list)
    module: str = MODULE

    @property
    def wrong_pin(self):
        return "0" * len(self.pin) if self.pin != "0" * len(self.pin) else "9" * len(self.pin)


@dataclass
class SoftHsm:
    conf: str
    agency: Token
    person: Token

    @property
    def pins(self):
        """settings.PKCS11_PINS for the agency's token (a person's PIN is typed, never configured)."""
        return {self.agency.label: self.agency.pin}


def _run(*args, env):
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
    if result.returncode:
        pytest.fail(f"{' '.join(args[:2])} failed: {result.stdout}{result.stderr}")


def _put_certificates(token, env):
    """The certificate (same label and id as the key) and the CA's, written with python-pkcs11."""
    lib = pkcs11.lib(MODULE)
    with lib.get_token(token_label=token.label).open(rw=True, user_pin=token.pin) as session:
        for label, object_id, certificate in [(token.key_label, token.key_id, token.certificate)] + [
            (f"ca-{n}", bytes([0xCA, n]), c) for n, c in enumerate(token.chain)
        ]:
            session.create_object({
                pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                pkcs11.Attribute.TOKEN: True,
                pkcs11.Attribute.LABEL: label,
                pkcs11.Attribute.ID: object_id,
                pkcs11.Attribute.SUBJECT: certificate.subject.public_bytes(),
                pkcs11.Attribute.ISSUER: certificate.issuer.public_bytes(),
                pkcs11.Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
            })


def _make_token(token, key, directory, env):
    key_path = directory / f"{token.label}.key.pem"
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    _run("softhsm2-util", "--init-token", "--free", "--label", token.label, "--pin", token.pin,
         "--so-pin", token.so_pin, env=env)
    _run("softhsm2-util", "--import", str(key_path), "--token", token.label, "--label", token.key_label,
         "--id", token.key_id.hex(), "--pin", token.pin, env=env)
    key_path.unlink()


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory, pki_var_dir, pki_services):
    if not (shutil.which("softhsm2-util") and os.path.exists(MODULE)):
        pytest.fail("SoftHSM2 is missing: the test set-up installs Debian's softhsm2 (TEST_APT_PACKAGES).")
    from pki import demo, keystores

    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
        "slots.removable = false\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)  # before the module is loaded: SoftHSM reads it at C_Initialize
    env = dict(os.environ)
    agency = Token("portal-agency", "seal", b"\x01", "112233", "11223344")
    person = Token("portal-leader", "signer", b"\x02", "135790", "13579024")
    with override_settings(VAR_DIR=pki_var_dir, PKI_DEMO_SERVICE_URL=pki_services.url):
        agency.certificate, agency_key, agency.chain = demo.issue_keypair("Bộ Nội vụ")
        person.certificate, person_key, person.chain = demo.issue_personal_keypair(
            "Nguyễn Văn Khóa", agency_name="Bộ Nội vụ", title="Bộ trưởng"
        )
    for token, key in [(agency, agency_key), (person, person_key)]:
        _make_token(token, key, directory, env)
    if MODULE in pkcs11._loaded:
        keystores.token_library_reset()  # loaded before: read the new configuration and tokens
    for token in (agency, person):
        _put_certificates(token, env)
    yield SoftHsm(str(conf), agency, person)
    keystores.token_library_reset()


@pytest.fixture
def softhsm_settings(settings, softhsm):
    settings.PKCS11_MODULE = MODULE
    settings.PKCS11_PINS = softhsm.pins
    return softhsm

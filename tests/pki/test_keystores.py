"""pki.keystores: the Signer of a person's own certificate (portal-held under a PIN, or on a real SoftHSM2 token)
and of an agency's (portal or token); wrong PINs counted and locked; another person's certificate never used."""

import datetime
from io import BytesIO

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.utils import timezone
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from core.crypto import decrypt
from pki import demo, keystores, selectors, services
from pki.errors import (
    CertificateMissing,
    KeyStoreUnavailable,
    PersonalCertificateExpired,
    PersonalCertificateMissing,
    PinLocked,
    SigningError,
    WrongPin,
)
from pki.models import KeyStore, PersonalCertificate
from tests import factories
from tests.pki.conftest import make_pdf
from tests.pki.softhsm import softhsm, softhsm_settings  # noqa: F401 - fixtures

PIN = "246810"


def signed_and_checked(signer, *, reason="Phê duyệt"):
    """Sign a PDF with pyHanko through `signer` and validate it against the demo CA: (status, signer's CN)."""
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(make_pdf(1))),
        signers.PdfSignatureMetadata(field_name="ChuKyThu", reason=reason, md_algorithm="sha256"),
        signer=signer,
    )
    reader = PdfFileReader(BytesIO(out.getvalue()))
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(demo.demo_ca_certificate().public_bytes(serialization.Encoding.DER))],
        allow_fetching=False,
    )
    status = validate_pdf_signature(reader.embedded_signatures[0], context)
    return status, status.signing_cert.subject.native["common_name"]


@pytest.fixture
def person(leader):
    return services.personal_certificate_issue_demo(user=leader.user, pin=PIN, agency=leader.agency)


@pytest.mark.django_db
def test_a_portal_held_personal_key_signs_with_its_pin_and_the_signature_validates(person, leader):
    status, name = signed_and_checked(keystores.personal_signer(person, PIN))
    assert status.bottom_line and status.intact and status.trusted
    assert name == leader.user.full_name


@pytest.mark.django_db
def test_the_pin_is_never_stored_and_the_key_is_not_kept_in_clear(person):
    inner = decrypt(person.private_key_encrypted)
    assert PIN.encode() not in inner
    assert b"\x30\x82" not in inner[:40]  # not a bare PKCS#8 DER structure
    assert keystores.pin_unseal(person.private_key_encrypted, pin="135790", fingerprint=person.fingerprint_sha256) is None


@pytest.mark.django_db
def test_a_wrong_pin_is_refused_with_the_attempts_left(person, settings):
    settings.SIGNING_PIN_MAX_ATTEMPTS = 5
    with pytest.raises(WrongPin, match="còn 4 lần"):
        keystores.personal_signer(person, "999999")
    person.refresh_from_db()
    assert person.failed_pin_attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_wrong_pin_counts_even_when_the_callers_transaction_rolls_back(leader):
    certificate = services.personal_certificate_issue_demo(user=leader.user, pin=PIN, agency=leader.agency)
    with pytest.raises(WrongPin), transaction.atomic():
        keystores.personal_signer(certificate, "111111")
    certificate.refresh_from_db()
    assert certificate.failed_pin_attempts == 1


@pytest.mark.django_db
def test_too_many_wrong_pins_lock_signing_even_with_the_right_pin_until_the_lock_ends(person, settings):
    settings.SIGNING_PIN_MAX_ATTEMPTS = 3
    settings.SIGNING_PIN_LOCK_MINUTES = 15
    for _attempt in range(2):
        with pytest.raises(WrongPin):
            keystores.personal_signer(person, "000000")
    with pytest.raises(PinLocked, match="khóa đến"):
        keystores.personal_signer(person, "000000")
    with pytest.raises(PinLocked):
        keystores.personal_signer(person, PIN)
    PersonalCertificate.objects.filter(pk=person.pk).update(
        pin_locked_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert keystores.personal_signer(person, PIN) is not None
    person.refresh_from_db()
    assert (person.failed_pin_attempts, person.pin_locked_until) == (0, None)


@pytest.mark.django_db
def test_a_right_pin_resets_the_count(person):
    with pytest.raises(WrongPin):
        keystores.personal_signer(person, "000000")
    keystores.personal_signer(person, PIN)
    person.refresh_from_db()
    assert person.failed_pin_attempts == 0


@pytest.mark.django_db
def test_the_selector_gives_only_the_persons_own_valid_certificate(person, leader, agency, unit):
    other = factories.make_member(agency, "leader", user=factories.make_user("khac@moha.gov.vn"), unit=unit)
    assert selectors.personal_certificate_for(leader.user) == person
    with pytest.raises(PersonalCertificateMissing, match="Chữ ký số của tôi"):
        selectors.personal_certificate_for(other.user)
    PersonalCertificate.objects.filter(pk=person.pk).update(not_after=timezone.now() - datetime.timedelta(days=1))
    with pytest.raises(PersonalCertificateExpired):
        selectors.personal_certificate_for(leader.user)


@pytest.mark.django_db
def test_an_inactive_or_remote_certificate_gives_no_signer(person):
    PersonalCertificate.objects.filter(pk=person.pk).update(store=KeyStore.REMOTE)
    person.refresh_from_db()
    with pytest.raises(SigningError, match="điện thoại"):
        keystores.personal_signer(person, PIN)
    person.is_active = False
    with pytest.raises(CertificateMissing):
        keystores.personal_signer(person, PIN)


@pytest.mark.django_db
def test_the_agency_portal_key_signs(certified):
    certificate = selectors.certificate_for_signing(certified)
    status, name = signed_and_checked(keystores.agency_signer(certificate), reason="Ban hành")
    assert status.bottom_line
    assert name == certified.name


# --- SoftHSM2 ---------------------------------------------------------------------------------------------

@pytest.fixture
def hsm(softhsm_settings):  # noqa: F811 - the fixture imported above
    return softhsm_settings


@pytest.fixture
def token_person(leader, hsm):
    return services.personal_token_register(
        user=leader.user, token_label=hsm.person.label, key_label=hsm.person.key_label,
        pin=hsm.person.pin,
    )


@pytest.mark.django_db
def test_a_personal_key_on_a_token_signs_with_the_typed_pin_once(token_person, hsm):
    assert token_person.store == KeyStore.PKCS11
    signer = keystores.personal_signer(token_person, hsm.person.pin)
    status, name = signed_and_checked(signer)
    assert status.bottom_line and status.trusted
    assert name == "Nguyễn Văn Khóa"
    with pytest.raises(SigningError):  # the PIN opened the token for one signature; it is logged out now
        signed_and_checked(signer)


@pytest.mark.django_db
def test_a_wrong_token_pin_is_wrong_pin_and_counted(token_person, hsm):
    with pytest.raises(WrongPin):
        keystores.personal_signer(token_person, hsm.person.wrong_pin)
    token_person.refresh_from_db()
    assert token_person.failed_pin_attempts == 1
    assert keystores.personal_signer(token_person, hsm.person.pin).close() is None


@pytest.mark.django_db
def test_the_agency_seal_key_on_a_token_signs_with_the_configured_pin(admin_member, hsm):
    record = services.agency_token_register(
        admin=admin_member, token_label=hsm.agency.label, key_label=hsm.agency.key_label
    )
    signer = keystores.agency_signer(record)
    for _time in range(2):  # the kept session signs again
        status, name = signed_and_checked(signer, reason="Ban hành")
        assert status.bottom_line
    assert name == "Bộ Nội vụ"
    assert keystores.agency_signer(record) is signer


@pytest.mark.django_db
def test_a_wrong_configured_agency_token_pin_is_wrong_pin(admin_member, hsm, settings):
    record = services.agency_token_register(
        admin=admin_member, token_label=hsm.agency.label, key_label=hsm.agency.key_label
    )
    keystores.token_library_reset()
    settings.PKCS11_PINS = {hsm.agency.label: hsm.agency.wrong_pin}
    with pytest.raises(WrongPin, match="PKCS11_PINS"):
        keystores.agency_signer(record)


@pytest.mark.django_db
def test_a_missing_token_is_told_clearly(token_person, hsm):
    PersonalCertificate.objects.filter(pk=token_person.pk).update(pkcs11_token_label="khong-co")
    token_person.refresh_from_db()
    with pytest.raises(KeyStoreUnavailable, match="khong-co"):
        keystores.personal_signer(token_person, hsm.person.pin)

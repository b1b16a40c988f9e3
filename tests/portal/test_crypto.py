"""Secrets at rest: several FIELD_ENCRYPTION_KEYs for rotation, and re-encrypting what is stored."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from core.crypto import InvalidToken, decrypt, encrypt
from intake.models import Mailbox

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_first_key_encrypts_and_every_key_decrypts(settings):
    settings.FIELD_ENCRYPTION_KEY = OLD
    token = encrypt(b"secret")
    settings.FIELD_ENCRYPTION_KEY = f"{NEW},{OLD}"
    assert decrypt(token) == b"secret"
    fresh = encrypt(b"secret")
    settings.FIELD_ENCRYPTION_KEY = NEW
    assert decrypt(fresh) == b"secret"
    with pytest.raises(InvalidToken):
        decrypt(token)


def test_production_never_derives_the_key_from_secret_key(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.DEBUG, settings.FIELD_ENCRYPTION_KEY = False, ""
    with pytest.raises(ImproperlyConfigured):
        encrypt(b"secret")


@pytest.mark.django_db
def test_secrets_reencrypt_moves_stored_secrets_to_the_first_key(settings, agency, certified, capsys):
    settings.FIELD_ENCRYPTION_KEY = OLD
    mailbox = Mailbox(agency=agency, host="imap.example.gov.vn", username="vanthu")
    mailbox.set_password("mật-khẩu")
    mailbox.save()
    certificate = agency.certificates.get()
    certificate.private_key_encrypted = encrypt(b"private key")
    certificate.save()

    settings.FIELD_ENCRYPTION_KEY = f"{NEW},{OLD}"
    call_command("secrets_reencrypt")
    assert "intake.Mailbox.password_encrypted: 1" in capsys.readouterr().out

    settings.FIELD_ENCRYPTION_KEY = NEW  # the old key is gone: everything still opens
    mailbox.refresh_from_db()
    certificate.refresh_from_db()
    assert mailbox.get_password() == "mật-khẩu"
    assert decrypt(certificate.private_key_encrypted) == b"private key"
    settings.FIELD_ENCRYPTION_KEY = OLD
    with pytest.raises(InvalidToken):
        mailbox.get_password()

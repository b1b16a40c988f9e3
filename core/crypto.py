"""Encryption at rest for secrets the portal must keep (private keys, mailbox passwords).

FIELD_ENCRYPTION_KEY holds one or more Fernet keys, comma-separated: the first encrypts, every one decrypts
(MultiFernet), so a key is rotated by putting a new one first, running `manage.py secrets_reencrypt` and then
removing the old one. Production must set it (settings refuse DEBUG=0 without it); only in development is a key
derived from SECRET_KEY, so that a development database still works after a restart.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

__all__ = ["encrypt", "decrypt", "rotate", "InvalidToken"]


@lru_cache(maxsize=4)
def _fernet(keys, secret_key, debug):
    if keys:
        return MultiFernet([Fernet(key.strip().encode()) for key in keys.split(",") if key.strip()])
    if not debug:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DEBUG is off.")
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal-field-encryption").derive(
        secret_key.encode()
    )
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derived))])


def _current():
    return _fernet(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY, settings.DEBUG)


def encrypt(data: bytes) -> str:
    return _current().encrypt(data).decode("ascii")


def decrypt(token: str) -> bytes:
    return _current().decrypt(token.encode("ascii"))


def rotate(token: str) -> str:
    """The same secret encrypted with the first key (raises InvalidToken if no key opens it)."""
    return _current().rotate(token.encode("ascii")).decode("ascii")


def encrypted_fields():
    """(model, field name) of every stored secret: by convention a text field named `*_encrypted`."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.name.endswith("_encrypted")
    ]


def secrets_reencrypt():
    """Encrypt every stored secret again with the first FIELD_ENCRYPTION_KEY; returns {label: rows rewritten}.

    Each model is rewritten in one transaction under row locks; a value no key opens raises InvalidToken
    and leaves that model unchanged. Safe to run twice.
    """
    counts = {}
    for model, name in encrypted_fields():
        with transaction.atomic():
            rows = model._default_manager.select_for_update().exclude(**{name: ""}).only("pk", name)
            changed = []
            for row in rows:
                setattr(row, name, rotate(getattr(row, name)))
                changed.append(row)
            model._default_manager.bulk_update(changed, [name], batch_size=500)
        counts[f"{model._meta.label}.{name}"] = len(changed)
    return counts

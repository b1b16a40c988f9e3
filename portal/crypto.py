"""Encryption at rest for secrets the portal must keep (private keys, mailbox passwords).

The key comes from FIELD_ENCRYPTION_KEY (a Fernet key) or, when unset, is derived from SECRET_KEY,
so that a development database still works after a restart. Rotating SECRET_KEY without setting
FIELD_ENCRYPTION_KEY makes stored secrets unreadable; production sets FIELD_ENCRYPTION_KEY.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

__all__ = ["encrypt", "decrypt", "InvalidToken"]


@lru_cache(maxsize=4)
def _fernet(key_material):
    if settings.FIELD_ENCRYPTION_KEY:
        return Fernet(settings.FIELD_ENCRYPTION_KEY.encode())
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal-field-encryption").derive(
        key_material.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(data: bytes) -> str:
    return _fernet(settings.SECRET_KEY).encrypt(data).decode("ascii")


def decrypt(token: str) -> bytes:
    return _fernet(settings.SECRET_KEY).decrypt(token.encode("ascii"))

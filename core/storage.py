"""Stored files through Django's storage API only, whichever storage holds them (the local disk under MEDIA_ROOT, or
an S3-compatible bucket with STORAGE_URL): signed files are written once, and a file whose SHA-256 the portal
recorded is checked against it whenever it is read back (docs/deploy.md, "Files in object storage")."""

import hashlib
import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .files import display_name

logger = logging.getLogger(__name__)
CHUNK = 1024 * 1024


class TamperedFile(ValidationError):
    """A stored file's bytes are no longer those whose SHA-256 the portal recorded when it was written."""

    def __init__(self, name):
        super().__init__(
            _("Tệp “%(name)s” trong kho lưu trữ đã bị thay đổi so với lúc lưu (mã SHA-256 không khớp); hệ thống "
              "không dùng tệp này. Hãy báo quản trị hệ thống để khôi phục tệp từ bản sao lưu.")
            % {"name": display_name(name)}, code="tampered_file")


def digest(handle):
    """SHA-256 (hex) of an open file, read from its start in chunks; the handle is left at its start."""
    handle.seek(0)
    sha = hashlib.sha256()
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        sha.update(chunk)
    handle.seek(0)
    return sha.hexdigest()


def _check(handle, sha256, name):
    found = digest(handle)
    if found != sha256:
        logger.error("Stored file %s: SHA-256 %s, recorded %s", name, found, sha256)
        raise TamperedFile(name)


def open_verified(fieldfile, sha256):
    """The stored file opened for reading, after checking it against `sha256` (skipped when none was recorded);
    raises TamperedFile on a mismatch. The caller closes the handle (a FileResponse does)."""
    handle = fieldfile.storage.open(fieldfile.name, "rb")
    if sha256:
        try:
            _check(handle, sha256, fieldfile.name)
        except BaseException:
            handle.close()
            raise
    return handle


def read_verified(fieldfile, sha256):
    """The bytes of a stored file, checked against `sha256` when one was recorded (TamperedFile otherwise)."""
    with open_verified(fieldfile, sha256) as handle:
        return handle.read()


@contextmanager
def local_copy(fieldfile, sha256="", *, suffix=None):
    """A temporary file on this machine's disk with the stored file's bytes, for a program that needs a path
    (OCRmyPDF, poppler, qpdf); removed when the block ends. Checked against `sha256` when given."""
    suffix = Path(fieldfile.name).suffix.lower()[:10] if suffix is None else suffix
    with open_verified(fieldfile, sha256) as source, tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        shutil.copyfileobj(source, copy, CHUNK)
        copy.flush()
        yield Path(copy.name)


def _name_for(fieldfile, name):
    """The storage name the field gives `name`, shortened here (never by the storage) to the field's length."""
    target = fieldfile.field.generate_filename(fieldfile.instance, name)
    limit = fieldfile.field.max_length
    if limit and len(target) > limit:
        stem, extension = os.path.splitext(target)
        target = stem[:limit - len(extension)] + extension
    return target


def save_once(fieldfile, name, content):
    """Store a signed file under the name its field gives `name`, refusing (ValidationError) when that name is
    already taken: a signed file is never overwritten, nor silently stored under another name. The caller gives
    each signed file a name of its own (its digest is part of it)."""
    storage, target = fieldfile.storage, _name_for(fieldfile, name)
    refused = ValidationError(
        _("Tệp đã ký số “%(name)s” đã có trong kho lưu trữ; tệp đã ký số chỉ được ghi một lần, không ghi đè.")
        % {"name": display_name(name)}, code="signed_file_exists")
    if storage.exists(target):
        raise refused
    stored = storage.save(target, content, max_length=fieldfile.field.max_length)
    if stored != target:
        # Another writer took the name between the check and the write: the storage picked a new one for ours.
        storage.delete(stored)
        raise refused
    fieldfile.name = stored
    setattr(fieldfile.instance, fieldfile.field.attname, stored)
    fieldfile._committed = True

"""Checks on uploaded files: a main document must be a readable, unencrypted PDF within the size limit."""

import hashlib
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader


def max_upload_bytes():
    return settings.MAX_UPLOAD_MB * 1024 * 1024


def check_size(upload):
    if upload.size > max_upload_bytes():
        raise ValidationError(
            _("Tệp “%(name)s” quá lớn (%(size)s); giới hạn là %(limit)s MB.")
            % {"name": upload.name, "size": filesizeformat(upload.size), "limit": settings.MAX_UPLOAD_MB},
            code="too_large",
        )


def read_upload(upload):
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def check_pdf(upload):
    """Refuse what is not a PDF, is damaged, is encrypted or too large, with a message saying which."""
    check_size(upload)
    data = read_upload(upload)
    name = upload.name
    if not data.lstrip()[:5] == b"%PDF-":
        raise ValidationError(_("Tệp “%(name)s” không phải tệp PDF.") % {"name": name}, code="not_pdf")
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            raise ValidationError(
                _("Tệp “%(name)s” được đặt mật khẩu hoặc mã hóa; hãy gửi bản PDF không mã hóa.") % {"name": name},
                code="encrypted",
            )
        pages = int(reader.root["/Pages"]["/Count"])
    except ValidationError:
        raise
    except (PdfError, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ValidationError(
            _("Tệp “%(name)s” bị hỏng, không đọc được như PDF (%(error)s).") % {"name": name, "error": exc},
            code="corrupt",
        ) from None
    if pages < 1:
        raise ValidationError(_("Tệp “%(name)s” không có trang nào.") % {"name": name}, code="empty")
    return data


def sha256(data):
    return hashlib.sha256(data).hexdigest()

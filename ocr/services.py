"""Text of stored files: ask for it, and correct a page of it.

`text_request(obj, field)` is what every app calls for a stored file (documents' IncomingFile.file and
OutgoingFile.signed, the archive's scans): one FileText per (object, field), the task queued after commit.
"""

import unicodedata

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.storage import digest

from .models import FileText, PageCorrection
from .signals import text_ready


def _file_sha256(fieldfile):
    try:
        with fieldfile.storage.open(fieldfile.name, "rb") as handle:
            return digest(handle)
    except (OSError, ValueError):
        return ""


def _queue(file_text_id):
    from . import tasks

    transaction.on_commit(lambda: tasks.text_extract.delay(file_text_id), robust=True)


def text_request(obj, field, *, sha256=None):
    """The FileText of `obj`'s file field `field`, created and queued if new or if the file changed since.

    Idempotent: calling it twice for the same unchanged file queues nothing more. Returns the FileText.
    `sha256`: the file's SHA-256 when the caller already knows it (saves reading the file here); a file whose
    SHA-256 another FileText already has gets that one's text without being read or recognised again."""
    fieldfile = getattr(obj, field)
    if not fieldfile:
        raise ValueError(f"{obj!r} has no file in {field!r}")
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    sha256 = sha256 or _file_sha256(fieldfile)
    file_text, created = FileText.objects.get_or_create(
        content_type=content_type, object_id=obj.pk, field=field, defaults={"sha256": sha256,
                                                                           "queued_at": timezone.now()}
    )
    if created:
        _queue(file_text.pk)
        return file_text
    if sha256 and file_text.sha256 != sha256:
        # The file behind the field changed: its old text no longer describes it.
        FileText.objects.filter(pk=file_text.pk).update(
            sha256=sha256, state=FileText.State.PENDING, method="", pages=[], text="", error="", attempts=0,
            claimed_at=None, finished_at=None, queued_at=timezone.now(),
        )
        file_text.refresh_from_db()
        _queue(file_text.pk)
    return file_text


def text_of(obj, field):
    """The FileText of obj's field, or None."""
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    return FileText.objects.filter(content_type=content_type, object_id=obj.pk, field=field).first()


def nfc(text):
    return unicodedata.normalize("NFC", text or "")


def join_pages(pages):
    return "\n\f\n".join(pages).strip()


def announce_ready(file_text):
    transaction.on_commit(lambda: text_ready.send(sender=FileText, file_text=file_text), robust=True)


# A permission callback the app owning the file registers (documents: through its selectors), so that ocr
# never imports an app above it: fn(user, file_text) -> bool. Any True allows; none registered refuses.
CORRECT_PERMISSION = []


def may_correct(user, file_text):
    return any(check(user, file_text) for check in CORRECT_PERMISSION)


@transaction.atomic
def page_correct(*, user, file_text, page, text):
    """Replace the text of page `page` (1-based) of `file_text` by the clerk's `text`; kept as a PageCorrection."""
    if not may_correct(user, file_text):
        raise PermissionDenied
    file_text = FileText.objects.select_for_update().get(pk=file_text.pk)
    if file_text.state not in (FileText.State.DONE, FileText.State.NO_TEXT):
        raise ValidationError(_("Văn bản của tệp chưa được trích xuất xong."))
    pages = list(file_text.pages)
    if not 1 <= page <= len(pages):
        raise ValidationError(_("Tệp không có trang %(page)s.") % {"page": page})
    text = nfc(text).replace("\r\n", "\n").strip()
    if text == pages[page - 1]:
        return None
    correction = PageCorrection.objects.create(
        file_text=file_text, page=page, before=pages[page - 1], text=text, corrected_by=user
    )
    pages[page - 1] = text
    file_text.pages = pages
    file_text.text = join_pages(pages)
    if file_text.text:
        file_text.state = FileText.State.DONE
    file_text.finished_at = timezone.now()
    file_text.save(update_fields=["pages", "text", "state", "finished_at"])
    announce_ready(file_text)
    return correction


def texts_retry(file_texts):
    """Read the text of these files again from the start (the technical admin's action, e.g. after installing a
    better model); rows a worker holds now are left. Returns how many were queued."""
    ids = list(file_texts.exclude(state=FileText.State.RUNNING).values_list("pk", flat=True))
    FileText.objects.filter(pk__in=ids).update(state=FileText.State.PENDING, attempts=0, claimed_at=None, error="",
                                               finished_at=None, queued_at=timezone.now())
    for pk in ids:
        _queue(pk)
    return len(ids)

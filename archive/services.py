"""Importing a batch of archived documents, storing its scans and following their text.

`batch_import` checks the whole batch first: any bad row and the batch is refused with every reason by line, and no
document of it exists. A good batch's documents are created in the same transaction and `batch_store` (a Celery
task) stores their scans one by one, asking ocr for each scan's text; it holds a lease renewed after every document,
so `batches_recover` (beat) takes again a batch whose worker died and it goes on where it stopped.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.files import check_scan, display_name, removed_on_error, sha256
from core.text import fold
from documents.models import Incoming, Outgoing
from ocr.models import FileText
from ocr.services import text_request

from . import packages
from .models import ArchiveBatch, ArchivedDocument, BatchError

FINAL_TEXT_STATES = (FileText.State.DONE, FileText.State.NO_TEXT, FileText.State.FAILED)
LIMITS = {"number": 20, "notation": 60, "issuer": 255, "box": 50, "file_ref": 50, "scan_name": 255}


def lease_seconds():
    return settings.ARCHIVE_LEASE_SECONDS


# --- Checking rows ---------------------------------------------------------------------------------------

def _check_fields(row):
    values = row.values
    for name in ("summary", "issuer", "scan_name"):
        if not values.get(name):
            row.errors.append(_("thiếu %(column)s") % {"column": str(packages.COLUMN_LABELS[name]).lower()})
    if not values.get("number") and not values.get("notation"):
        row.errors.append(_("thiếu cả số và ký hiệu"))
    for name, limit in LIMITS.items():
        if len(str(values.get(name, ""))) > limit:
            row.errors.append(_("%(column)s dài quá %(limit)s ký tự") % {
                "column": packages.COLUMN_LABELS[name], "limit": limit})
    raw_type = values.get("doc_type", "")
    values["doc_type"] = packages.document_type(str(raw_type))
    if not values["doc_type"]:
        row.errors.append(_("loại văn bản “%(value)s” không có trong danh mục") % {"value": raw_type}
                          if raw_type else _("thiếu loại văn bản"))
    raw_date = values.get("doc_date", "")
    values["doc_date"] = packages.parse_date(raw_date) if raw_date else None
    if raw_date and not values["doc_date"]:
        row.errors.append(_("ngày “%(value)s” không đúng dạng ngày/tháng/năm") % {"value": raw_date})


def _check_scan(row, package, scans_seen):
    name = row.values.get("scan_name")
    if not name:
        return
    info = package.find(str(name))
    if info is None:
        row.errors.append(_("không có tệp “%(name)s” trong gói bản quét") % {"name": name})
        return
    if info.filename in scans_seen:
        row.errors.append(_("tệp “%(name)s” đã dùng cho dòng %(line)s") % {
            "name": name, "line": scans_seen[info.filename]})
        return
    scans_seen[info.filename] = row.line
    try:
        check_scan(info.filename, package.read(info))
    except ValidationError as exc:
        row.errors.extend(exc.messages)
    row.values["scan_info"] = info


def _notation_of(values):
    number, notation = str(values.get("number", "")), str(values.get("notation", ""))
    if number and notation and "/" not in notation:
        return f"{number}/{notation}"
    return notation or number


def _check_repeats(row, keys_seen):
    notation = _notation_of(row.values)
    if not notation or not row.values.get("issuer"):
        return
    key = (notation_key(notation), fold(row.values["issuer"]))
    if key in keys_seen:
        row.errors.append(_("trùng số, ký hiệu và cơ quan ban hành với dòng %(line)s") % {"line": keys_seen[key]})
    else:
        keys_seen[key] = row.line


def check_rows(rows, package):
    """Every row's reasons to be refused, in the row's `errors`; values are converted in place."""
    scans_seen, keys_seen = {}, {}
    for row in rows:
        _check_fields(row)
        _check_scan(row, package, scans_seen)
        _check_repeats(row, keys_seen)
    return [row for row in rows if row.errors]


# --- Duplicates of documents already registered ------------------------------------------------------------

def notation_key(notation):
    """A notation as compared for duplicates: case, diacritics, punctuation and leading zeros of numbers ignored
    ("05/QĐ-UBND" and "5/qd ubnd" are one)."""
    return " ".join(word.lstrip("0") or "0" if word.isdigit() else word for word in fold(notation).split())


def _leading_number(key):
    first = key.split(" ", 1)[0]
    return first if first.isdigit() else None


def _may_match(notations, field="notation"):
    """A filter for the rows whose notation may be one of these: the same leading number (any zeros, any spelling
    of the rest), or, for a notation without a number, the same text ignoring case."""
    numbers = sorted({number for notation in notations if (number := _leading_number(notation_key(notation)))})
    condition = Q(pk__in=[])
    if numbers:
        condition |= Q(**{f"{field}__regex": r"^\s*0*(" + "|".join(numbers) + r")\s*(/|$)"})
    for notation in notations:
        if not _leading_number(notation_key(notation)):
            condition |= Q(**{f"{field}__iexact": notation})
    return condition


def _by_key(documents, notation_of, issuer_names):
    """{(notation key, folded issuer): document}."""
    found = {}
    for document in documents:
        for name in issuer_names(document):
            found.setdefault((notation_key(notation_of(document)), fold(name)), document)
    return found


def find_duplicates(agency, rows):
    """{row line: (incoming, outgoing, archived)} for the rows whose number, notation and issuer are already in the
    agency's incoming or outgoing registers or its archive."""
    keys = {_notation_of(row.values) for row in rows if notation_key(_notation_of(row.values))}
    if not keys:
        return {}
    incoming = _by_key(
        Incoming.objects.filter(_may_match(keys), agency=agency).select_related("sender_agency"),
        lambda doc: doc.notation,
        lambda doc: [doc.sender_name] + ([doc.sender_agency.name] if doc.sender_agency else []))
    outgoing = _by_key(
        Outgoing.objects.filter(_may_match(keys), agency=agency, status=Outgoing.Status.ISSUED),
        lambda doc: doc.notation, lambda doc: [agency.name, agency.short_name])
    archived = _by_key(
        ArchivedDocument.objects.filter(_may_match(keys, "number") | _may_match(keys), agency=agency),
        lambda doc: doc.full_notation, lambda doc: [doc.issuer])
    duplicates = {}
    for row in rows:
        key = (notation_key(_notation_of(row.values)), fold(row.values["issuer"]))
        found = (incoming.get(key), outgoing.get(key), archived.get(key))
        if any(found):
            duplicates[row.line] = found
    return duplicates


# --- Import ----------------------------------------------------------------------------------------------

def _read(package_file, metadata_file, folder_files):
    """(package, rows) or a ValidationError about the package or the sheet as a whole."""
    if folder_files:
        package_file = File(packages.package_from_files(folder_files), name="thu-muc.zip")
    package = packages.Package(package_file)
    if metadata_file:
        name, data = metadata_file.name, metadata_file.read()
    else:
        name, data = package.metadata()
    return package_file, package, name, packages.read_rows(name, data)


def _refuse(batch, errors):
    batch.status = ArchiveBatch.Status.REJECTED
    batch.save()
    BatchError.objects.bulk_create(BatchError(batch=batch, line=line, message=message) for line, message in errors)
    return batch


@transaction.atomic
def batch_import(*, membership, title, package_file=None, metadata_file=None, folder_files=None):
    """A new batch from a ZIP of scans (with its CSV/XLSX inside or given apart) or a folder's files. Refused whole
    (status rejected, its errors by line) when any row is bad; otherwise its documents exist, storing is queued."""
    batch = ArchiveBatch(agency=membership.agency, created_by=membership.user, title=title.strip())
    try:
        package_file, package, metadata_name, rows = _read(package_file, metadata_file, folder_files)
    except ValidationError as exc:
        return _refuse(batch, [(0, message) for message in exc.messages])
    batch.metadata_name = display_name(metadata_name)
    bad = check_rows(rows, package)
    if not rows:
        return _refuse(batch, [(1, _("Tệp dữ liệu không có văn bản nào."))])
    if bad:
        return _refuse(batch, [(row.line, "; ".join(row.errors)) for row in bad])
    duplicates = find_duplicates(batch.agency, rows)
    with removed_on_error() as written:
        package_file.seek(0)
        batch.source.save(f"{uuid.uuid4().hex}.zip", File(package_file), save=False)
        written.append(batch.source)
        batch.status, batch.total, batch.queued_at = ArchiveBatch.Status.STORING, len(rows), timezone.now()
        batch.save()
        ArchivedDocument.objects.bulk_create(_document(batch, row, duplicates.get(row.line)) for row in rows)
    _queue(batch.pk)
    return batch


def _document(batch, row, duplicate):
    values = row.values
    incoming, outgoing, archived = duplicate or (None, None, None)
    return ArchivedDocument(
        batch=batch, agency=batch.agency, line=row.line, number=str(values.get("number", "")),
        notation=str(values.get("notation", "")), doc_date=values["doc_date"], issuer=values["issuer"],
        doc_type=values["doc_type"], summary=values["summary"], box=str(values.get("box", "")),
        file_ref=str(values.get("file_ref", "")), scan_name=values["scan_info"].filename,
        duplicate_incoming=incoming, duplicate_outgoing=outgoing, duplicate_archived=archived,
    )


def _queue(batch_pk):
    from . import tasks

    transaction.on_commit(lambda: tasks.batch_store.delay(batch_pk), robust=True)


# --- Storing the scans -----------------------------------------------------------------------------------

def _claim(batch_pk):
    token, now = uuid.uuid4().hex, timezone.now()
    taken = ArchiveBatch.objects.filter(pk=batch_pk, status=ArchiveBatch.Status.STORING).exclude(
        claimed_until__gt=now).update(claim=token, claimed_until=now + timedelta(seconds=lease_seconds()))
    return token if taken else None


def _renew(batch_pk, token):
    until = timezone.now() + timedelta(seconds=lease_seconds())
    return ArchiveBatch.objects.filter(pk=batch_pk, claim=token).update(claimed_until=until) == 1


@transaction.atomic
def _store_one(document, package):
    info = package.find(document.scan_name)
    data = package.read(info)
    facts = check_scan(info.filename, data)
    with removed_on_error() as written:
        document.scan.save(display_name(info.filename), ContentFile(data), save=False)
        written.append(document.scan)
        document.scan_sha256, document.scan_content_type = sha256(data), facts.content_type
        document.save(update_fields=["scan", "scan_sha256", "scan_content_type"])
        text_request(document, "scan")


def batch_store(batch_pk):
    """Store the scans a batch (status storing) does not have yet, in line order, and ask for their text; then the
    batch reads (status reading). Does nothing while another run holds the batch's lease."""
    token = _claim(batch_pk)
    if token is None:
        return 0
    batch = ArchiveBatch.objects.get(pk=batch_pk)
    stored = 0
    with batch.source.open("rb") as source:
        package = packages.Package(source)
        for document in batch.documents.filter(scan="").order_by("line"):
            _store_one(document, package)
            stored += 1
            if not _renew(batch_pk, token):
                return stored
    ArchiveBatch.objects.filter(pk=batch_pk, claim=token).update(
        status=ArchiveBatch.Status.READING, claim="", claimed_until=None)
    batch_settle(batch_pk)
    return stored


def text_states(batch_pk):
    """{FileText state: count} of a batch's scans."""
    content_type = ContentType.objects.get_for_model(ArchivedDocument)
    ids = ArchivedDocument.objects.filter(batch_id=batch_pk).values("pk")
    rows = FileText.objects.filter(content_type=content_type, object_id__in=ids, field="scan").order_by()
    return dict(rows.values_list("state").annotate(count=Count("pk")))


def batch_settle(batch_pk):
    """A batch whose scans are all stored and whose every text is known (or failed) is done."""
    batch = ArchiveBatch.objects.get(pk=batch_pk)
    if batch.status != ArchiveBatch.Status.READING:
        return False
    finished = sum(count for state, count in text_states(batch_pk).items() if state in FINAL_TEXT_STATES)
    if finished < batch.total:
        return False
    return ArchiveBatch.objects.filter(pk=batch_pk, status=ArchiveBatch.Status.READING).update(
        status=ArchiveBatch.Status.DONE, finished_at=timezone.now()) == 1


def text_settled(file_text):
    """ocr announced a scan's text: its batch may be done."""
    if file_text.content_type.model_class() is not ArchivedDocument or file_text.field != "scan":
        return
    batch_pk = ArchivedDocument.objects.filter(pk=file_text.object_id).values_list("batch_id", flat=True).first()
    if batch_pk:
        batch_settle(batch_pk)


def batches_recover():
    """Beat: queue again the storing batches no live run holds (a crashed worker's, or one whose task was lost),
    and settle reading batches whose last text came without its announcement."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.ARCHIVE_REQUEUE_SECONDS)
    storing = ArchiveBatch.objects.filter(status=ArchiveBatch.Status.STORING, queued_at__lt=stale).exclude(
        claimed_until__gt=now)
    queued = list(storing.values_list("pk", flat=True))
    ArchiveBatch.objects.filter(pk__in=queued).update(queued_at=now)
    for pk in queued:
        _queue(pk)
    for pk in ArchiveBatch.objects.filter(status=ArchiveBatch.Status.READING).values_list("pk", flat=True):
        batch_settle(pk)
    return queued

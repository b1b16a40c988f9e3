"""What a file is, decided from its bytes (never its name), and whether the portal may take it.

Every upload path (outgoing main file and attachments, incoming from the portal, the mailbox and paper,
/verify/) and every view that serves a stored file asks this module. Messages are Vietnamese and name the
file; a library's own error text goes to the log, never into a message.
"""

import enum
import hashlib
import io
import logging
import math
import re
import unicodedata
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .text import nfc

logger = logging.getLogger(__name__)


class Kind(enum.StrEnum):
    PDF = "pdf"
    PNG = "png"
    JPEG = "jpeg"
    GIF = "gif"
    WEBP = "webp"
    TIFF = "tiff"
    BMP = "bmp"
    ZIP = "zip"
    OFFICE = "office"  # OOXML / OpenDocument: a zip container
    OLE = "ole"  # legacy .doc / .xls / .ppt
    OTHER = "other"


CONTENT_TYPES = {
    Kind.PDF: "application/pdf",
    Kind.PNG: "image/png",
    Kind.JPEG: "image/jpeg",
    Kind.GIF: "image/gif",
    Kind.WEBP: "image/webp",
    Kind.TIFF: "image/tiff",
    Kind.BMP: "image/bmp",
    Kind.ZIP: "application/zip",
    Kind.OFFICE: "application/octet-stream",
    Kind.OLE: "application/octet-stream",
    Kind.OTHER: "application/octet-stream",
}
IMAGES = frozenset({Kind.PNG, Kind.JPEG, Kind.GIF, Kind.WEBP, Kind.TIFF, Kind.BMP})
# Only these may be shown in the browser; anything else (HTML, SVG, text, office files) is a download.
INLINE = frozenset({Kind.PDF} | IMAGES)
SCANS = frozenset({Kind.PDF, Kind.PNG, Kind.JPEG, Kind.TIFF})

_MAGIC = [
    (b"%PDF-", Kind.PDF),
    (b"\x89PNG\r\n\x1a\n", Kind.PNG),
    (b"\xff\xd8\xff", Kind.JPEG),
    (b"GIF87a", Kind.GIF),
    (b"GIF89a", Kind.GIF),
    (b"II*\x00", Kind.TIFF),
    (b"MM\x00*", Kind.TIFF),
    (b"BM", Kind.BMP),
    (b"PK\x03\x04", Kind.ZIP),
    (b"PK\x05\x06", Kind.ZIP),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Kind.OLE),
]
_WHITESPACE = b" \t\r\n\x00\x0c"
# Actions that run something rather than go to a page.
_RUNNING_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/Rendition", "/GoToE",
                              "/RichMediaExecute"})
_MAX_OBJECTS = 200_000
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# A name ends at whitespace or a delimiter: /JS-Bold is a font, not script.
_RAW_TOKENS = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles|EmbeddedFile|FileAttachment|XFA)(?=[\s/<>\[\]()%{}]|$)")
_HTML = re.compile(rb"<\s*(script|html|!doctype\s+html|svg|iframe|object|embed)\b", re.IGNORECASE)


def max_upload_bytes():
    return settings.MAX_UPLOAD_MB * 1024 * 1024


def max_request_bytes():
    """A whole request (a form with its main file and attachments) above this is refused unread."""
    return settings.MAX_REQUEST_MB * 1024 * 1024


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def display_name(name):
    """The name a person sees and downloads: NFC (Vietnamese typed on macOS arrives NFD), no folders."""
    name = nfc(str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:255] or "tep"


def read_upload(upload):
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


@contextmanager
def removed_on_error():
    """Collects the stored files (FieldFile) written inside the block; if the block fails, they are deleted,
    since the rows that named them are rolled back. Use it inside the service's transaction.atomic."""
    written = []
    try:
        yield written
    except BaseException:
        for stored in written:
            if stored:
                stored.storage.delete(stored.name)
        raise


def sniff(data):
    """The kind of a file from its first bytes."""
    head = bytes(data[:64])
    if head.lstrip(_WHITESPACE).startswith(b"%PDF-"):
        return Kind.PDF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind.WEBP
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind == Kind.ZIP and _is_office(data):
                return Kind.OFFICE
            return kind
    return Kind.OTHER


def _is_office(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return False
    return "[Content_Types].xml" in names or "mimetype" in names


@dataclass(frozen=True)
class Facts:
    """What a file is: its kind, the type to serve it as, whether it may be shown inline, whether it opens as
    what it is (`problem`, "" when it does) and the active content found in it (`active`, Vietnamese)."""

    kind: Kind
    problem: str = ""
    active: tuple = field(default_factory=tuple)
    pages: int = 0
    problem_code: str = ""

    @property
    def content_type(self):
        return CONTENT_TYPES[self.kind]

    @property
    def inline(self):
        return self.kind in INLINE


def inspect(data, name=""):
    """Facts of a file from its bytes; `name` only goes into the messages."""
    data = bytes(data or b"")
    name = display_name(name) if name else _("tệp")
    kind = sniff(data)
    if kind == Kind.PDF:
        facts = _inspect_pdf(data)
    elif kind in IMAGES:
        problem = _image_problem(data)
        facts = Facts(kind, problem=problem, problem_code="corrupt" if problem else "")
    else:
        facts = Facts(kind)
    if facts.problem:
        facts = Facts(facts.kind, facts.problem % {"name": name}, facts.active, facts.pages, facts.problem_code)
    return facts


# --- Size ------------------------------------------------------------------------------------------

def check_size(name, size):
    if size > max_upload_bytes():
        raise ValidationError(too_large_message(name, size), code="too_large")


def too_large_message(name, size, limit_mb=None):
    limit_mb = limit_mb or settings.MAX_UPLOAD_MB
    # Rounded up, so a file just over the limit never reads as weighing exactly the limit.
    megabytes = number_format(math.ceil(size * 10 / (1024 * 1024)) / 10, 1, force_grouping=False)
    if name:
        return _("Tệp “%(name)s” nặng %(size)s MB, vượt giới hạn %(limit)s MB.") % {
            "name": display_name(name), "size": megabytes, "limit": limit_mb}
    return _("Dữ liệu gửi lên nặng %(size)s MB, vượt giới hạn %(limit)s MB.") % {"size": megabytes, "limit": limit_mb}


# --- Checks that raise ------------------------------------------------------------------------------

def active_content_message(name, facts):
    return _("Tệp “%(name)s” có nội dung chủ động: %(findings)s. Văn bản ký số không được chứa nội dung chạy "
             "được; hãy mở tệp và in lại ra PDF (Print to PDF) rồi tải lên bản mới.") % {
        "name": display_name(name), "findings": "; ".join(facts.active)}


def check_pdf(name, data, *, allow_active=False):
    """The facts of a sound PDF (readable, not encrypted, with pages and, unless allowed, no active content);
    anything else is refused with a message saying which."""
    check_size(name, len(data))
    facts = inspect(data, name)
    if facts.kind != Kind.PDF:
        raise ValidationError(_("Tệp “%(name)s” không phải tệp PDF.") % {"name": display_name(name)},
                              code="not_pdf")
    if facts.problem:
        raise ValidationError(facts.problem, code=facts.problem_code)
    if facts.active and not allow_active:
        raise ValidationError(active_content_message(name, facts), code="active_content")
    return facts


def check_scan(name, data):
    """A paper scan must open as what it is: a PDF whose pages parse, or a PNG, JPEG or TIFF that decodes."""
    check_size(name, len(data))
    if not data:
        raise ValidationError(_("Tệp “%(name)s” rỗng.") % {"name": display_name(name)}, code="empty")
    facts = inspect(data, name)
    if facts.kind not in SCANS:
        raise ValidationError(_("Tệp “%(name)s” không phải bản quét PDF, JPEG, PNG hay TIFF.")
                              % {"name": display_name(name)}, code="bad_scan")
    if facts.problem:
        raise ValidationError(facts.problem, code=facts.problem_code)
    return facts


# --- Images ----------------------------------------------------------------------------------------

def _image_problem(data):
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() misses a truncated body; decoding it does not
    except Exception as exc:  # noqa: BLE001 (a broken image fails in Pillow in many ways)
        logger.info("image does not decode: %r", exc)
        return _("Tệp “%(name)s” là ảnh bị hỏng hoặc không đầy đủ, không mở được.")
    return ""


# --- PDF ---------------------------------------------------------------------------------------------

def _inspect_pdf(data):
    from pyhanko.pdf_utils.reader import PdfFileReader

    findings = _FindingSet()
    findings.add_raw(data)
    findings.add_tail(data)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            return Facts(Kind.PDF, problem=_("Tệp “%(name)s” được đặt mật khẩu hoặc mã hóa; hãy gửi bản PDF "
                                             "không mã hóa."), active=findings.found(), problem_code="encrypted")
        pages = _page_count(reader)
        findings.walk(reader)
    except Exception as exc:  # noqa: BLE001 (the reader fails on garbage in many ways)
        logger.info("PDF not readable: %r", exc)
        return Facts(Kind.PDF, problem=_("Tệp “%(name)s” bị hỏng, không đọc được như PDF."),
                     active=findings.found(), problem_code="corrupt")
    if pages < 1:
        return Facts(Kind.PDF, problem=_("Tệp “%(name)s” không có trang nào."), active=findings.found(),
                     problem_code="empty")
    return Facts(Kind.PDF, active=findings.found(), pages=pages)


def _page_count(reader):
    """Leaves of the page tree, each a real page dictionary (the /Count alone can lie)."""
    from pyhanko.pdf_utils import generic

    count, todo, seen = 0, [reader.root["/Pages"]], set()
    while todo:
        node = todo.pop()
        if id(node) in seen or len(seen) > _MAX_OBJECTS:
            continue
        seen.add(id(node))
        if not isinstance(node, generic.DictionaryObject):
            raise ValueError("page tree node is not a dictionary")
        if "/Kids" in node:
            todo.extend(kid.get_object() for kid in node["/Kids"])
        else:
            count += 1
    return count


class _FindingSet:
    """Active content found so far, one Vietnamese phrase per kind."""

    def __init__(self):
        self.kinds = {}

    def add(self, key, text):
        self.kinds.setdefault(key, text)

    def found(self):
        return tuple(self.kinds.values())

    def javascript(self):
        self.add("js", _("mã JavaScript (/JS, /JavaScript)"))

    def running_action(self):
        self.add("action", _("hành động tự chạy khi mở tệp hoặc trang (/OpenAction, /AA)"))

    def launch(self):
        self.add("launch", _("lệnh mở chương trình hoặc tệp khác (/Launch)"))

    def embedded(self):
        self.add("embedded", _("tệp nhúng bên trong (/EmbeddedFiles, /FileAttachment)"))

    def xfa(self):
        self.add("xfa", _("biểu mẫu XFA (/XFA)"))

    def add_raw(self, data):
        """Names written in the file's uncompressed bytes, #-escapes undone (/J#61vaScript is /JavaScript)."""
        plain = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)
        for match in _RAW_TOKENS.finditer(plain):
            self._name(match.group(1).decode())
        if _HTML.search(data):
            self.add("html", _("mã HTML hoặc script lồng trong tệp"))

    def add_tail(self, data):
        """Bytes after the final %%EOF: an incremental update ends with its own %%EOF, so anything but
        whitespace there is another file riding along (a ZIP, HTML...)."""
        end = data.rfind(b"%%EOF")
        tail = data[end + 5:] if end >= 0 else b""
        if _is_zip(data):
            self.add("zip", _("một tệp ZIP gắn vào tệp PDF (tệp đa định dạng PDF/ZIP)"))
        elif tail.strip(_WHITESPACE):
            if _HTML.search(tail):
                self.add("tail", _("mã HTML gắn sau dấu kết thúc %%EOF"))
            else:
                self.add("tail", _("dữ liệu lạ gắn sau dấu kết thúc %%EOF"))

    def _name(self, name):
        if name in ("JS", "JavaScript"):
            self.javascript()
        elif name == "Launch":
            self.launch()
        elif name in ("EmbeddedFiles", "EmbeddedFile", "FileAttachment"):
            self.embedded()
        elif name == "XFA":
            self.xfa()

    def walk(self, reader):
        """Every object reachable from the trailer, object streams included (which the raw scan cannot see)."""
        from pyhanko.pdf_utils import generic

        root = reader.root
        if "/OpenAction" in root and self._runs(root["/OpenAction"]):
            self.running_action()
        todo, seen = [reader.trailer_view], set()
        while todo and len(seen) < _MAX_OBJECTS:
            obj = todo.pop()
            if isinstance(obj, generic.IndirectObject):
                key = (obj.idnum, obj.generation)
                if key in seen:
                    continue
                seen.add(key)
                try:
                    obj = obj.get_object()
                except Exception as exc:  # noqa: BLE001 (a dangling or broken reference is not content)
                    logger.info("PDF object %s unreadable: %r", key, exc)
                    continue
            if isinstance(obj, generic.DictionaryObject):
                self._dictionary(obj)
                todo.extend(obj.raw_get(k) for k in obj)
            elif isinstance(obj, generic.ArrayObject):
                todo.extend(obj.raw_get(i) for i in range(len(obj)))

    def _dictionary(self, obj):
        for key in obj:
            self._name(str(key)[1:])
        action = obj.raw_get("/S") if "/S" in obj else None
        if action is not None and str(action) in ("/JavaScript", "/Launch"):
            self._name(str(action)[1:])
        if "/AA" in obj:
            try:
                triggers = obj["/AA"]
                if any(self._runs(triggers[k]) for k in triggers):
                    self.running_action()
            except Exception as exc:  # noqa: BLE001
                logger.info("PDF /AA unreadable: %r", exc)
        if "/Subtype" in obj and str(obj.raw_get("/Subtype")) == "/FileAttachment":
            self.embedded()

    def _runs(self, action, depth=0):
        """Whether an action (or the chain of its /Next) runs something rather than going to a page."""
        from pyhanko.pdf_utils import generic

        action = action.get_object() if isinstance(action, generic.IndirectObject) else action
        if not isinstance(action, generic.DictionaryObject) or depth > 20:
            return False
        if "/S" in action and str(action["/S"]) in _RUNNING_ACTIONS:
            return True
        following = action.get("/Next")
        if following is None:
            return False
        following = following.get_object() if isinstance(following, generic.IndirectObject) else following
        chain = following if isinstance(following, generic.ArrayObject) else [following]
        return any(self._runs(step, depth + 1) for step in chain)


def _is_zip(data):
    # A ZIP is read from its end (the central directory), so one appended to a PDF opens as a ZIP.
    return b"PK\x05\x06" in data[-66_000:] and zipfile.is_zipfile(io.BytesIO(data))

"""From the raw bytes of an e-mail to readable Vietnamese: sender, subject, body text and attachments.

`parse_message` never raises: malformed MIME (bad boundaries, missing headers, broken base64, undecodable
bytes) gives whatever can be read plus a warning in Vietnamese. Text comes out as Unicode NFC, whatever its
charset label says (see charsets.py for TCVN3, VNI and windows-1258).
"""

import base64
import binascii
import email
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC
from email import errors as email_errors
from email import policy
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime, unquote
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from .charsets import ENCODING_LABELS, decode_bytes, nfc

logger = logging.getLogger(__name__)

_ENCODED_WORD = re.compile(rb"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FOLD = re.compile(r"\r?\n[ \t]*")


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    is_inline: bool = False


@dataclass
class ParsedMessage:
    message_id: str = ""
    sender_name: str = ""
    sender_email: str = ""
    subject: str = ""
    body_text: str = ""
    sent_at: object = None
    attachments: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def warn(self, message):
        if message not in self.warnings:
            self.warnings.append(message)


class _Notes:
    """Collects what had to be guessed or repaired while decoding, to become warnings."""

    def __init__(self):
        self.legacy = set()
        self.broken_words = False
        self.lossy = False

    def record(self, decoded):
        if decoded.legacy:
            self.legacy.add(decoded.legacy)
        self.lossy = self.lossy or decoded.lossy
        return decoded.text


def _clean(text):
    return nfc(_CONTROL.sub("", text)).strip()


# --- Headers --------------------------------------------------------------------------------------

def _header_bytes(value):
    """Raw header value as bytes: 8-bit bytes survive the parser as surrogate escapes."""
    if isinstance(value, bytes):
        return value
    return str(value).encode("ascii", "surrogateescape")


def _decode_encoded_word_payload(encoding, payload, notes):
    if encoding in b"Bb":
        cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", payload)
        cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
        try:
            return base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4))
        except (binascii.Error, ValueError):
            notes.broken_words = True
            return payload
    out = bytearray()
    i = 0
    payload = payload.replace(b"_", b" ")
    while i < len(payload):
        if payload[i : i + 1] == b"=" and re.fullmatch(rb"[0-9A-Fa-f]{2}", payload[i + 1 : i + 3] or b""):
            out.append(int(payload[i + 1 : i + 3], 16))
            i += 3
        else:
            if payload[i : i + 1] == b"=":
                notes.broken_words = True
            out += payload[i : i + 1]
            i += 1
    return bytes(out)


def decode_header_value(value, notes=None):
    """RFC 2047 encoded-words in any charset, broken or mixed, and raw 8-bit bytes, to one NFC line."""
    notes = notes or _Notes()
    raw = _FOLD.sub(" ", _header_bytes(value).decode("latin-1")).encode("latin-1")
    pieces = []  # (charset or None for raw text, bytes)
    position = 0
    for match in _ENCODED_WORD.finditer(raw):
        between = raw[position : match.start()]
        if between and not (between.isspace() and pieces and pieces[-1][0] is not None):
            pieces.append((None, between))
        charset = match.group(1).decode("ascii", "replace")
        data = _decode_encoded_word_payload(match.group(2), match.group(3), notes)
        if pieces and pieces[-1][0] is not None and pieces[-1][0].lower() == charset.lower():
            # Adjacent words in one charset are joined before decoding: a character may be split between them.
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + data)
        else:
            pieces.append((charset, data))
        position = match.end()
    if position < len(raw):
        pieces.append((None, raw[position:]))
    if b"=?" in raw and any(charset is None and b"=?" in data for charset, data in pieces):
        notes.broken_words = True
    text = "".join(notes.record(decode_bytes(data, charset)) for charset, data in pieces)
    return " ".join(_clean(text).split())


def _raw_header(message, name):
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return value
    return None


def _parse_sender(message, parsed, notes):
    raw = _raw_header(message, "From") or _raw_header(message, "Sender")
    if raw is None:
        parsed.warn(_("Thư không có người gửi (thiếu dòng From)."))
        return
    text = _header_bytes(raw).decode("ascii", "replace")
    addresses = [pair for pair in getaddresses([_FOLD.sub(" ", text)]) if pair[1]]
    if not addresses:
        parsed.warn(_("Không đọc được địa chỉ người gửi trong dòng From."))
        parsed.sender_name = decode_header_value(raw, notes)
        return
    name, address = addresses[0]
    parsed.sender_email = address.strip().strip("<>").lower()
    if name:
        name_bytes = _header_bytes(raw)
        # The display name may carry 8-bit bytes that getaddresses saw as "?": decode it from the raw value.
        angle = name_bytes.rfind(b"<")
        raw_name = name_bytes[:angle] if angle > 0 else name.encode("latin-1", "replace")
        parsed.sender_name = decode_header_value(raw_name.strip().strip(b'"'), notes).strip('"').strip()


def _parse_date(message, parsed):
    raw = _raw_header(message, "Date")
    if raw is None:
        parsed.warn(_("Thư không có ngày gửi (thiếu dòng Date)."))
        return
    try:
        sent_at = parsedate_to_datetime(_header_bytes(raw).decode("ascii", "replace").strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed.warn(_("Ngày gửi của thư không đúng định dạng: %(value)s.") % {"value": str(raw)[:80]})
        return
    if sent_at.tzinfo is None:  # "-0000": the sender did not know its zone; RFC 5322 reads it as UTC
        sent_at = sent_at.replace(tzinfo=UTC)
    parsed.sent_at = sent_at


# --- Body -----------------------------------------------------------------------------------------

class _HtmlText(HTMLParser):
    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
              "blockquote", "pre", "hr", "section", "article", "header", "footer"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in {"td", "th"}:
            self.parts.append("\t")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS and tag != "li":  # an item's line break comes with the next "- "
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping and data:
            # Runs of whitespace (nbsp included) become one space, kept at the edges between inline tags.
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html):
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)


def _part_text(part, payload, notes):
    charset = part.get_content_charset()
    if not charset and part.get_content_subtype() == "html":
        found = _META_CHARSET.search(payload[:4096])
        charset = found.group(1).decode("ascii") if found else None
    return notes.record(decode_bytes(payload, charset))


# --- Attachments ----------------------------------------------------------------------------------

_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|]+')


def _param(part, header, name):
    """A MIME parameter with its 8-bit bytes intact: one character per byte (latin-1), to decode later."""
    raw = _raw_header(part, header)
    if raw is None:
        return None
    holder = Message()
    holder[header] = _FOLD.sub(" ", _header_bytes(raw).decode("latin-1"))
    return holder.get_param(name, header=header)


def _filename(part, notes):
    value = None
    for header, name in (("Content-Disposition", "filename"), ("Content-Type", "name")):
        try:
            value = _param(part, header, name)
        except (ValueError, TypeError, LookupError, UnicodeError, IndexError):
            value = None
        if value:
            break
    if not value:
        return ""
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text whose code points are the bytes)
        charset, _language, text = value
        name = notes.record(decode_bytes(text.encode("latin-1", "replace"), charset or None))
    else:
        name = decode_header_value(unquote(value).encode("latin-1", "replace"), notes)
    name = _CONTROL.sub("", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = " ".join(_UNSAFE_NAME.sub("_", name).split()).strip(" .")
    return unicodedata.normalize("NFC", name)[:200]


_DEFAULT_EXTENSIONS = {"application/pdf": ".pdf", "text/plain": ".txt", "text/html": ".html",
                       "message/rfc822": ".eml", "image/png": ".png", "image/jpeg": ".jpg"}


def _fallback_name(content_type, number):
    return _("tep-dinh-kem-%(number)s") % {"number": number} + _DEFAULT_EXTENSIONS.get(content_type, ".bin")


# --- Defects --------------------------------------------------------------------------------------

def _defect_warning(defect):
    if isinstance(defect, (email_errors.StartBoundaryNotFoundDefect, email_errors.CloseBoundaryNotFoundDefect,
                           email_errors.NoBoundaryInMultipartDefect,
                           email_errors.MultipartInvariantViolationDefect)):
        return _("Cấu trúc MIME của thư bị lỗi (ranh giới giữa các phần bị thiếu hoặc sai); "
                 "đã giữ phần đọc được và thư gốc.")
    if isinstance(defect, (email_errors.InvalidBase64CharactersDefect, email_errors.InvalidBase64PaddingDefect,
                           email_errors.InvalidBase64LengthDefect)):
        return _("Có phần dữ liệu base64 bị hỏng; đã giữ phần giải mã được và thư gốc.")
    if isinstance(defect, email_errors.InvalidMultipartContentTransferEncodingDefect):
        return _("Thư nhiều phần khai báo kiểu mã hóa truyền không hợp lệ.")
    if isinstance(defect, (email_errors.MissingHeaderBodySeparatorDefect,
                           email_errors.FirstHeaderLineIsContinuationDefect,
                           email_errors.MisplacedEnvelopeHeaderDefect)):
        return _("Phần tiêu đề của thư không đúng chuẩn MIME.")
    return _("Thư có lỗi định dạng MIME (%(defect)s).") % {"defect": type(defect).__name__}


def _collect_defects(part, parsed):
    for defect in getattr(part, "defects", []):
        parsed.warn(_defect_warning(defect))


# --- The whole message ----------------------------------------------------------------------------

def _walk_leaves(part):
    """Leaf parts in order; a forwarded message (message/rfc822) stays one leaf, kept as an .eml file."""
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    for child in payload if isinstance(payload, list) else []:
        if isinstance(child, Message):
            yield from _walk_leaves(child)


def _leaf_bytes(part, parsed):
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        try:
            return inner.as_bytes() if isinstance(inner, Message) else _header_bytes(str(inner))
        except (UnicodeError, LookupError, ValueError, TypeError):
            parsed.warn(_("Không đọc trọn được một thư chuyển tiếp đính kèm."))
            return b""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _read(raw, parsed):
    message = email.message_from_bytes(raw, policy=policy.compat32)
    notes = _Notes()
    _collect_defects(message, parsed)
    subject = _raw_header(message, "Subject")
    parsed.subject = decode_header_value(subject, notes) if subject is not None else ""
    if subject is None:
        parsed.warn(_("Thư không có tiêu đề (thiếu dòng Subject)."))
    _parse_sender(message, parsed, notes)
    _parse_date(message, parsed)
    message_id = _raw_header(message, "Message-ID")
    parsed.message_id = _header_bytes(message_id).decode("ascii", "replace").strip()[:995] if message_id else ""

    plain, html = [], []
    for number, part in enumerate(_walk_leaves(message), start=1):
        try:
            _collect_defects(part, parsed)
            content_type = part.get_content_type()
            disposition = str(part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
            name = _filename(part, notes)
            data = _leaf_bytes(part, parsed)
            _collect_defects(part, parsed)  # decoding the payload may add defects (bad base64)
            is_body = (content_type in ("text/plain", "text/html") and disposition != "attachment" and not name)
            if is_body:
                (plain if content_type == "text/plain" else html).append(_part_text(part, data, notes))
                continue
            if content_type.startswith("multipart/"):  # boundaries broken: its text is all there is
                plain.append(_part_text(part, data, notes))
                continue
            parsed.attachments.append(ParsedAttachment(
                filename=name or _fallback_name(content_type, number),
                content_type=content_type,
                data=data,
                is_inline=disposition == "inline" or (not name and bool(part.get("Content-ID"))),
            ))
        except (LookupError, ValueError, TypeError, UnicodeError, AttributeError, binascii.Error):
            logger.warning("Unreadable MIME part %s", number, exc_info=True)
            parsed.warn(_("Không đọc được một phần của thư (phần thứ %(number)s); thư gốc vẫn được lưu.")
                        % {"number": number})

    body = "\n\n".join(text.strip() for text in plain if text.strip())
    if not body and html:
        body = "\n\n".join(html_to_text(text) for text in html)
    parsed.body_text = nfc(body.replace("\r\n", "\n").replace("\r", "\n")).strip()

    if notes.broken_words:
        parsed.warn(_("Tiêu đề hoặc tên tệp có đoạn mã hóa (RFC 2047) bị hỏng; đã đọc phần đọc được."))
    if notes.lossy:
        parsed.warn(_("Có ký tự không giải mã được theo bảng mã đã khai báo; đã thay bằng ký tự “�”."))
    for encoding in sorted(notes.legacy):
        parsed.warn(_("Văn bản dùng bảng mã cũ %(encoding)s; đã tự chuyển sang Unicode, cần kiểm tra lại.")
                    % {"encoding": ENCODING_LABELS[encoding]})


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse one e-mail; whatever goes wrong, return what could be read and say what went wrong."""
    parsed = ParsedMessage()
    try:
        _read(raw, parsed)
    except Exception:  # noqa: BLE001 — the import must never stop on one unreadable message; the raw .eml is kept
        logger.exception("Could not parse an e-mail of %s bytes", len(raw))
        parsed.warn(_("Không phân tích được cấu trúc thư; đã lưu thư gốc để xem lại."))
        if not parsed.body_text:
            parsed.body_text = decode_bytes(raw.partition(b"\r\n\r\n")[2] or raw).text[:100_000]
    if not raw.strip():
        parsed.warn(_("Thư rỗng."))
    return parsed

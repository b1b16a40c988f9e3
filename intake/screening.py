"""Screening of attachments before anyone can download them.

An attachment is refused when it is too large, executable (by name or by its first bytes), an archive that
would unpack to far more than it weighs or that holds other archives or programs, or a file that claims to
be a PDF and is not one. Refused files are still kept, quarantined, with the reason shown to the clerk.
"""

import bz2
import datetime
import gzip
import io
import logging
import lzma
import tarfile
import zipfile
import zlib
from dataclasses import dataclass

import py7zr
import rarfile
from django.utils.translation import gettext as _

from core import files as core_files
from pki.validation import validate_pdf

logger = logging.getLogger(__name__)

EXECUTABLE_EXTENSIONS = frozenset(
    ".exe .com .bat .cmd .scr .pif .msi .msp .mst .dll .cpl .sys .drv .ocx .vbs .vbe .js .jse .wsf .wsh .ps1 "
    ".psm1 .psd1 .hta .jar .lnk .reg .sh .bash .app .apk .dmg .elf .run .gadget .msc .application "
    ".appref-ms .scf .inf .iso .img .vhd .vhdx .xll .chm".split()
)
ARCHIVE_EXTENSIONS = frozenset(".zip .rar .7z .gz .tgz .tar .bz2 .xz .z .lz .lzma .zst .cab .arj .ace".split())
# (magic bytes, offset, sniffed content type); executables first.
SIGNATURES = [
    (b"MZ", 0, "application/x-msdownload"),
    (b"\x7fELF", 0, "application/x-executable"),
    (b"\xcf\xfa\xed\xfe", 0, "application/x-mach-binary"),
    (b"\xce\xfa\xed\xfe", 0, "application/x-mach-binary"),
    (b"\xca\xfe\xba\xbe", 0, "application/java-vm"),
    (b"#!", 0, "text/x-shellscript"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"PK\x05\x06", 0, "application/zip"),
    (b"Rar!\x1a\x07", 0, "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", 0, "application/x-7z-compressed"),
    (b"\x1f\x8b", 0, "application/gzip"),
    (b"BZh", 0, "application/x-bzip2"),
    (b"\xfd7zXZ\x00", 0, "application/x-xz"),
    (b"ustar", 257, "application/x-tar"),
    (b"MSCF", 0, "application/vnd.ms-cab-compressed"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "application/x-ole-storage"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF8", 0, "image/gif"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"{\\rtf", 0, "application/rtf"),
]
EXECUTABLE_TYPES = frozenset(
    {"application/x-msdownload", "application/x-executable", "application/x-mach-binary", "application/java-vm",
     "text/x-shellscript"}
)
ARCHIVE_TYPES = frozenset(
    {"application/zip", "application/vnd.rar", "application/x-7z-compressed", "application/gzip",
     "application/x-bzip2", "application/x-xz", "application/x-tar", "application/vnd.ms-cab-compressed"}
)
# Office and OpenDocument files are zip containers of their own; they are still checked as archives.
MAX_RATIO = 100  # unpacked / packed
MAX_MEMBERS = 10_000
RATIO_FLOOR_BYTES = 10 * 1024 * 1024  # small archives may compress well without being a threat


@dataclass
class Verdict:
    accepted: bool
    sniffed_type: str
    reason: str = ""
    active: tuple = ()  # active content found (core.files): accepted as evidence, flagged to the clerk


def max_unpacked_bytes():
    return 10 * core_files.max_upload_bytes()


def _extension(name):
    name = name.lower().strip()
    return "." + name.rsplit(".", 1)[1] if "." in name else ""


def sniff(data):
    for magic, offset, content_type in SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            if content_type == "application/zip":
                return _zip_flavour(data)
            return content_type
    head = data[:4096]
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            if sum(byte < 0x09 for byte in head) == 0:
                return "text/plain"
    return "application/octet-stream"


def _zip_flavour(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                if any(name.startswith("word/") for name in names):
                    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                if any(name.startswith("xl/") for name in names):
                    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                if any(name.startswith("ppt/") for name in names):
                    return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            if "mimetype" in names:
                return archive.read("mimetype").decode("ascii", "replace").strip()[:100] or "application/zip"
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, KeyError, NotImplementedError,
            RuntimeError, EOFError, zlib.error):
        pass
    return "application/zip"


def _is_zip_container(sniffed):
    return sniffed == "application/zip" or sniffed.startswith(("application/vnd.openxmlformats", "application/vnd.oasis"))


# --- Archives -------------------------------------------------------------------------------------

@dataclass
class _Listing:
    members: list  # (name, unpacked size)
    packed: int


def _list_zip(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        return _Listing([(info.filename, info.file_size) for info in infos], sum(i.compress_size for i in infos))


def _list_rar(data):
    with rarfile.RarFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        return _Listing([(info.filename, info.file_size or 0) for info in infos],
                        sum(info.compress_size or 0 for info in infos))


def _list_7z(data):
    with py7zr.SevenZipFile(io.BytesIO(data), mode="r") as archive:
        infos = archive.list()
        return _Listing([(info.filename, info.uncompressed or 0) for info in infos],
                        sum(info.compressed or 0 for info in infos if info.compressed))


def _stream_lister(opener):
    def lister(data):
        # Unpack at most the limit plus one byte: the real size, unlike a gzip trailer, cannot lie.
        limit = max_unpacked_bytes()
        unpacked = bytearray()
        with opener(io.BytesIO(data)) as stream:
            while len(unpacked) <= limit:
                chunk = stream.read(1024 * 1024)
                if not chunk:
                    break
                unpacked += chunk
        inner = bytes(unpacked)
        members = [("", len(inner))]
        if len(inner) <= limit:
            inner_type = sniff(inner)
            if inner_type == "application/x-tar":
                with tarfile.open(fileobj=io.BytesIO(inner)) as archive:
                    members = [(member.name, member.size) for member in archive.getmembers()]
            elif inner_type in ARCHIVE_TYPES:
                members = [("inner" + _inner_extension(inner_type), len(inner))]
        return _Listing(members, len(data))

    return lister


def _inner_extension(content_type):
    return {"application/zip": ".zip", "application/vnd.rar": ".rar", "application/x-7z-compressed": ".7z",
            "application/gzip": ".gz"}.get(content_type, ".tar")


def _list_tar(data):
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        return _Listing([(member.name, member.size) for member in archive.getmembers()], len(data))


LISTERS = {
    "application/zip": _list_zip,
    "application/vnd.rar": _list_rar,
    "application/x-7z-compressed": _list_7z,
    "application/gzip": _stream_lister(lambda f: gzip.GzipFile(fileobj=f)),
    "application/x-bzip2": _stream_lister(bz2.BZ2File),
    "application/x-xz": _stream_lister(lzma.LZMAFile),
    "application/x-tar": _list_tar,
}
_ARCHIVE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, rarfile.Error, py7zr.exceptions.ArchiveError,
                   tarfile.TarError, gzip.BadGzipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError, KeyError,
                   NotImplementedError, RuntimeError, IndexError, AttributeError, TypeError)


def _check_archive(sniffed, data):
    """A refusal reason, or "" when the archive is safe to offer."""
    lister = LISTERS.get("application/zip" if _is_zip_container(sniffed) else sniffed)
    if lister is None:
        return _("Kiểu tệp nén này không kiểm tra được nội dung nên không được nhận.")
    try:
        listing = lister(data)
    except _ARCHIVE_ERRORS as exc:
        logger.info("Unreadable archive (%s): %s", sniffed, exc)
        return _("Tệp nén bị hỏng hoặc có mật khẩu nên không kiểm tra được nội dung.")
    unpacked = sum(size for _name, size in listing.members)
    if len(listing.members) > MAX_MEMBERS:
        return _("Tệp nén chứa quá nhiều tệp (%(count)s), có dấu hiệu bom nén.") % {"count": len(listing.members)}
    if unpacked > max_unpacked_bytes():
        return _("Bom nén: khi giải nén sẽ chiếm %(size)s MB, vượt giới hạn %(limit)s MB.") % {
            "size": unpacked // (1024 * 1024), "limit": max_unpacked_bytes() // (1024 * 1024)}
    packed = max(listing.packed, 1)
    if unpacked > RATIO_FLOOR_BYTES and unpacked / packed > MAX_RATIO:
        return _("Bom nén: tỉ lệ nén %(ratio)s lần, vượt mức cho phép %(limit)s lần.") % {
            "ratio": int(unpacked / packed), "limit": MAX_RATIO}
    if _is_zip_container(sniffed) and sniffed != "application/zip":
        return ""  # a .docx or .odt holds XML and media, not files for the user to unpack
    for name, _size in listing.members:
        extension = _extension(name)
        if extension in ARCHIVE_EXTENSIONS:
            return _("Tệp nén lồng nhau (chứa tệp nén “%(name)s”) không được nhận.") % {"name": name}
        if extension in EXECUTABLE_EXTENSIONS:
            return _("Tệp nén chứa tệp chạy được “%(name)s”.") % {"name": name}
    return ""


# --- PDF ------------------------------------------------------------------------------------------

def _check_pdf(facts):
    if facts.kind != core_files.Kind.PDF:
        return _("Tệp được khai báo là PDF nhưng không phải PDF (không có phần đầu %PDF-).")
    return facts.problem


# --- The verdict ----------------------------------------------------------------------------------

def screen(filename, declared_type, data):
    """Decide whether an attachment may be offered for download."""
    sniffed = sniff(data)
    extension = _extension(filename)
    if len(data) > core_files.max_upload_bytes():
        return Verdict(False, sniffed, core_files.too_large_message(filename, len(data)))
    if extension in EXECUTABLE_EXTENSIONS:
        return Verdict(False, sniffed, _("Tệp chạy được (phần mở rộng %(ext)s) không được nhận.") % {"ext": extension})
    if sniffed in EXECUTABLE_TYPES:
        return Verdict(False, sniffed, _("Nội dung tệp là chương trình chạy được (%(type)s) dù tên là “%(name)s”.")
                       % {"type": sniffed, "name": filename})
    facts = core_files.inspect(data, filename)
    claims_pdf = extension == ".pdf" or declared_type.lower() == "application/pdf"
    if claims_pdf:
        reason = _check_pdf(facts)
        if reason:
            return Verdict(False, sniffed, reason, facts.active)
    if sniffed in ARCHIVE_TYPES or _is_zip_container(sniffed) or extension in ARCHIVE_EXTENSIONS:
        if sniffed not in ARCHIVE_TYPES and not _is_zip_container(sniffed):
            return Verdict(False, sniffed, _("Tệp mang tên tệp nén nhưng nội dung không đọc được như tệp nén."))
        reason = _check_archive(sniffed, data)
        if reason:
            return Verdict(False, sniffed, reason)
    return Verdict(True, sniffed, active=facts.active)


# --- Signatures -----------------------------------------------------------------------------------

@dataclass
class SignatureVerdict:
    """pki.validation's word on a PDF, kept on the attachment so the clerk sees it before registering."""

    status: str = ""  # an InboundAttachment.Signature value; blank when the file is not a PDF
    summary: str = ""
    signer: str = ""
    signed_at: datetime.datetime | None = None


def check_signature(sniffed_type, data):
    """Validate the signatures of an accepted PDF (tampered, untrusted, unsigned...); nothing for other files."""
    if sniffed_type != "application/pdf":
        return SignatureVerdict()
    report = validate_pdf(data)
    if report.error or not report.signed:
        return SignatureVerdict(report.status, report.summary)
    last = report.last_signer or report.signatures[-1]
    # A certificate revoked before signing makes the signature invalid (InboundAttachment has no own word for it).
    status = "invalid" if report.status == "revoked" else report.status
    return SignatureVerdict(status, " ".join(s.summary for s in report.signatures), last.signer_name[:255],
                            last.signed_at)

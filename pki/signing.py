"""PAdES signatures (baseline B-B) with a visible stamp, made with pyHanko.

Two appearances, after Decree 30/2020 Annex I: `sign_pdf` puts the agency's stamp at the bottom right of
page 1 (agency, number and notation, signing time, optionally a QR code of the verification URL);
`stamp_attachment` puts the text-only agency signature of an attachment at the top right of page 1.

Signing is on the hot path of issuing documents, so the expensive parts are done once per process and
reused: the decrypted key and signer (per certificate pk + fingerprint), the size of the signature
container (computed from the key and chain instead of a trial signature) and the font (Liberation Serif
cut once to the Vietnamese code points and embedded whole, instead of a new subset per signature).
bench/README.md has the figures.
"""

import asyncio
import base64
import hashlib
import logging
import textwrap
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from asn1crypto import cms, pem
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from fontTools import subset as ft_subset
from fontTools import ttLib
from fontTools.ttLib.scaleUpem import scale_upem
from PIL import Image
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.form_tools import populate_static_text_field
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import init_xobject_dictionary
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter, append_signature_field, enumerate_sig_fields
from pyhanko.sign.signers import ExternalSigner, PdfSignatureMetadata, PdfSigner, Signer, SimpleSigner
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, PdfTBSDocument, SigDSSPlacementPreference
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation.dss import async_add_validation_info
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import QRStampStyle, StaticStampStyle, TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator

from core import files as core_files
from core.crypto import decrypt
from core.text import nfc

from . import aio, trust
from . import layout as page_layout
from .errors import (
    AlreadyPrepared,
    AlreadySigned,
    CertificateExpired,
    InvalidImage,
    InvalidPdf,
    NotPrepared,
    RemoteSignatureInvalid,
    SignerSignatureMissing,
    SigningError,
    SigningFieldsMissing,
    signing_error_from,
)
from .http_session import OperationSession, operation_session

# fontTools reports every table it leaves out of a subset on the root logger; that is not news.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
# pyHanko warns when an image scaled to its box comes out a rounding error (1e-14 pt) wider than the box.
logging.getLogger("pyhanko.pdf_utils.layout").setLevel(logging.ERROR)

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
FONT_DIR = Path(__file__).resolve().parent.parent / "core" / "fonts"
SERIF = FONT_DIR / "LiberationSerif-Regular.ttf"
MM = 72 / 25.4

# What a Vietnamese stamp can need: ASCII, Latin-1, the Vietnamese letters outside them, common punctuation,
# the đồng and numero signs. Anything else shows as the .notdef box.
_STAMP_CODEPOINTS = [
    *range(0x20, 0x7F), *range(0xA0, 0x100),
    0x102, 0x103, 0x110, 0x111, 0x128, 0x129, 0x168, 0x169, 0x1A0, 0x1A1, 0x1AF, 0x1B0, *range(0x1EA0, 0x1EFA),
    0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026, 0x20AB, 0x2116,
]


@dataclass
class StampInfo:
    agency_name: str
    number_notation: str
    signed_at: datetime
    signer_name: str = ""
    verify_url: str = ""


def iso_vietnam(moment):
    """ISO 8601 with Vietnam's offset, seconds precision: 2026-11-21T09:30:00+07:00."""
    if timezone.is_naive(moment):
        raise ValueError("signed_at must be an aware datetime")
    return moment.astimezone(VIETNAM).replace(microsecond=0).isoformat()


# --- font ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _stamp_font_bytes(path):
    """The stamp font, cut once per process to the code points above: ~300 glyphs, ~9 KB compressed.

    Without hinting programs and layout tables (NFC Vietnamese needs no mark positioning), so embedding it
    whole costs less than pyHanko's per-signature subset of the full font, and no time at all.
    """
    options = ft_subset.Options(layout_closure=False, notdef_outline=True, hinting=False)
    options.layout_features = []
    options.drop_tables += ["GPOS", "GDEF", "GSUB", "FFTM", "kern"]
    font = ttLib.TTFont(path)
    subsetter = ft_subset.Subsetter(options=options)
    subsetter.populate(unicodes=_STAMP_CODEPOINTS)
    subsetter.subset(font)
    # pyHanko writes glyph widths (/W) in font units as if the em were 1000 units; Liberation's is 2048.
    scale_upem(font, 1000)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


@lru_cache(maxsize=4)
def _font_metrics(path):
    font = ttLib.TTFont(BytesIO(_stamp_font_bytes(path)))
    cmap, hmtx = font.getBestCmap(), font["hmtx"]
    advances = {cp: hmtx[name][0] for cp, name in cmap.items()}
    return advances, hmtx[".notdef"][0], font["head"].unitsPerEm


def text_width(text, size, path=SERIF):
    """Width in points of one line set in the stamp font."""
    advances, default, units = _font_metrics(str(path))
    return sum(advances.get(ord(ch), default) for ch in text) * size / units


# pyHanko has no public way to embed a font subset cut in advance: these two classes set its internals
# (CIDFontType2._font_descriptor and set_font_file, GlyphAccumulator._subset_created), pinned to
# pyHanko 0.38; tests/test_private_apis.py fails loudly on an upgrade that changes them.
class _PrecutCIDFont(CIDFontType2):
    def __init__(self, tt, base_ps_name, subset_prefix, font_bytes):
        super().__init__(tt, base_ps_name, subset_prefix)
        self._font_bytes = font_bytes

    def set_font_file(self, writer):
        stream = generic.StreamObject(stream_data=self._font_bytes)
        stream.compress()
        ref = writer.add_object(stream)
        self._font_descriptor[generic.pdf_name("/FontFile2")] = ref
        return ref


class _PrecutGlyphAccumulator(GlyphAccumulator):
    """pyHanko's TrueType engine, embedding the pre-cut font as it is instead of cutting a subset each time."""

    def __init__(self, *, font_bytes, **kwargs):
        super().__init__(font_handle=BytesIO(font_bytes), **kwargs)
        base_ps_name = self.cidfont_obj.name.split("+", 1)[1]
        self.cidfont_obj = _PrecutCIDFont(self.tt, base_ps_name, self.subset_prefix, font_bytes)
        self._subset_created = True


@dataclass(frozen=True)
class StampFont(GlyphAccumulatorFactory):
    """Engine factory for the stamp font (font_file: the full TTF the pre-cut font is made from)."""

    def create_font_engine(self, writer, obj_stream=None):
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return _PrecutGlyphAccumulator(
            writer=writer, font_bytes=_stamp_font_bytes(self.font_file), font_size=self.font_size,
            bcp47_lang_code=self.bcp47_lang_code, obj_stream=obj_stream,
        )


# --- signer cache --------------------------------------------------------------------------------------

class KeptKeySigner(SimpleSigner):
    """A SimpleSigner that keeps the parsed private key.

    pyHanko's SimpleSigner parses (and, for RSA, re-validates) the key on every raw signature; here it
    was parsed once when the signer was cached.
    """

    def __init__(self, *, private_key, **kwargs):
        super().__init__(**kwargs)
        self._private_key = private_key

    def sign_raw(self, data, digest_algorithm):
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algorithm = getattr(hashes, digest_algorithm.upper().replace("-", "_"))()
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._private_key, rsa.RSAPrivateKey):
            return self._private_key.sign(data, PKCS1v15(), hash_algorithm)
        if mechanism == "ecdsa" and isinstance(self._private_key, ec.EllipticCurvePrivateKey):
            return self._private_key.sign(data, ec.ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)


@dataclass(frozen=True)
class _Kept:
    signer: KeptKeySigner
    bytes_reserved: int


_kept = OrderedDict()
_kept_lock = threading.Lock()
_KEPT_MAX = 64


def _certificates_from_pem(text):
    if not text.strip():
        return []
    return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(text.encode("ascii"), multiple=True)]


def signature_bytes_reserved(signing_cert, chain, private_key):
    """Room for the CMS container, hex-encoded, from the key size and the certificates it embeds.

    Fixed part: SignerInfo, signed attributes (content type, digest, signing-certificate-v2 with the
    issuer name) and algorithm identifiers stay well under 1 KB plus the issuer name twice.
    """
    if isinstance(private_key, rsa.RSAPrivateKey):
        signature = private_key.key_size // 8
    elif isinstance(private_key, ec.EllipticCurvePrivateKey):
        signature = 2 * ((private_key.key_size + 7) // 8) + 9
    else:
        signature = 512
    certificates = len(signing_cert.dump()) + sum(len(c.dump()) for c in chain)
    issuer = len(signing_cert.issuer.dump())
    der = signature + certificates + 2 * issuer + 1024
    return 2 * der


def _load_signer(certificate):
    key_der = decrypt(certificate.private_key_encrypted)
    private_key = serialization.load_der_private_key(key_der, password=None)
    signing_cert = _certificates_from_pem(certificate.certificate_pem)[0]
    chain = _certificates_from_pem(certificate.chain_pem)
    registry = SimpleCertificateStore()
    registry.register_multiple(chain)
    signer = KeptKeySigner(
        private_key=private_key,
        signing_cert=signing_cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=registry,
    )
    return _Kept(signer, signature_bytes_reserved(signing_cert, chain, private_key))


def kept_signer(certificate):
    """The cached signer of this certificate (loaded on first use, keyed by pk and fingerprint)."""
    cache_key = (certificate.pk, certificate.fingerprint_sha256)
    with _kept_lock:
        kept = _kept.get(cache_key)
        if kept is not None:
            _kept.move_to_end(cache_key)
            return kept
    kept = _load_signer(certificate)
    with _kept_lock:
        _kept[cache_key] = kept
        while len(_kept) > _KEPT_MAX:
            _kept.popitem(last=False)
    return kept


# --- PDF -----------------------------------------------------------------------------------------------

def _open(pdf_bytes, *, page_box=True):
    """A writer on the PDF (InvalidPdf if it is not one we can sign) and page 1's box when asked: finding a page
    walks the page tree, which costs on long files the engine has already prepared."""
    if not isinstance(pdf_bytes, bytes | bytearray | memoryview) or core_files.sniff(pdf_bytes) != core_files.Kind.PDF:
        raise InvalidPdf()
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
        if writer.prev.encrypted:
            raise InvalidPdf()
        box = page_layout.page_box(writer, 0) if page_box else None
    except InvalidPdf:
        raise
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, OSError) as exc:
        raise InvalidPdf() from exc
    return writer, box


def _field_name(writer):
    taken = {name for name, _value, _ref in enumerate_sig_fields(writer.prev, filled_status=None)}
    n = len(taken) + 1
    while f"ChuKySo{n}" in taken:
        n += 1
    return f"ChuKySo{n}"


def _sign(pdf_bytes, certificate, signed_at, style, text_params, place):
    if not certificate.is_valid_at():
        raise CertificateExpired()
    kept = kept_signer(certificate)
    writer, page_box = _open(pdf_bytes)
    field_name = _field_name(writer)
    meta = PdfSignatureMetadata(field_name=field_name, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256")
    pdf_signer = PdfSigner(
        meta, kept.signer, stamp_style=style,
        new_field_spec=SigFieldSpec(field_name, on_page=0, box=place(page_box)),
    )
    session = pdf_signer.init_signing_session(writer)
    # The stamp, the signature dictionary's /M and the caller's record show one and the same moment.
    session.system_time = signed_at
    tbs = session.prepare_tbs_document(
        validation_info=None, bytes_reserved=kept.bytes_reserved, appearance_text_params=text_params
    )
    prepared, output = tbs.digest_tbs_document(in_place=True)
    signed_attrs = PdfCMSSignedAttributes(signing_time=signed_at)

    async def finish():
        post = await tbs.perform_signature(prepared.document_digest, signed_attrs)
        await post.post_signature_processing(output)

    aio.call(asyncio.run, finish())
    return output.getvalue()


def _nfc(text):
    return nfc(text).strip()


def _short_url(url):
    return url.split("://", 1)[-1].rstrip("/")


# --- the two appearances -------------------------------------------------------------------------------

def main_stamp_text(stamp):
    """The lines of sign_pdf's stamp: agency, number and notation, time; signer and short URL if given.

    Never a citizen's lookup code: every recipient gets this same signed copy; the code is in their e-mail."""
    lines = textwrap.wrap(_nfc(stamp.agency_name), width=42) or [""]
    lines.append(_("Số, ký hiệu: %(notation)s") % {"notation": _nfc(stamp.number_notation)})
    lines.append(_("Thời gian ký: %(time)s") % {"time": iso_vietnam(stamp.signed_at)})
    if stamp.signer_name:
        lines.append(_("Người ký: %(name)s") % {"name": _nfc(stamp.signer_name)})
    if stamp.verify_url:
        lines.append(_("Kiểm tra: %(url)s") % {"url": _short_url(stamp.verify_url)})
    return "\n".join(lines)


def main_stamp_style(*, with_qr, font=None):
    """Style of the agency stamp of sign_pdf; `font` defaults to the cached Vietnamese subset."""
    text_style = TextBoxStyle(font=font or StampFont(str(SERIF), font_size=9), font_size=9)
    common = {"stamp_text": "%(content)s", "text_box_style": text_style, "border_width": 1, "background": None}
    if with_qr:
        return QRStampStyle(**common, innsep=3)
    return TextStampStyle(**common)


def main_stamp_box(page_box):
    """Bottom right of the page, inside it, sized to the page (a quarter of A4's width and a bit more)."""
    x0, y0, x1, y1 = page_box
    width, height = x1 - x0, y1 - y0
    margin = min(width, height) * 0.03
    w = min(max(width * 0.45, 160), 300, width - 2 * margin)
    h = min(w * 0.36, height - 2 * margin)
    return (round(x1 - margin - w, 2), round(y0 + margin, 2), round(x1 - margin, 2), round(y0 + margin + h, 2))


def sign_pdf(pdf_bytes, *, certificate, stamp: StampInfo) -> bytes:
    """The PDF with the agency's PAdES signature and its visible stamp at the bottom right of page 1."""
    params = {"content": main_stamp_text(stamp)}
    if stamp.verify_url:
        params["url"] = stamp.verify_url
    style = main_stamp_style(with_qr=bool(stamp.verify_url))
    return _sign(pdf_bytes, certificate, stamp.signed_at, style, params, main_stamp_box)


ATTACHMENT_FONT_SIZE = 10
_ATTACHMENT_PADDING = 2


def _attachment_style():
    text_style = TextBoxStyle(
        font=StampFont(str(SERIF), font_size=ATTACHMENT_FONT_SIZE), font_size=ATTACHMENT_FONT_SIZE,
        text_color=(0, 0, 0),
        box_layout_rule=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins.uniform(_ATTACHMENT_PADDING),
        ),
    )
    return TextStampStyle(
        stamp_text="%(content)s", text_box_style=text_style, border_width=0, background=None,
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MAX, y_align=layout.AxisAlignment.ALIGN_MAX,
            inner_content_scaling=layout.InnerScaling.NO_SCALING,
        ),
    )


def stamp_attachment(pdf_bytes, *, stamp: StampInfo, signer: Signer | None = None, certificate=None,
                     prefetched=None) -> bytes:
    """The attachment with the agency's signature shown as text at the top right of page 1.

    Decree 30 Annex I: no image; number and notation and the signing time in ISO 8601 with +07:00;
    Times New Roman (here its metric twin Liberation Serif), 10 pt, black. With `signer` (a pyHanko Signer):
    PAdES B-LT, timestamped when a TSA is configured. With `certificate` (an AgencyCertificate, the callers
    of before issue 11): B-B with the cached portal key.
    """
    lines = [_nfc(stamp.number_notation), iso_vietnam(stamp.signed_at)]
    width = max(text_width(line, ATTACHMENT_FONT_SIZE) for line in lines) + 2 * _ATTACHMENT_PADDING + 4
    height = len(lines) * ATTACHMENT_FONT_SIZE + 2 * _ATTACHMENT_PADDING + 4

    def place(page_box):
        x0, y0, x1, y1 = page_box
        right, top = min(15 * MM, (x1 - x0) / 10), min(6 * MM, (y1 - y0) / 20)
        return (round(x1 - right - width, 2), round(y1 - top - height, 2), round(x1 - right, 2), round(y1 - top, 2))

    params = {"content": "\n".join(lines)}
    if signer is None:
        return _sign(pdf_bytes, certificate, stamp.signed_at, _attachment_style(), params, place)
    _check_validity(signer, stamp.signed_at)
    writer, page_box = _open(pdf_bytes)
    field_name = _field_name(writer)
    meta = _signature_metadata(field_name, name=_nfc(stamp.agency_name), reason=REASON_ISSUE, location="",
                               prefetched=prefetched)
    pdf_signer = PdfSigner(meta, signer, timestamper=_timestamper(), stamp_style=_attachment_style(),
                           new_field_spec=SigFieldSpec(field_name, on_page=0, box=place(page_box)))
    return _run(_sign_session, pdf_signer, writer, stamp.signed_at, params, context=meta.validation_context)


# --- the engine of docs/signatures.md: prepare, signer, seal -------------------------------------------

SIGNER_FIELD, SEAL_FIELD, NUMBER_FIELD, DATE_FIELD = "ChuKyNguoiKy", "ChuKyCoQuan", "SoKyHieu", "NgayBanHanh"
# What the signature dictionaries record: the document's own language, whatever the reader's UI language.
REASON_APPROVE, REASON_ISSUE = "Phê duyệt", "Ban hành"
SIGNER_BLUE = (0.05, 0.2, 0.75)
FIELD_FONT_SIZE = 13


@dataclass
class SignerBlock:
    """What the signer's signature shows and records."""

    name: str
    position: str = ""
    authority: str = ""
    authority_of: str = ""
    image_png: bytes | None = None
    location: str = ""


def signer_reason(block):
    """'Phê duyệt', with the title signed under: 'Phê duyệt – KT. CHỦ TỊCH, PHÓ CHỦ TỊCH'."""
    authority = _nfc(block.authority).rstrip(".")
    signed_for = f"{authority}. {_nfc(block.authority_of)}".strip() if authority else _nfc(block.authority_of)
    title = ", ".join(part for part in (signed_for, _nfc(block.position)) if part)
    return f"{REASON_APPROVE} – {title}" if title else REASON_APPROVE


def number_text(number_notation):
    """What the number field shows: 'Số: 15/QĐ-BNV'."""
    return f"Số: {_nfc(number_notation)}"


def issue_date_text(issued_at, location=""):
    """'Hà Nội, ngày 05 tháng 3 năm 2026' (Decree 30 Annex I: a 0 before days under 10 and months 1 and 2)."""
    if timezone.is_naive(issued_at):
        raise ValueError("issued_at must be an aware datetime")
    local = issued_at.astimezone(VIETNAM)
    month = f"{local.month:02d}" if local.month < 3 else str(local.month)
    text = f"ngày {local.day:02d} tháng {month} năm {local.year}"
    return f"{_nfc(location)}, {text}" if _nfc(location) else text


def _write(writer):
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _field_names(handler):
    try:
        fields = handler.root["/AcroForm"]["/Fields"]
    except KeyError:
        return {}
    found = {}
    for ref in fields:
        field = ref.get_object()
        found[str(field.get("/T", ""))] = field
    return found


def _add_text_field(writer, name, placed):
    """An empty, printable text field (widget merged in) with an empty appearance, filled at issue."""
    page_ref = writer.find_page_for_modification(placed["page"])[0]
    x0, y0, x1, y1 = placed["rect"]
    appearance = RawContent(b"", box=BoxConstraints(width=x1 - x0, height=y1 - y0)).as_form_xobject()
    field = generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
        generic.pdf_name("/Subtype"): generic.pdf_name("/Widget"),
        generic.pdf_name("/FT"): generic.pdf_name("/Tx"),
        generic.pdf_name("/T"): generic.TextStringObject(name),
        generic.pdf_name("/F"): generic.NumberObject(4),
        generic.pdf_name("/P"): page_ref,
        generic.pdf_name("/Rect"): generic.ArrayObject(generic.FloatObject(v) for v in placed["rect"]),
        generic.pdf_name("/DA"): generic.TextStringObject(f"/Helv {FIELD_FONT_SIZE} Tf 0 g"),
        generic.pdf_name("/AP"): generic.DictionaryObject({generic.pdf_name("/N"): writer.add_object(appearance)}),
    })
    ref = writer.add_object(field)
    fields = writer.root["/AcroForm"]["/Fields"]
    fields.append(ref)
    writer.update_container(fields)
    writer.register_annotation(page_ref, ref)


def _paint(writer, page, commands, resources=None):
    """Draw on the page in its default user space: the page's own content is wrapped in q/Q first (as pyHanko's
    stamps do), so a transformation it leaves unclosed does not move what is added."""
    writer.add_stream_to_page(page, writer.add_object(generic.StreamObject(stream_data=b"q")), prepend=True)
    writer.add_stream_to_page(page, writer.add_object(generic.StreamObject(stream_data=b"Q")))
    stream = writer.add_object(generic.StreamObject(stream_data=b"q " + commands + b" Q"))
    writer.add_stream_to_page(page, stream, resources)


def _draw_qr(writer, rect, url):
    """The QR code of `url` drawn into page 1's content, at rect (pyHanko's QR image, as its QR stamp does)."""
    import qrcode
    from pyhanko.pdf_utils.qr import PdfStreamQRImage

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=1)
    qr.add_data(url)
    qr.make()
    commands = qr.make_image(image_factory=PdfStreamQRImage).render_command_stream()
    size = (qr.modules_count + 2 * qr.border) * qr.box_size
    xobject = init_xobject_dictionary(commands, size, size)
    xobject.compress()
    name = generic.pdf_name("/PortalQR")
    resources = generic.DictionaryObject({
        generic.pdf_name("/XObject"): generic.DictionaryObject({name: writer.add_object(xobject)}),
    })
    x0, y0, x1, _y1 = rect
    scale = (x1 - x0) / size
    _paint(writer, 0, b"%g 0 0 %g %g %g cm /PortalQR Do" % (scale, scale, x0, y0), resources)


def prepare_for_approval(pdf_bytes, *, places: dict, verify_url: str,
                         seal_diameter_mm: float = page_layout.SEAL_DIAMETER_MM) -> bytes:
    """Revision 1: the number and date text fields, the empty signature fields of the signer and the seal, the
    QR code (none when verify_url is "").

    The seal field is the seal's actual size beside the signer's; a placeholder text found in the PDF (when
    `places` has no signer) gives the signer's place and is painted over.
    """
    writer, _box = _open(pdf_bytes)
    if SEAL_FIELD in _field_names(writer.prev):
        raise AlreadyPrepared()
    found = None if (places or {}).get("signer") else page_layout.find_placeholder(bytes(pdf_bytes))
    placed = page_layout.boxes(writer, places, seal_diameter_mm=seal_diameter_mm, placeholder=found)
    for name, key in ((SIGNER_FIELD, "signer"), (SEAL_FIELD, "seal")):
        append_signature_field(writer, SigFieldSpec(name, on_page=placed[key]["page"], box=placed[key]["rect"]))
    _add_text_field(writer, NUMBER_FIELD, placed["number"])
    _add_text_field(writer, DATE_FIELD, placed["date"])
    if "placeholder" in placed:
        x0, y0, x1, y1 = placed["placeholder"]["rect"]
        _paint(writer, placed["placeholder"]["page"], b"1 g %g %g %g %g re f" % (x0 - 1, y0 - 2, x1 - x0 + 2, y1 - y0 + 4))
    if verify_url:
        _draw_qr(writer, placed["qr"]["rect"], verify_url)
    return _write(writer)


# --- long-term signing --------------------------------------------------------------------------------------

_tsa_lock = threading.Lock()
_timestampers = {}  # TSA URL -> HTTPTimeStamper: it keeps the TSA's sample token pyHanko sizes containers with


def _timestamper():
    """pki.trust's TSA, one client per URL and process, sending through the running operation's HTTP session
    (trust.timestamper() would open a session, and build TLS, per request)."""
    url = trust.tsa_url()
    if not url:
        return None
    with _tsa_lock:
        if url not in _timestampers:
            _timestampers[url] = HTTPTimeStamper(url, timeout=settings.PKI_HTTP_TIMEOUT, session=OperationSession())
        return _timestampers[url]


def _reserve(signer, timestamper_token_size):
    """Room for the CMS container, hex-encoded: signature, embedded certificates, signed attributes, timestamp."""
    cert = signer.signing_cert
    signature = (cert.public_key.bit_size + 7) // 8 + 16
    certificates = len(cert.dump()) + sum(len(c.dump()) for c in signer.cert_registry)
    der = signature + certificates + 2 * len(cert.issuer.dump()) + 1024 + timestamper_token_size
    return 2 * der


async def _token_size(timestamper):
    if timestamper is None:
        return 0
    sample = await timestamper.async_dummy_response("sha256")
    return len(sample.dump()) + 1024  # the real token's serial number, time and nonce may be longer


def seal_prefetch(signer) -> "trust.Prefetched | None":
    """The revocation answers the agency's signature will embed — for its certificate's chain and for the
    TSA's — fetched now, before issuing locks the register, so that under the lock only the timestamps go over
    the network. None without a TSA and revocation to ask (nothing to gain)."""

    async def prefetch():
        paths = [(signer.signing_cert, list(signer.cert_registry))]
        timestamper = _timestamper()
        if timestamper is not None:
            sample = await timestamper.async_dummy_response("sha256")
            certificates = [choice.chosen for choice in sample["content"]["certificates"]]
            tsa = [c for c in certificates
                   if c.extended_key_usage_value and "time_stamping" in c.extended_key_usage_value.native]
            paths += [(cert, [c for c in certificates if c is not cert]) for cert in tsa[:1]]
        return await trust.revocation_prefetch(paths)

    return _run(prefetch)


async def _sign_session(pdf_signer, writer, signed_at, text_params=None):
    """Sign in place with pyHanko's session API: presign validation (revocation), container sized without
    a trial signature, the CMS signing time equal to /M; then DSS and document timestamp as instructed."""
    session = pdf_signer.init_signing_session(writer)
    session.system_time = signed_at
    validation = await session.perform_presign_validation(writer)
    reserved = _reserve(pdf_signer.signer, await _token_size(session.timestamper))
    tbs = session.prepare_tbs_document(
        validation_info=validation, bytes_reserved=reserved, appearance_text_params=text_params
    )
    prepared, output = tbs.digest_tbs_document(in_place=True)
    post = await tbs.perform_signature(prepared.document_digest, PdfCMSSignedAttributes(signing_time=signed_at))
    await post.post_signature_processing(output)
    return output.getvalue()


# The revocation info fetched before signing goes into the DSS of the signature's own revision (PAdES B-LT in
# one revision): no second pass over the file, and without a document timestamp the signature covers it all.
_DSS_WITH_SIGNATURE = DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False)


def _signature_metadata(field_name, *, name, reason, location, lta=False, prefetched=None):
    """PAdES B-LT metadata: revocation info fetched with pki.trust's context (answered first from `prefetched`,
    seal_prefetch's), embedded with the signature; LTA (a document timestamp after it) if asked."""
    return PdfSignatureMetadata(
        field_name=field_name, name=name, reason=reason, location=location or None,
        subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
        embed_validation_info=True, validation_context=trust.signing_validation_context(prefetched),
        use_pades_lta=lta,
        dss_settings=_DSS_WITH_SIGNATURE,
    )


def _run(coroutine_function, *args, context=None):
    """Run pyHanko's coroutine, then close the HTTP session of `context` (its validation context) on the same
    loop; failures become the SigningError the page shows."""

    async def run_and_release():
        try:
            async with operation_session():
                return await coroutine_function(*args)
        finally:
            if context is not None:
                await context.aclose()

    try:
        return aio.call(asyncio.run, run_and_release())
    except SigningError:
        raise
    except Exception as exc:
        raise signing_error_from(exc) from exc


def _check_validity(signer, moment):
    cert = signer.signing_cert
    if not (cert.not_valid_before <= moment <= cert.not_valid_after):
        raise CertificateExpired(_("Chứng thư số đã hết hạn hoặc chưa có hiệu lực nên không dùng để ký được."))


def _image_style(png):
    """The PNG at the size of the box (aspect kept, alpha kept as pyHanko's soft mask), nothing else."""
    try:
        image = Image.open(BytesIO(png))
        image.load()
    except (OSError, ValueError) as exc:
        raise InvalidImage() from exc
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    return StaticStampStyle(
        background=PdfImage(image), border_width=0, background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
        ),
    )


def _name_style():
    text_style = TextBoxStyle(font=StampFont(str(SERIF), font_size=14), font_size=14, text_color=SIGNER_BLUE)
    return TextStampStyle(stamp_text="%(signer)s", text_box_style=text_style, border_width=0, background=None)


# --- revision 2-3: the signer ---------------------------------------------------------------------------------

def _signer_pdf_signer(signer, block, *, timestamper):
    """Signs into the empty ChuKyNguoiKy field of revision 1 (its place was fixed there)."""
    style = _image_style(block.image_png) if block.image_png else _name_style()
    meta = _signature_metadata(SIGNER_FIELD, name=_nfc(block.name), reason=signer_reason(block),
                               location=_nfc(block.location))
    return PdfSigner(meta, signer, timestamper=timestamper, stamp_style=style)


def _open_prepared(prepared):
    writer, _box = _open(prepared, page_box=False)
    names = _field_names(writer.prev)
    if not {SIGNER_FIELD, SEAL_FIELD, NUMBER_FIELD, DATE_FIELD} <= set(names):
        raise NotPrepared()
    if "/V" in names[SIGNER_FIELD]:
        raise AlreadySigned()
    return writer


def sign_as_signer(prepared, *, signer: Signer, block: SignerBlock, places: dict, signed_at: datetime) -> bytes:
    """Revisions 2-3: the signer's PAdES B-LT signature in ChuKyNguoiKy, shown as their image (else their name
    in blue), /Name, /Reason 'Phê duyệt – …', /Location; then the DSS with the revocation info fetched.

    The place is the field's, fixed by prepare_for_approval(places=...); `places` is not read again."""
    _check_validity(signer, signed_at)
    writer = _open_prepared(prepared)
    timestamper = _timestamper()
    pdf_signer = _signer_pdf_signer(signer, block, timestamper=timestamper)
    return _run(_sign_session, pdf_signer, writer, signed_at, {"signer": _nfc(block.name)},
                context=pdf_signer.signature_meta.validation_context)


@dataclass
class RemoteSigning:
    """sign_as_signer cut in two for a signature made elsewhere (pyHanko's interrupted signing).

    `pdf`: the document with the signature's place reserved; `state`: the rest, JSON-safe (bytes in base64).
    `to_be_signed` is the DER of the signed attributes the remote service signs (RSA PKCS#1 v1.5, SHA-256);
    `digest` its SHA-256, for services that sign a hash (CSC signHash).
    """

    pdf: bytes
    state: dict

    @property
    def to_be_signed(self):
        return base64.b64decode(self.state["signed_attrs"])

    @property
    def digest(self):
        return hashlib.sha256(self.to_be_signed).digest()


def _b64(data):
    return base64.b64encode(data).decode("ascii")


async def _digest_session(pdf_signer, writer, signed_at, text_params):
    session = pdf_signer.init_signing_session(writer)
    session.system_time = signed_at
    validation = await session.perform_presign_validation(writer)
    # the signature timestamp comes at the finish: room for it now
    reserved = _reserve(pdf_signer.signer, await _token_size(_timestamper()))
    tbs = session.prepare_tbs_document(validation_info=validation, bytes_reserved=reserved,
                                       appearance_text_params=text_params)
    prepared, output = tbs.digest_tbs_document(in_place=True)
    signed_attrs = await pdf_signer.signer.signed_attrs(
        prepared.document_digest, "sha256", attr_settings=PdfCMSSignedAttributes(signing_time=signed_at),
        use_pades=True,
    )
    return prepared, output.getvalue(), signed_attrs


def signer_digest(prepared, *, signing_cert, chain, block: SignerBlock, places: dict,
                  signed_at: datetime) -> RemoteSigning:
    """The first half of sign_as_signer: everything up to the value the signer's remote key must sign.

    `signing_cert` and `chain` are asn1crypto or cryptography certificates. The certificate's revocation
    status is checked now, so a revoked certificate never reaches the phone.
    """
    signing_cert, chain = _asn1(signing_cert), [_asn1(c) for c in chain]
    external = ExternalSigner(signing_cert, SimpleCertificateStore.from_certs(chain), signature_value=bytes(
        (signing_cert.public_key.bit_size + 7) // 8))
    _check_validity(external, signed_at)
    writer = _open_prepared(prepared)
    pdf_signer = _signer_pdf_signer(external, block, timestamper=None)
    digest, pdf, signed_attrs = _run(_digest_session, pdf_signer, writer, signed_at, {"signer": _nfc(block.name)},
                                     context=pdf_signer.signature_meta.validation_context)
    return RemoteSigning(pdf=pdf, state={
        "document_digest": _b64(digest.document_digest),
        "reserved_region_start": digest.reserved_region_start,
        "reserved_region_end": digest.reserved_region_end,
        "signed_attrs": _b64(signed_attrs.dump()),
        "signing_cert": _b64(signing_cert.dump()),
        "chain": [_b64(c.dump()) for c in chain],
    })


async def _finish_session(remote, signature_value):
    state = remote.state
    signing_cert = asn1_x509.Certificate.load(base64.b64decode(state["signing_cert"]))
    chain = [asn1_x509.Certificate.load(base64.b64decode(c)) for c in state["chain"]]
    external = ExternalSigner(signing_cert, SimpleCertificateStore.from_certs(chain), signature_value=signature_value)
    signed_attrs = cms.CMSAttributes.load(remote.to_be_signed)
    if not _signature_matches(external, remote.to_be_signed, signature_value):
        raise RemoteSignatureInvalid()
    signature_cms = await external.async_sign_prescribed_attributes(
        "sha256", signed_attrs, timestamper=_timestamper()
    )
    digest = PreparedByteRangeDigest(
        document_digest=base64.b64decode(state["document_digest"]),
        reserved_region_start=state["reserved_region_start"], reserved_region_end=state["reserved_region_end"],
    )
    output = BytesIO(remote.pdf)
    await PdfTBSDocument.async_finish_signing(output, digest, signature_cms)
    context = trust.signing_validation_context()
    embedded = PdfFileReader(output, strict=False).embedded_signatures[-1]
    try:
        result = await async_add_validation_info(embedded, context, in_place=True)
    finally:
        await context.aclose()
    return result.getvalue()


def _signature_matches(external, data, signature_value):
    mechanism = external.get_signature_mechanism_for_digest("sha256")
    try:
        DefaultSignatureValidator().validate_signature(
            signature_value, data, external.signing_cert.public_key, mechanism
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def signer_finish(remote: RemoteSigning, signature_value: bytes) -> bytes:
    """The second half: the remote signature value put in, the signature timestamp, then the DSS (B-LT).

    A value that does not verify against the signer's certificate raises RemoteSignatureInvalid."""
    return _run(_finish_session, remote, signature_value)


def _asn1(certificate):
    if isinstance(certificate, asn1_x509.Certificate):
        return certificate
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


# --- revisions 4-6: number, date and the agency's seal -----------------------------------------------------

def _field_style(size=FIELD_FONT_SIZE):
    return TextBoxStyle(
        font=StampFont(str(SERIF), font_size=size), font_size=size, text_color=(0, 0, 0),
        box_layout_rule=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
    )


def _check_approved(handler):
    """The signer's signature is there and intact, and the fields it allows to be filled are still empty."""
    signatures = {s.field_name: s for s in handler.embedded_regular_signatures}
    signature = signatures.get(SIGNER_FIELD)
    if signature is None:
        raise SignerSignatureMissing()
    signature.compute_integrity_info(skip_diff=True)
    intact, valid = validate_sig_integrity(
        signature.signer_info, signature.signer_cert, "data", signature.compute_digest()
    )
    if not (intact and valid and signature.coverage >= SignatureCoverageLevel.ENTIRE_REVISION):
        raise SignerSignatureMissing(_("Chữ ký số của người có thẩm quyền trên văn bản không hợp lệ (tệp đã bị "
                                       "thay đổi sau khi ký). Đề nghị trình ký lại văn bản."))
    fields = _field_names(handler)
    empty = all(name in fields and "/V" not in fields[name] for name in (NUMBER_FIELD, DATE_FIELD, SEAL_FIELD))
    if not empty:
        raise SigningFieldsMissing()


async def _seal_session(pdf_signer, writer, issued_at, texts):
    for name, text in texts.items():
        populate_static_text_field(writer, name, _field_style(), text)
    return await _sign_session(pdf_signer, writer, issued_at)


def seal_main(approved, *, signer: Signer, agency_name: str, number_notation: str, issued_at: datetime,
              seal_png: bytes, seal_diameter_mm: float = page_layout.SEAL_DIAMETER_MM, places: dict | None = None,
              location: str = "", prefetched=None) -> bytes:
    """Revisions 4-6: SoKyHieu and NgayBanHanh filled (form filling, permitted by the signer's signature), the
    agency's B-LT signature in ChuKyCoQuan shown as the seal at actual size, /Reason 'Ban hành', then the DSS
    and, when a timestamp authority is configured, a document timestamp (B-LTA).

    The seal field's rectangle was fixed at revision 1 (prepare_for_approval's seal_diameter_mm); `places` and
    `seal_diameter_mm` are kept for the callers' symmetry. Raises SignerSignatureMissing or
    SigningFieldsMissing when the PDF is not an approved one. `prefetched`: seal_prefetch(signer)'s answers.
    """
    _check_validity(signer, issued_at)
    writer, _box = _open(approved, page_box=False)
    _check_approved(writer.prev)
    timestamper = _timestamper()
    meta = _signature_metadata(SEAL_FIELD, name=_nfc(agency_name), reason=REASON_ISSUE, location=_nfc(location),
                               lta=timestamper is not None, prefetched=prefetched)
    pdf_signer = PdfSigner(meta, signer, timestamper=timestamper, stamp_style=_image_style(seal_png))
    texts = {NUMBER_FIELD: number_text(number_notation), DATE_FIELD: issue_date_text(issued_at, location)}
    return _run(_seal_session, pdf_signer, writer, issued_at, texts, context=meta.validation_context)

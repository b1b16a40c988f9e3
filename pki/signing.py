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

from asn1crypto import keys as asn1_keys
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from django.utils import timezone
from django.utils.translation import gettext as _
from fontTools import subset as ft_subset
from fontTools import ttLib
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.opentype import CIDFontType2, GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, SimpleSigner
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.stamp import QRStampStyle, TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from core import files as core_files
from core.crypto import decrypt
from core.text import nfc

from . import aio
from .errors import CertificateExpired, InvalidPdf

# fontTools reports every table it leaves out of a subset on the root logger; that is not news.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

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

def _open(pdf_bytes):
    if not isinstance(pdf_bytes, bytes | bytearray | memoryview) or core_files.sniff(pdf_bytes) != core_files.Kind.PDF:
        raise InvalidPdf()
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
        if writer.prev.encrypted:
            raise InvalidPdf()
        page_box = _page_box(writer)
    except InvalidPdf:
        raise
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError, OSError) as exc:
        raise InvalidPdf() from exc
    return writer, page_box


def _page_box(writer):
    """(x0, y0, x1, y1) of page 1's visible area (CropBox, else MediaBox, inherited if need be)."""
    page, _resources = writer.find_page_for_modification(0)
    page = page.get_object()
    node, box = page, None
    while node is not None and box is None:
        box = node.get("/CropBox") or node.get("/MediaBox")
        parent = node.get("/Parent")
        node = parent.get_object() if parent is not None and box is None else None
    x0, y0, x1, y1 = (float(v) for v in (box or [0, 0, 595.28, 841.89]))
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


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


def stamp_attachment(pdf_bytes, *, certificate, stamp: StampInfo) -> bytes:
    """The attachment with the agency's signature shown as text at the top right of page 1.

    Decree 30 Annex I: no image; number and notation and the signing time in ISO 8601 with +07:00;
    Times New Roman (here its metric twin Liberation Serif), 10 pt, black.
    """
    lines = [_nfc(stamp.number_notation), iso_vietnam(stamp.signed_at)]
    width = max(text_width(line, ATTACHMENT_FONT_SIZE) for line in lines) + 2 * _ATTACHMENT_PADDING + 4
    height = len(lines) * ATTACHMENT_FONT_SIZE + 2 * _ATTACHMENT_PADDING + 4

    def place(page_box):
        x0, y0, x1, y1 = page_box
        right, top = min(15 * MM, (x1 - x0) / 10), min(6 * MM, (y1 - y0) / 20)
        return (round(x1 - right - width, 2), round(y1 - top - height, 2), round(x1 - right, 2), round(y1 - top, 2))

    return _sign(pdf_bytes, certificate, stamp.signed_at, _attachment_style(), {"content": "\n".join(lines)}, place)

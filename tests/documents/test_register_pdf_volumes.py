"""A long register's PDF is laid out in volumes joined by qpdf: every row once and in order, the title on the first
page only, the column headings on top of every page — the same document a single volume would give."""

import subprocess

import pytest

from documents import register_exports


def _text(file):
    file.seek(0)
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=file.read(), capture_output=True,
                          check=True).stdout.decode()


def _pages(file):
    file.seek(0)
    info = subprocess.run(["pdfinfo", "-"], input=file.read(), capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@pytest.mark.parametrize("volume_rows", [7, 1000])
def test_volumes_join_into_the_same_register(monkeypatch, volume_rows):
    monkeypatch.setattr(register_exports, "VOLUME_ROWS", volume_rows)
    done = []
    rows = ([f"{n}", f"Trích yếu số {n:03d}", "Văn phòng"] for n in range(1, 121))
    file = register_exports.pdf_file("Sổ đăng ký văn bản đi", ["Số", "Trích yếu", "Đơn vị"], rows, "Năm 2026",
                                     progress=done.append)
    text = _text(file)
    numbers = [int(line.split("Trích yếu số ")[1][:3]) for line in text.splitlines() if "Trích yếu số " in line]
    assert numbers == list(range(1, 121))
    assert text.count("Sổ đăng ký văn bản đi") == 1
    pages = _pages(file)
    assert pages >= 3
    assert text.count("Trích yếu\n") + text.count("Trích yếu ") - len(numbers) >= pages  # headings on every page
    assert done[-1] == 120 and done == sorted(done)


def test_a_register_of_several_volumes_needs_only_one_in_memory(monkeypatch):
    """reportlab holds a volume's pages until it is written; the volumes are written one after the other."""
    monkeypatch.setattr(register_exports, "VOLUME_ROWS", 10)
    built = []
    real = register_exports._pdf_volume

    def counting(*args, **kwargs):
        built.append(kwargs["opening"])
        return real(*args, **kwargs)

    monkeypatch.setattr(register_exports, "_pdf_volume", counting)
    rows = ([f"{n}", "Trích yếu", "Văn phòng"] for n in range(1, 36))
    file = register_exports.pdf_file("Sổ", ["Số", "Trích yếu", "Đơn vị"], rows)
    assert built == [True, False, False, False]
    assert "35" in _text(file)


def test_an_empty_register_is_one_page_with_its_title():
    file = register_exports.pdf_file("Sổ đăng ký văn bản đến", ["Số", "Trích yếu"], iter([]), "Năm 2026")
    assert _pages(file) == 1 and "Sổ đăng ký văn bản đến" in _text(file)

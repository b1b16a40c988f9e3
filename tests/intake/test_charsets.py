import shutil
import subprocess
import unicodedata

import pytest

from intake.charsets import TCVN3_TABLE, decode_bytes, decode_tcvn3, decode_vni, repair_text, vietnamese_score

from .legacy import encode_cp1258, encode_tcvn3, encode_vni

SENTENCES = [
    "Ủy ban nhân dân tỉnh Kon Tum",
    "Công văn về việc triển khai Chỉ thị số 34/2008/CT-TTg",
    "Thượng khẩn",
    "Hỏa tốc",
    "Đề nghị báo cáo kết quả",
    "Cộng hòa xã hội chủ nghĩa Việt Nam — Độc lập - Tự do - Hạnh phúc",
    "Quyết định về việc ban hành Quy chế sử dụng hộp thư điện tử công vụ",
    "ỦY BAN NHÂN DÂN TỈNH KON TUM",
]


def nfc(text):
    return unicodedata.normalize("NFC", text)


@pytest.mark.parametrize("sentence", SENTENCES)
@pytest.mark.parametrize("label", ["iso-8859-1", "windows-1252", None, "x-unknown"])
def test_tcvn3_text_labelled_latin1_or_unlabelled_comes_out_as_nfc_vietnamese(sentence, label):
    decoded = decode_bytes(encode_tcvn3(sentence), label)
    assert decoded.text == nfc(sentence)
    assert decoded.encoding == "tcvn3"


@pytest.mark.parametrize("sentence", SENTENCES)
@pytest.mark.parametrize("label", ["iso-8859-1", "windows-1252", None])
def test_vni_text_labelled_latin1_or_unlabelled_comes_out_as_nfc_vietnamese(sentence, label):
    decoded = decode_bytes(encode_vni(sentence), label)
    assert decoded.text == nfc(sentence)
    assert decoded.encoding == "vni"


@pytest.mark.parametrize("sentence", SENTENCES)
def test_windows_1258_combining_tone_marks_are_composed_to_nfc(sentence):
    data = encode_cp1258(sentence)
    assert decode_bytes(data, "windows-1258").text == nfc(sentence)
    # Unlabelled windows-1258 is recognised by its statistics too.
    assert decode_bytes(data, None).text == nfc(sentence)


def test_well_known_legacy_strings_decode_as_every_vietnamese_clerk_knows_them():
    # Typed from the classic headers of documents written with .VnTime and VNI-Times fonts.
    assert decode_tcvn3(b"C\xe9ng h\xdfa x\xb7 h\xe9i ch\xf1 ngh\xdca Vi\xd6t Nam") == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert decode_tcvn3(b"\xa7\xe9c l\xcbp - T\xf9 do - H\xb9nh ph\xf3c") == "Độc lập - Tự do - Hạnh phúc"
    assert decode_tcvn3(b"Th\xad\xeeng kh\xc8n") == "Thượng khẩn"
    assert decode_vni("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam".encode("cp1252")) == "Cộng hòa xã hội chủ nghĩa Việt Nam"
    assert decode_vni("Ñoäc laäp - Töï do - Haïnh phuùc".encode("cp1252")) == "Độc lập - Tự do - Hạnh phúc"
    assert decode_vni("Ngöôøi nhaän: Sôû Noäi vuï".encode("cp1252")) == "Người nhận: Sở Nội vụ"


def test_tcvn3_capitals_typed_with_the_vntimeh_font_become_capitals():
    assert decode_tcvn3(b"\xf1Y BAN NH\xa2N D\xa2N T\xd8NH KON TUM") == "ỦY BAN NHÂN DÂN TỈNH KON TUM"
    assert decode_tcvn3(b"U\xfb ban") == "Uỷ ban"  # a title-case word keeps its case


@pytest.mark.skipif(not shutil.which("iconv"), reason="glibc's iconv is the independent reference")
def test_tcvn3_table_agrees_with_glibc_tcvn5712_for_every_byte_above_0xa0():
    high = bytes(range(0xA0, 0x100))
    reference = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=high, capture_output=True,
                               check=True).stdout.decode("utf-8")
    assert "".join(TCVN3_TABLE[byte] for byte in high) == reference


@pytest.mark.parametrize("text", ["Café crème brûlée à la française", "Müller Straße Größe", "Ærø Ålborg"])
def test_real_latin1_text_is_left_as_latin1(text):
    decoded = decode_bytes(text.encode("latin-1"), "iso-8859-1")
    assert decoded.text == text
    assert decoded.encoding == "windows-1252"


def test_utf8_wins_even_when_mislabelled_latin1():
    assert decode_bytes("Sở Nội vụ tỉnh Kon Tum".encode(), "iso-8859-1").text == "Sở Nội vụ tỉnh Kon Tum"


def test_nfd_utf8_is_normalised_to_nfc():
    decomposed = unicodedata.normalize("NFD", "Hỏa tốc")
    assert decode_bytes(decomposed.encode(), "utf-8").text == "Hỏa tốc"


def test_tcvn3_that_was_already_turned_into_unicode_as_latin1_is_repaired():
    mojibake = encode_tcvn3("Công văn đề nghị báo cáo").decode("latin-1")
    assert repair_text(mojibake).text == "Công văn đề nghị báo cáo"
    assert decode_bytes(mojibake.encode("utf-8"), "utf-8").text == "Công văn đề nghị báo cáo"


def test_undecodable_bytes_in_a_declared_charset_are_replaced_not_raised():
    decoded = decode_bytes(b"Vi\xff\xfe\xfdt", "utf-8")
    assert decoded.lossy and "\ufffd" in decoded.text


def test_unknown_charset_label_falls_back_to_guessing():
    assert decode_bytes(encode_tcvn3("Hỏa tốc"), "x-no-such-charset").text == "Hỏa tốc"


def test_vietnamese_score_prefers_real_syllables():
    assert vietnamese_score("Thượng khẩn") == 2
    assert vietnamese_score("Th\xadîng khÈn") < 0

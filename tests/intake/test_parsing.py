import base64
import datetime
import os
import random

import pytest

from intake.parsing import decode_header_value, html_to_text, parse_message

from .legacy import encode_cp1258, encode_tcvn3, encode_vni
from .mail import build, raw


def b64(data):
    return base64.b64encode(data).decode("ascii")


def qp_word(data):
    return "".join(chr(byte) if byte < 0x80 and chr(byte).isalnum() else f"={byte:02X}" for byte in data)


# --- Subjects and names (RFC 2047) -----------------------------------------------------------------

def test_utf8_encoded_words_split_inside_a_character_are_joined_before_decoding():
    data = "Thượng khẩn: Đề nghị báo cáo kết quả".encode()
    first, second = data[:5], data[5:]  # "ư" is cut in two
    header = f"=?UTF-8?B?{b64(first)}?=\r\n =?UTF-8?B?{b64(second)}?="
    assert decode_header_value(header) == "Thượng khẩn: Đề nghị báo cáo kết quả"


def test_windows_1258_q_encoded_subject_is_composed_to_nfc():
    header = f"=?windows-1258?Q?{qp_word(encode_cp1258('Hỏa tốc'))}?="
    assert decode_header_value(header) == "Hỏa tốc"


def test_mixed_charsets_and_plain_words_in_one_subject():
    header = (f"Fwd: =?utf-8?B?{b64('Công văn'.encode())}?= =?windows-1258?Q?{qp_word(encode_cp1258(' số'))}?="
              f" 05/BNV-VP =?iso-8859-1?Q?{qp_word(encode_tcvn3('(khẩn)'))}?=")
    assert decode_header_value(header) == "Fwd: Công văn số 05/BNV-VP (khẩn)"


def test_tcvn3_and_vni_inside_latin1_encoded_words_are_converted():
    assert decode_header_value(f"=?iso-8859-1?B?{b64(encode_tcvn3('Ủy ban nhân dân tỉnh Kon Tum'))}?=") == (
        "Ủy ban nhân dân tỉnh Kon Tum")
    assert decode_header_value(f"=?windows-1252?Q?{qp_word(encode_vni('Đề nghị báo cáo kết quả'))}?=") == (
        "Đề nghị báo cáo kết quả")


def test_broken_encoded_words_give_what_can_be_read():
    assert decode_header_value("=?utf-8?B?SOG7j2EgdOG7kWM?=") == "Hỏa tốc"  # padding missing
    assert decode_header_value("=?utf-8?Q?H=E1=BB=8Fa_t=E1=BB=91c=ZZ?=") == "Hỏa tốc=ZZ"
    assert "Hỏa tốc" in decode_header_value("=?utf-8?B?SOG7j2EgdOG7kWM=?= =?utf-8?B?broken")


def test_raw_8bit_headers_in_utf8_and_in_tcvn3_are_read():
    message = raw(b"From: " + "Sở Nội vụ".encode() + b" <snv@kontum.gov.vn>",
                  b"Subject: " + encode_tcvn3("Công văn về việc triển khai Chỉ thị số 34/2008/CT-TTg"),
                  b"Date: Fri, 20 Nov 2026 09:30:00 +0700", b"", b"Noi dung")
    parsed = parse_message(message)
    assert parsed.subject == "Công văn về việc triển khai Chỉ thị số 34/2008/CT-TTg"
    assert parsed.sender_name == "Sở Nội vụ"
    assert parsed.sender_email == "snv@kontum.gov.vn"
    assert any("TCVN3" in warning for warning in parsed.warnings)


def test_sender_display_name_in_encoded_words_and_address_lowercased():
    parsed = parse_message(build(sender="Văn phòng Bộ Nội vụ <VanPhong@MOHA.gov.vn>"))
    assert parsed.sender_name == "Văn phòng Bộ Nội vụ"
    assert parsed.sender_email == "vanphong@moha.gov.vn"


# --- Bodies ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("charset", "encode"), [
    ("iso-8859-1", encode_tcvn3), ("windows-1252", encode_vni), ("windows-1258", encode_cp1258),
    ("utf-8", lambda text: text.encode()),
])
def test_plain_bodies_in_any_charset_come_out_as_nfc(charset, encode):
    text = "Kính gửi: Ủy ban nhân dân tỉnh Kon Tum\nĐề nghị báo cáo kết quả trước ngày 15/11/2026."
    message = raw("From: a@kontum.gov.vn", "Subject: x", "MIME-Version: 1.0",
                  f"Content-Type: text/plain; charset={charset}", "Content-Transfer-Encoding: base64", "",
                  b64(encode(text)))
    assert parse_message(message).body_text == text


def test_unlabelled_8bit_body_in_vni_is_recognised():
    message = raw(b"From: a@kontum.gov.vn", b"Subject: x", b"", encode_vni("Thượng khẩn. Hỏa tốc."))
    parsed = parse_message(message)
    assert parsed.body_text == "Thượng khẩn. Hỏa tốc."
    assert any("VNI" in warning for warning in parsed.warnings)


def test_html_only_body_is_converted_to_text():
    html = ("<html><head><style>p{color:red}</style></head><body><p>Kính gửi:&nbsp;<b>Bộ Nội vụ</b></p>"
            "<ul><li>Mục 1</li><li>Mục 2</li></ul><script>alert(1)</script><p>Tr&#226;n trọng.</p></body></html>")
    message = raw("From: a@moha.gov.vn", "Subject: x", "MIME-Version: 1.0", "Content-Type: text/html; charset=utf-8",
                  "", html)
    assert parse_message(message).body_text == "Kính gửi: Bộ Nội vụ\n\n- Mục 1\n- Mục 2\n\nTrân trọng."


def test_plain_alternative_is_preferred_to_html():
    parsed = parse_message(build(body="Bản chữ thường", html="<p>Bản <b>HTML</b></p>"))
    assert parsed.body_text == "Bản chữ thường"
    assert parsed.attachments == []


def test_html_to_text_keeps_table_cells_apart():
    assert html_to_text("<table><tr><td>Số</td><td>05/BNV-VP</td></tr></table>") == "Số 05/BNV-VP"


# --- Attachment names ------------------------------------------------------------------------------

def test_rfc2231_file_names_in_utf8_with_continuations_and_in_windows_1258():
    cp1258 = "".join(f"%{byte:02X}" for byte in encode_cp1258("Tờ trình.pdf"))
    message = raw(
        "From: a@kontum.gov.vn", "Subject: x", "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="B"',
        "", "--B", "Content-Type: text/plain; charset=utf-8", "", "Xem tệp", "--B",
        "Content-Type: application/octet-stream",
        "Content-Disposition: attachment; filename*0*=utf-8''Quy%E1%BA%BFt%20%C4%91%E1%BB;",
        " filename*1*=%8Bnh%2015.docx", "", "data", "--B",
        "Content-Type: application/octet-stream", f"Content-Disposition: attachment; filename*=windows-1258''{cp1258}",
        "", "data", "--B--", "")
    names = [attachment.filename for attachment in parse_message(message).attachments]
    assert names == ["Quyết định 15.docx", "Tờ trình.pdf"]


def test_rfc2047_names_and_raw_8bit_legacy_names_are_decoded():
    message = raw(
        b"From: a@kontum.gov.vn", b"Subject: x", b"MIME-Version: 1.0", b'Content-Type: multipart/mixed; boundary="B"',
        b"", b"--B", b"Content-Type: text/plain", b"", b"x", b"--B",
        b'Content-Type: application/octet-stream; name="=?utf-8?B?' + b64("Báo cáo.xlsx".encode()).encode() + b'?="',
        b"", b"data", b"--B",
        b'Content-Type: application/octet-stream', b'Content-Disposition: attachment; filename="'
        + encode_tcvn3("Giấy mời họp.doc") + b'"', b"", b"data", b"--B",
        b'Content-Type: application/octet-stream', b'Content-Disposition: attachment; filename="'
        + encode_vni("Thông báo khẩn.doc") + b'"', b"", b"data", b"--B--", b"")
    names = [attachment.filename for attachment in parse_message(message).attachments]
    assert names == ["Báo cáo.xlsx", "Giấy mời họp.doc", "Thông báo khẩn.doc"]


def test_file_names_lose_paths_and_control_characters():
    message = build(attachments=[("..\\..\\Windows\\Tờ\x07 trình.pdf", "application/pdf", b"%PDF-1.4")])
    assert parse_message(message).attachments[0].filename == "Tờ trình.pdf"


def test_a_forwarded_message_is_kept_whole_as_an_eml_attachment():
    inner = build(subject="Giấy mời họp")
    message = raw("From: a@kontum.gov.vn", "Subject: Fwd", "MIME-Version: 1.0",
                  'Content-Type: multipart/mixed; boundary="B"', "", "--B", "Content-Type: text/plain", "",
                  "Chuyển tiếp", "--B", "Content-Type: message/rfc822", "", inner, "--B--", "")
    parsed = parse_message(message)
    assert parsed.body_text == "Chuyển tiếp"
    assert len(parsed.attachments) == 1
    assert parsed.attachments[0].filename.endswith(".eml")
    assert "Giấy mời họp" in parse_message(parsed.attachments[0].data).subject


# --- Malformed MIME never raises ---------------------------------------------------------------------

def test_missing_close_boundary_and_bad_base64_yield_content_and_warnings():
    message = raw("From: a@kontum.gov.vn", "Subject: x", "MIME-Version: 1.0",
                  'Content-Type: multipart/mixed; boundary="B"', "", "--B",
                  "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "",
                  b64("Nội dung đọc được".encode())[:-2] + "!!**", "--B",
                  'Content-Type: application/pdf; name="a.pdf"', "Content-Transfer-Encoding: base64", "",
                  "JVBERi0xLjQK@@@", "")
    parsed = parse_message(message)
    assert parsed.body_text.startswith("Nội dung đọc")
    assert parsed.attachments[0].filename == "a.pdf"
    assert any("ranh giới" in warning for warning in parsed.warnings)
    assert any("base64" in warning for warning in parsed.warnings)


def test_a_multipart_without_any_boundary_still_shows_its_text():
    message = raw("From: a@kontum.gov.vn", "Subject: x", "MIME-Version: 1.0",
                  'Content-Type: multipart/mixed; boundary="NOT-THERE"', "", "Nội dung không có ranh giới")
    parsed = parse_message(message)
    assert "Nội dung không có ranh giới" in parsed.body_text
    assert parsed.warnings


def test_missing_headers_are_warned_about():
    parsed = parse_message(b"\r\nchi co noi dung\r\n")
    assert parsed.body_text == "chi co noi dung"
    assert {"Thư không có người gửi (thiếu dòng From).", "Thư không có ngày gửi (thiếu dòng Date).",
            "Thư không có tiêu đề (thiếu dòng Subject)."} <= set(parsed.warnings)


def test_bad_date_is_a_warning_and_a_good_one_is_aware():
    assert parse_message(raw("Date: hôm qua", "", "x")).sent_at is None
    sent_at = parse_message(raw("Date: Fri, 20 Nov 2026 09:30:00 +0700", "", "x")).sent_at
    assert sent_at == datetime.datetime(2026, 11, 20, 2, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize("seed", range(20))
def test_random_garbage_and_truncated_messages_never_raise(seed):
    generator = random.Random(seed)
    good = build(attachments=[("a.pdf", "application/pdf", b"%PDF-1.4 " + os.urandom(300))])
    cut = good[: generator.randrange(len(good))]
    noise = bytes(generator.randrange(256) for _ in range(generator.randrange(2000)))
    for data in (cut, noise, cut + noise, b"", b"\x00" * 50):
        parsed = parse_message(data)
        assert isinstance(parsed.body_text, str)

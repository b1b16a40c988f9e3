from email import message_from_bytes, policy

from django.core.mail import EmailMessage, get_connection


def test_eml_backend_writes_one_readable_file_per_message(tmp_path):
    connection = get_connection("core.mail.EmlFileBackend", file_path=tmp_path)
    sent = connection.send_messages([
        EmailMessage("Giấy mời họp", "Kính gửi: Sở Nội vụ tỉnh Kon Tum", "vanphong@moha.gov.vn", ["a@kontum.gov.vn"]),
        EmailMessage("Công văn số 05/BNV-VP", "Nội dung", "vanphong@moha.gov.vn", ["b@kontum.gov.vn"]),
    ])
    files = sorted(tmp_path.glob("*.eml"))
    assert sent == 2 and len(files) == 2
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Subject"] in {"Giấy mời họp", "Công văn số 05/BNV-VP"}
    assert parsed["From"] == "vanphong@moha.gov.vn"

"""Reading a real Dovecot mailbox over IMAP into pending items."""

import base64
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from imapclient.imap_utf7 import encode as imap_utf7

from intake import services
from intake.models import InboundAttachment, InboundMessage, Mailbox
from tests import factories

from .conftest import Account, DovecotServer, make_mailbox
from .legacy import encode_cp1258, encode_tcvn3, encode_vni
from .mail import build, raw
from .test_screening import pdf_bytes, zeros_zip

pytestmark = pytest.mark.django_db


def poll(mailbox):
    result = services.mailbox_poll(mailbox.pk)
    mailbox.refresh_from_db()
    return result


# --- Exactly once, and nothing changed on the server --------------------------------------------------

def test_messages_are_imported_once_and_stay_unread_and_undeleted_on_the_server(mailbox, imap_account):
    uids = [imap_account.append(build(subject=f"Công văn số 0{n}/UBND-VP")) for n in range(1, 4)]
    before = imap_account.server_state()

    first = poll(mailbox)
    second = poll(mailbox)

    assert (first.status, first.imported) == ("ok", 3)
    assert (second.status, second.imported) == ("ok", 0)
    assert InboundMessage.objects.count() == 3
    assert sorted(InboundMessage.objects.values_list("uid", flat=True)) == uids
    assert mailbox.last_uid == uids[-1]
    after = imap_account.server_state()
    assert after == before
    assert all("\\Seen" not in flags and "\\Deleted" not in flags and "\\Flagged" not in flags
               for flags in after.values())


def test_a_message_arriving_after_the_first_run_is_picked_up_by_the_next(mailbox, imap_account):
    imap_account.append(build(subject="Thư thứ nhất"))
    poll(mailbox)
    imap_account.append(build(subject="Thư thứ hai"))

    result = poll(mailbox)

    assert result.imported == 1
    assert list(InboundMessage.objects.order_by("uid").values_list("subject", flat=True)) == [
        "Thư thứ nhất", "Thư thứ hai"]


def test_the_raw_message_is_kept_byte_for_byte(mailbox, imap_account):
    message = build(subject="Giữ nguyên thư gốc")
    imap_account.append(message)
    poll(mailbox)
    stored = InboundMessage.objects.get()
    with stored.raw.open("rb") as file:
        assert file.read().replace(b"\r\n", b"\n") == message.replace(b"\r\n", b"\n")


def test_a_message_without_attachments_becomes_correspondence_and_one_with_a_file_is_pending(mailbox, imap_account):
    imap_account.append(build(subject="Hỏi về lịch họp", body="Xin hỏi lịch họp tuần sau."))
    imap_account.append(build(subject="Quyết định 15/QĐ-BNV",
                              attachments=[("Quyết định 15.pdf", "application/pdf", pdf_bytes())]))
    poll(mailbox)
    statuses = dict(InboundMessage.objects.values_list("subject", "status"))
    assert statuses == {"Hỏi về lịch họp": "correspondence", "Quyết định 15/QĐ-BNV": "pending"}
    attachment = InboundAttachment.objects.get()
    assert attachment.is_accepted and attachment.filename == "Quyết định 15.pdf"
    assert attachment.file.name.startswith(f"intake/files/{mailbox.agency_id}/")


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_import_each_message_once(agency, imap_account):
    mailbox = make_mailbox(agency, imap_account)
    for n in range(8):
        imap_account.append(build(subject=f"Thư {n}", attachments=[("a.pdf", "application/pdf", pdf_bytes())]))
    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            barrier.wait()
            results.append(services.mailbox_poll(mailbox.pk))
        except Exception as exc:  # noqa: BLE001 — surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert not errors
    assert InboundMessage.objects.count() == 8
    assert sorted(InboundMessage.objects.values_list("subject", flat=True)) == [f"Thư {n}" for n in range(8)]
    assert sum(result.imported for result in results) == 8
    assert {result.status for result in results} <= {"ok", "busy"}


@pytest.mark.django_db(transaction=True)
def test_a_run_returns_at_once_while_another_run_holds_the_mailbox(agency, imap_account):
    mailbox = make_mailbox(agency, imap_account)
    imap_account.append(build())
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():
        with transaction.atomic():
            Mailbox.objects.select_for_update().get(pk=mailbox.pk)
            locked.set()
            release.wait(30)
        connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        result = services.mailbox_poll(mailbox.pk)
        assert result.status == "busy"
        assert time.monotonic() - started < 2
        assert not InboundMessage.objects.exists()
    finally:
        release.set()
        holder.join(10)
    assert services.mailbox_poll(mailbox.pk).imported == 1


def test_a_lease_left_by_a_run_that_died_runs_out(mailbox, imap_account):
    imap_account.append(build())
    Mailbox.objects.filter(pk=mailbox.pk).update(
        poll_token="00000000-0000-0000-0000-000000000001", poll_lease_until=timezone.now() + services.POLL_LEASE)
    assert poll(mailbox).status == "busy"
    Mailbox.objects.filter(pk=mailbox.pk).update(poll_lease_until=timezone.now() - services.POLL_LEASE)
    assert poll(mailbox).imported == 1
    assert mailbox.poll_token is None


def test_the_unique_constraint_refuses_a_second_copy_of_one_server_message(mailbox, imap_account):
    imap_account.append(build())
    poll(mailbox)
    copy = InboundMessage.objects.get()
    copy.pk, copy.raw_sha256 = None, "0" * 64
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def uidvalidity(client, folder):
    status, data = client.status(folder, "(UIDVALIDITY)")
    assert status == "OK", data
    return int(data[0].rsplit(b"UIDVALIDITY ", 1)[1].rstrip(b")"))


def test_a_changed_uidvalidity_rescans_without_importing_twice(agency, imap_account):
    mailbox = make_mailbox(agency, imap_account, folder="Lưu trữ")
    admin = imap_account.server.client(imap_account)
    folder = f'"{imap_utf7("Lưu trữ").decode()}"'
    admin.create(folder)
    first, second = build(subject="Thư cũ 1"), build(subject="Thư cũ 2")
    for message in (first, second):
        admin.append(folder, None, None, message)
    poll(mailbox)
    old_validity = mailbox.uidvalidity
    # The folder is recreated on the server: new UIDVALIDITY, UIDs start again at 1.
    admin.delete(folder)
    admin.create(folder)
    while uidvalidity(admin, folder) == old_validity:  # Dovecot derives UIDVALIDITY from the clock's second
        admin.delete(folder)
        admin.create(folder)
    for message in (first, second, build(subject="Thư mới")):
        admin.append(folder, None, None, message)
    admin.logout()

    result = poll(mailbox)

    assert mailbox.uidvalidity != old_validity
    assert (result.imported, result.duplicates) == (1, 2)
    assert sorted(InboundMessage.objects.values_list("subject", flat=True)) == ["Thư cũ 1", "Thư cũ 2", "Thư mới"]
    assert mailbox.last_uid == 3


def test_a_storage_failure_keeps_last_uid_so_the_next_run_imports_the_message(mailbox, imap_account, settings,
                                                                               tmp_path):
    imap_account.append(build(attachments=[("a.pdf", "application/pdf", pdf_bytes())]))
    (tmp_path / "not-a-directory").write_text("")
    media = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path / "not-a-directory" / "media"
    with pytest.raises(OSError):
        services.mailbox_poll(mailbox.pk)
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 0 and not InboundMessage.objects.exists()
    assert "Lỗi không mong đợi khi lưu thư" in mailbox.last_error

    settings.MEDIA_ROOT = media
    assert poll(mailbox).imported == 1
    assert mailbox.last_error == ""


# --- Faults are told in Vietnamese and clear themselves ------------------------------------------------

def test_wrong_password_is_reported_and_the_next_good_run_clears_it(agency, imap_account, admin_member):
    mailbox = make_mailbox(agency, imap_account, password="mật khẩu sai")
    imap_account.append(build())

    for expected_failures in (1, 2):
        result = poll(mailbox)
        assert result.status == "error"
        assert mailbox.last_error.startswith("Sai tên đăng nhập hoặc mật khẩu hộp thư")
        assert mailbox.consecutive_failures == expected_failures
        assert mailbox.last_error_at is not None and mailbox.last_success_at is None

    services.mailbox_save(admin=admin_member, host=mailbox.host, port=mailbox.port, security=mailbox.security,
                          username=mailbox.username, folder=mailbox.folder, enabled=True,
                          password=imap_account.password)
    result = poll(mailbox)
    assert (result.status, result.imported) == ("ok", 1)
    assert (mailbox.last_error, mailbox.consecutive_failures, mailbox.last_error_at) == ("", 0, None)
    assert mailbox.last_success_at is not None


def test_server_down_is_reported_and_reading_resumes_when_it_is_back(agency, dovecot_root):
    server = DovecotServer(dovecot_root()).start()
    try:
        account = Account(server)
        account.append(build(subject="Gửi lúc máy chủ còn chạy"))
        mailbox = make_mailbox(agency, account)
        server.stop()

        result = poll(mailbox)
        assert result.status == "error"
        assert mailbox.last_error.startswith(f"Không kết nối được tới máy chủ thư 127.0.0.1:{server.port}")
        assert mailbox.consecutive_failures == 1

        server.start()
        result = poll(mailbox)
        assert (result.status, result.imported) == ("ok", 1)
        assert mailbox.last_error == "" and mailbox.consecutive_failures == 0
    finally:
        server.stop()


def test_a_missing_folder_is_reported_by_name(agency, imap_account):
    mailbox = make_mailbox(agency, imap_account, folder="Văn bản đến")
    result = poll(mailbox)
    assert result.status == "error"
    assert mailbox.last_error.startswith("Không tìm thấy thư mục “Văn bản đến” trên hộp thư")


def test_an_unknown_host_is_reported(agency, imap_account):
    mailbox = make_mailbox(agency, imap_account)
    Mailbox.objects.filter(pk=mailbox.pk).update(host="khong-ton-tai.invalid")
    poll(mailbox)
    assert mailbox.last_error == "Không tìm thấy máy chủ thư “khong-ton-tai.invalid”: kiểm tra lại tên máy chủ."


def test_an_untrusted_tls_certificate_is_refused_and_a_trusted_one_works(agency, imap_account, dovecot, settings):
    mailbox = make_mailbox(agency, imap_account, security=Mailbox.Security.SSL, port=dovecot.ssl_port)
    imap_account.append(build())

    poll(mailbox)
    assert mailbox.last_error.startswith("Lỗi bảo mật TLS: chứng chỉ của máy chủ thư 127.0.0.1 không hợp lệ")

    settings.MAILBOX_CA_FILE = dovecot.ca_file
    assert poll(mailbox).imported == 1
    assert mailbox.last_error == ""


def test_starttls_upgrades_the_plain_port(agency, imap_account, dovecot, settings):
    settings.MAILBOX_CA_FILE = dovecot.ca_file
    mailbox = make_mailbox(agency, imap_account, security=Mailbox.Security.STARTTLS)
    imap_account.append(build())
    assert poll(mailbox).imported == 1


def test_tls_spoken_to_a_plain_port_asks_to_check_port_and_security(agency, imap_account, dovecot):
    mailbox = make_mailbox(agency, imap_account, security=Mailbox.Security.SSL, port=dovecot.port)
    poll(mailbox)
    assert mailbox.last_error.startswith(f"Không kết nối được tới máy chủ thư 127.0.0.1:{dovecot.port}.")
    assert "cổng và kiểu bảo mật" in mailbox.last_error


def test_a_disabled_mailbox_is_not_read(mailbox, imap_account):
    imap_account.append(build())
    Mailbox.objects.filter(pk=mailbox.pk).update(enabled=False)
    assert poll(mailbox).status == "disabled"
    assert not InboundMessage.objects.exists()


# --- What the clerk sees ---------------------------------------------------------------------------

def test_mail_from_gmail_is_flagged_not_dropped(mailbox, imap_account):
    imap_account.append(build(sender="Nguyễn Văn A <nguyenvana@gmail.com>", subject="Đơn đề nghị"))
    poll(mailbox)
    message = InboundMessage.objects.get()
    assert message.sender_email == "nguyenvana@gmail.com"
    assert message.sender_is_official is False
    assert any("gmail.com" in warning for warning in message.warnings)


def test_an_official_sender_is_matched_to_its_agency_and_unit(mailbox, imap_account):
    kontum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")
    office = factories.make_unit(kontum, "Văn phòng UBND tỉnh", "VP", official_email="vpubnd@kontum.gov.vn")
    imap_account.append(build(sender="Văn phòng <VPUBND@kontum.gov.vn>"))
    imap_account.append(build(sender="UBND tỉnh <vanphong@kontum.gov.vn>"))
    poll(mailbox)
    first, second = InboundMessage.objects.order_by("uid")
    assert first.sender_is_official and first.warnings == []
    assert (first.hint_issuing_agency, first.hint_issuing_unit) == (kontum, office)
    assert (second.hint_issuing_agency, second.hint_issuing_unit) == (kontum, None)


def test_hints_are_extracted_from_subject_body_and_file_names(mailbox, imap_account):
    body = ("ỦY BAN NHÂN DÂN TỈNH KON TUM\nSố: 2345/UBND-KGVX\nKon Tum, ngày 15 tháng 11 năm 2026\n"
            "V/v triển khai Chỉ thị số 34/2008/CT-TTg")
    imap_account.append(build(subject="Triển khai Chỉ thị 34/2008/CT-TTg", body=body,
                              attachments=[("2345_UBND-KGVX.pdf", "application/pdf", pdf_bytes())]))
    imap_account.append(build(subject="Gửi văn bản", body="Kính gửi Bộ Nội vụ",
                              attachments=[("15_QĐ-BNV.pdf", "application/pdf", pdf_bytes())]))
    poll(mailbox)
    first, second = InboundMessage.objects.order_by("uid")
    assert first.hint_number_notation == "2345/UBND-KGVX"
    assert first.hint_document_type == "Công văn"
    assert first.hint_document_date.isoformat() == "2026-11-15"
    assert (second.hint_number_notation, second.hint_document_type) == ("15/QĐ-BNV", "Quyết định")


def test_legacy_and_rfc2047_subjects_bodies_and_file_names_come_out_as_nfc_vietnamese(mailbox, imap_account):
    def b64(data):
        return base64.b64encode(data).decode("ascii")

    imap_account.append(raw(
        "From: =?utf-8?B?" + b64("Văn thư Sở Nội vụ".encode()) + "?= <vanthu@kontum.gov.vn>",
        "Subject: =?iso-8859-1?B?" + b64(encode_tcvn3("Thượng khẩn: Ủy ban nhân dân tỉnh Kon Tum")) + "?=",
        "Date: Fri, 20 Nov 2026 09:30:00 +0700", "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="B"',
        "", "--B", "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: base64", "",
        b64(encode_vni("Đề nghị báo cáo kết quả. Hỏa tốc.")), "--B",
        "Content-Type: application/pdf",
        "Content-Disposition: attachment; filename*=windows-1258''"
        + "".join(f"%{byte:02X}" for byte in encode_cp1258("Công văn về việc triển khai.pdf")),
        "Content-Transfer-Encoding: base64", "", b64(pdf_bytes()), "--B--", ""))
    poll(mailbox)
    message = InboundMessage.objects.get()
    assert message.subject == "Thượng khẩn: Ủy ban nhân dân tỉnh Kon Tum"
    assert message.body_text == "Đề nghị báo cáo kết quả. Hỏa tốc."
    assert message.sender_name == "Văn thư Sở Nội vụ"
    assert message.attachments.get().filename == "Công văn về việc triển khai.pdf"
    assert any("TCVN3" in warning for warning in message.warnings)
    assert any("VNI" in warning for warning in message.warnings)


def test_dangerous_and_broken_attachments_are_flagged_and_kept_and_never_stop_the_import(mailbox, imap_account,
                                                                                        settings):
    settings.MAX_UPLOAD_MB = 1
    imap_account.append(build(subject="Tệp nguy hiểm", attachments=[
        ("bao-cao.zip", "application/zip", zeros_zip(60)),
        ("cai-dat.exe", "application/octet-stream", b"MZ\x90\x00" + b"\0" * 100),
        ("Quyết định.pdf", "application/pdf", b"<html>khong phai pdf</html>"),
        ("anh-chup.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024 + 10)),
        ("Tờ trình.pdf", "application/pdf", pdf_bytes()),
    ]))
    imap_account.append(raw("From: a@kontum.gov.vn", "Subject: MIME hỏng", "MIME-Version: 1.0",
                            'Content-Type: multipart/mixed; boundary="B"', "", "--B",
                            "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "",
                            "4bqi!!!*", "--B", "Content-Type: application/zip; name=x.zip",
                            "Content-Transfer-Encoding: base64", "", "UEsDBA=="))
    imap_account.append(b"\x00\xff garbage without any header \r\n\r\n\xfe")
    imap_account.append(build(subject="Thư sau cùng vẫn được đọc"))

    result = poll(mailbox)

    assert (result.status, result.imported) == ("ok", 4)
    dangerous = InboundMessage.objects.get(subject="Tệp nguy hiểm")
    verdicts = {a.filename: (a.verdict, a.refusal_reason) for a in dangerous.attachments.all()}
    assert verdicts["Tờ trình.pdf"] == ("accepted", "")
    assert "Bom nén" in verdicts["bao-cao.zip"][1]
    assert "chạy được" in verdicts["cai-dat.exe"][1]
    assert "không phải PDF" in verdicts["Quyết định.pdf"][1]
    assert "vượt giới hạn 1 MB" in verdicts["anh-chup.png"][1]
    refused = dangerous.attachments.filter(verdict="refused")
    assert refused.count() == 4
    for attachment in refused:  # quarantined, not thrown away
        assert attachment.file.name.startswith(f"intake/quarantine/{mailbox.agency_id}/")
        assert attachment.file.size == attachment.size
    assert any("4 tệp đính kèm bị từ chối" in warning for warning in dangerous.warnings)

    broken = InboundMessage.objects.get(subject="MIME hỏng")
    assert broken.warnings and broken.attachments.get().verdict == "refused"
    garbage = InboundMessage.objects.exclude(subject__in=["Tệp nguy hiểm", "MIME hỏng", "Thư sau cùng vẫn được đọc"])
    assert garbage.get().warnings
    assert InboundMessage.objects.filter(subject="Thư sau cùng vẫn được đọc").exists()


def test_an_inline_logo_alone_keeps_a_message_as_correspondence(mailbox, imap_account):
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 50
    imap_account.append(raw(
        "From: a@kontum.gov.vn", "Subject: Chữ ký có logo", "MIME-Version: 1.0",
        'Content-Type: multipart/related; boundary="R"', "", "--R", "Content-Type: text/html; charset=utf-8", "",
        '<p>Trân trọng</p><img src="cid:logo">', "--R", "Content-Type: image/png", "Content-ID: <logo>",
        "Content-Disposition: inline", "Content-Transfer-Encoding: base64", "", base64.b64encode(png).decode(),
        "--R--", ""))
    poll(mailbox)
    message = InboundMessage.objects.get()
    assert message.status == "correspondence"
    assert message.attachments.get().is_inline

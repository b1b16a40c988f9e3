import datetime
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from intake.models import InboundAttachment, InboundMessage, Mailbox
from tests import factories

from .conftest import Account, make_mailbox
from .mail import build
from .test_screening import pdf_bytes

pytestmark = pytest.mark.django_db


def message_for(mailbox, subject="Công văn 05/BNV-VP", *, uid=None, official=True, files=(), **fields):
    uid = uid or (InboundMessage.objects.filter(mailbox=mailbox).count() + 1)
    message = InboundMessage(
        agency=mailbox.agency, mailbox=mailbox, uidvalidity=1, uid=uid, raw_sha256=f"{uid:064d}",
        sender_name="Văn phòng", sender_email="vp@kontum.gov.vn" if official else "ai.do@gmail.com",
        sender_is_official=official, subject=subject, body_text="Kính gửi: Bộ Nội vụ", **fields,
    )
    message.raw.save("m.eml", ContentFile(b"Subject: x\r\n\r\nx"), save=False)
    message.save()
    for name, verdict, reason, data in files:
        attachment = InboundAttachment(
            message=message, filename=name, declared_content_type="application/pdf",
            sniffed_content_type="application/pdf", size=len(data), sha256=hashlib.sha256(data).hexdigest(),
            verdict=verdict, refusal_reason=reason,
        )
        attachment.file.save("a", ContentFile(data), save=False)
        attachment.save()
    return message


@pytest.fixture
def own_mailbox(agency, imap_account):
    return make_mailbox(agency, imap_account)


@pytest.fixture
def other_mailbox(other_agency, dovecot):
    return make_mailbox(other_agency, Account(dovecot))


# --- Agency admin: mailbox settings -----------------------------------------------------------------

def test_admin_saves_the_mailbox_and_the_password_is_encrypted_and_never_shown(client_for, admin_member):
    client = client_for(admin_member)
    response = client.post(reverse("mailbox_settings"), {
        "action": "save", "host": "mail.moha.gov.vn", "port": 993, "security": "ssl", "username": "vanthu",
        "password": "Mật khẩu bí mật", "folder": "INBOX", "enabled": "on"})
    assert response.status_code == 302
    mailbox = Mailbox.objects.get(agency=admin_member.agency)
    assert mailbox.get_password() == "Mật khẩu bí mật"
    assert "Mật khẩu bí mật" not in mailbox.password_encrypted

    page = client.get(reverse("mailbox_settings")).content.decode()
    assert "Mật khẩu bí mật" not in page and mailbox.password_encrypted not in page
    assert 'name="password"' in page and "mail.moha.gov.vn" in page

    client.post(reverse("mailbox_settings"), {
        "action": "save", "host": "mail.moha.gov.vn", "port": 993, "security": "ssl", "username": "vanthu",
        "password": "", "folder": "INBOX", "enabled": "on"})
    mailbox.refresh_from_db()
    assert mailbox.get_password() == "Mật khẩu bí mật"  # blank on edit keeps it


def test_a_new_mailbox_needs_a_password(client_for, admin_member):
    response = client_for(admin_member).post(reverse("mailbox_settings"), {
        "action": "save", "host": "mail.moha.gov.vn", "port": 993, "security": "ssl", "username": "vanthu",
        "password": "", "folder": "INBOX"})
    assert response.status_code == 200
    assert "Hãy nhập mật khẩu hộp thư." in response.content.decode()
    assert not Mailbox.objects.exists()


def test_only_the_agency_admin_opens_the_settings(client_for, clerk):
    assert client_for(clerk).get(reverse("mailbox_settings")).status_code == 403


def test_check_now_reads_the_mailbox_and_reports(client_for, admin_member, own_mailbox, imap_account):
    imap_account.append(build())
    client = client_for(admin_member)
    response = client.post(reverse("mailbox_settings"), {"action": "check"}, follow=True)
    page = response.content.decode()
    assert "Đã đọc hộp thư: 1 thư mới." in page
    own_mailbox.refresh_from_db()
    assert own_mailbox.last_success_at is not None
    assert timezone.localtime(own_mailbox.last_success_at).strftime("%d/%m/%Y %H:%M") in page


def test_check_now_shows_the_error_in_vietnamese_with_its_time(client_for, admin_member, own_mailbox):
    own_mailbox.set_password("sai mật khẩu")
    own_mailbox.save()
    page = client_for(admin_member).post(reverse("mailbox_settings"), {"action": "check"}, follow=True)
    page = page.content.decode()
    assert "Không đọc được hộp thư: Sai tên đăng nhập hoặc mật khẩu hộp thư" in page
    own_mailbox.refresh_from_db()
    assert f"Lỗi lúc {timezone.localtime(own_mailbox.last_error_at):%d/%m/%Y %H:%M} (1 lần liên tiếp)" in page


def test_check_now_survives_an_unexpected_failure_and_shows_it(client_for, admin_member, own_mailbox, imap_account,
                                                              settings, tmp_path):
    imap_account.append(build())
    (tmp_path / "file").write_text("")
    settings.MEDIA_ROOT = tmp_path / "file" / "media"  # storage cannot write: a real fault, not a mock
    response = client_for(admin_member).post(reverse("mailbox_settings"), {"action": "check"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Đọc hộp thư gặp lỗi; chi tiết ở mục Tình trạng đọc hộp thư." in page
    assert "Lỗi không mong đợi khi lưu thư" in page


def test_the_sidebar_links_the_mailbox_settings_for_admins(client_for, admin_member):
    page = client_for(admin_member).get(reverse("dashboard")).content.decode()
    assert reverse("mailbox_settings") in page


@pytest.mark.worker
def test_check_now_goes_through_a_real_worker(celery_worker, client_for, admin_member, own_mailbox, imap_account):
    imap_account.append(build())
    page = client_for(admin_member).post(reverse("mailbox_settings"), {"action": "check"}, follow=True)
    assert "Đã đọc hộp thư: 1 thư mới." in page.content.decode()


# --- Clerk: the list ---------------------------------------------------------------------------------

def rows(response):
    """The messages on the page of the list's table, in its order."""
    return [row.record for row in response.context["table"].page.object_list]


def test_the_clerk_sees_only_the_own_agencys_messages_with_the_non_official_badge(client_for, clerk, own_mailbox,
                                                                                   other_mailbox):
    message_for(own_mailbox, "Thư của Bộ", official=False,
                files=[("a.pdf", "accepted", "", b"%PDF-1.4"), ("b.exe", "refused", "Tệp chạy được", b"MZ")],
                warnings=["Người gửi không dùng địa chỉ thư điện tử công vụ (gmail.com)"])
    message_for(other_mailbox, "Thư của tỉnh khác")
    response = client_for(clerk).get(reverse("inbound_list"))
    page = response.content.decode()
    assert "Thư của Bộ" in page and "Thư của tỉnh khác" not in page
    assert "ngoài tên miền công vụ" in page
    assert rows(response)[0].attachment_count == 2


def test_the_list_filters_by_status_sorts_by_received_time_and_pages(client_for, clerk, own_mailbox):
    now = timezone.now()
    for number in range(30):
        message_for(own_mailbox, f"Thư số {number:02d}", received_at=now - datetime.timedelta(hours=number))
    client = client_for(clerk)
    client.post(reverse("inbound_mark", args=[InboundMessage.objects.get(subject="Thư số 05").pk]),
                {"status": "dismissed"})

    newest = rows(client.get(reverse("inbound_list")))
    assert [m.subject for m in newest][:2] == ["Thư số 00", "Thư số 01"] and len(newest) == 25
    oldest = rows(client.get(reverse("inbound_list"), {"sort": "received"}))
    assert oldest[0].subject == "Thư số 29"
    second = client.get(reverse("inbound_list"), {"sort": "received", "page": 2})
    assert [m.subject for m in rows(second)] == [f"Thư số {n:02d}" for n in range(4, -1, -1)]
    # The table's own pager and sort links (django-tables2) keep the other parameters.
    assert "sort=received" in second.content.decode() and 'data-testid="inbound-row"' in second.content.decode()
    dismissed = rows(client.get(reverse("inbound_list"), {"status": "dismissed"}))
    assert [m.subject for m in dismissed] == ["Thư số 05"]


def test_a_specialist_is_refused_the_clerk_pages(client_for, specialist, own_mailbox):
    message = message_for(own_mailbox)
    client = client_for(specialist)
    assert client.get(reverse("inbound_list")).status_code == 403
    assert client.get(reverse("inbound_detail", args=[message.pk])).status_code == 403


# --- Clerk: one message --------------------------------------------------------------------------------

def test_the_detail_shows_body_hints_and_offers_only_accepted_files(client_for, clerk, own_mailbox):
    pdf = pdf_bytes()
    message = message_for(own_mailbox, hint_number_notation="15/QĐ-BNV", hint_document_type="Quyết định",
                          hint_document_date=datetime.date(2026, 11, 15),
                          files=[("Quyết định.pdf", "accepted", "", pdf),
                                 ("cai-dat.exe", "refused", "Tệp chạy được (phần mở rộng .exe) không được nhận.", b"MZ")])
    accepted, refused = message.attachments.order_by("pk")
    client = client_for(clerk)
    page = client.get(reverse("inbound_detail", args=[message.pk])).content.decode()
    assert "Kính gửi: Bộ Nội vụ" in page
    assert "15/QĐ-BNV" in page and "Quyết định" in page and "15/11/2026" in page
    assert reverse("inbound_attachment", args=[message.pk, accepted.pk]) in page
    assert reverse("inbound_attachment", args=[message.pk, refused.pk]) not in page
    assert "Tệp chạy được (phần mở rộng .exe) không được nhận." in page

    download = client.get(reverse("inbound_attachment", args=[message.pk, accepted.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf
    assert "attachment" in download["Content-Disposition"] and "filename*=utf-8''Quy%E1%BA%BFt" in download[
        "Content-Disposition"]
    assert client.get(reverse("inbound_attachment", args=[message.pk, refused.pk])).status_code == 404


def test_another_agency_gets_404_for_the_detail_the_status_change_and_the_files(client_for, own_mailbox,
                                                                               other_agency):
    message = message_for(own_mailbox, files=[("a.pdf", "accepted", "", pdf_bytes())])
    attachment = message.attachments.get()
    stranger = client_for(factories.make_member(other_agency, "clerk"))
    assert stranger.get(reverse("inbound_detail", args=[message.pk])).status_code == 404
    assert stranger.get(reverse("inbound_attachment", args=[message.pk, attachment.pk])).status_code == 404
    assert stranger.post(reverse("inbound_mark", args=[message.pk]), {"status": "dismissed"}).status_code == 404
    assert "Công văn 05/BNV-VP" not in stranger.get(reverse("inbound_list")).content.decode()
    message.refresh_from_db()
    assert message.status == "pending"


def test_the_clerk_marks_a_message_as_correspondence_dismissed_and_back(client_for, clerk, own_mailbox):
    message = message_for(own_mailbox)
    client = client_for(clerk)
    url = reverse("inbound_mark", args=[message.pk])

    client.post(url, {"status": "correspondence"})
    message.refresh_from_db()
    assert (message.status, message.status_changed_by) == ("correspondence", clerk)

    client.post(url, {"status": "dismissed"})
    message.refresh_from_db()
    assert message.status == "dismissed"

    page = client.post(url, {"status": "correspondence"}, follow=True).content.decode()
    message.refresh_from_db()
    assert message.status == "dismissed"
    assert "Không thể chuyển thư từ “Đã bỏ qua” sang “Thư trao đổi”." in page

    client.post(url, {"status": "pending"})
    message.refresh_from_db()
    assert message.status == "pending"


def test_registering_is_not_done_from_the_triage_buttons(client_for, clerk, own_mailbox):
    message = message_for(own_mailbox)
    page = client_for(clerk).post(reverse("inbound_mark", args=[message.pk]), {"status": "registered"}, follow=True)
    message.refresh_from_db()
    assert message.status == "pending"
    assert "Không thể chuyển thư từ “Chờ xử lý” sang “Đã vào sổ”." in page.content.decode()


def test_the_detail_leaves_a_register_action_block_for_the_documents_register(rf, clerk, own_mailbox):
    message = message_for(own_mailbox)
    child = engines["django"].from_string(
        '{% extends "intake/inbound_detail.html" %}{% block register_action %}<a id="register">Vào sổ</a>'
        "{% endblock %}")
    request = rf.get("/")
    request.user, request.membership = clerk.user, clerk
    html = child.render({"message": message, "attachments": [], "Status": InboundMessage.Status}, request)
    assert '<a id="register">Vào sổ</a>' in html


def test_the_list_shows_each_messages_age_in_vietnamese(client_for, clerk, own_mailbox):
    now = timezone.now()
    for subject, ago in [("Mới", datetime.timedelta(seconds=10)), ("Phút", datetime.timedelta(minutes=5)),
                         ("Giờ", datetime.timedelta(hours=3, minutes=2)), ("Ngày", datetime.timedelta(days=2))]:
        message_for(own_mailbox, subject, received_at=now - ago)
    client = client_for(clerk)
    page = client.get(reverse("inbound_list")).content.decode().replace("\xa0", " ")  # humanize's naturaltime
    for text in ("giây trước", "5 phút trước", "3 giờ trước", "2 ngày trước"):
        assert text in page
    assert "ago" not in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("inbound_list")).content.decode().replace("\xa0", " ")
    for text in ("seconds ago", "5 minutes ago", "3 hours ago", "2 days ago"):
        assert text in page

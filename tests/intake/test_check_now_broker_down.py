"""“Kiểm tra ngay” while the task queue is down blames the background service, not the mailbox.

The Celery app's broker is pointed at a loopback port nothing listens on, so queueing the read is really
refused (kombu's OperationalError), as when Redis is down; the IMAP server is the suite's real dovecot."""

import pytest
from django.urls import reverse

from intake.models import InboundMessage
from portal.celery import app
from tests.smtp import free_port

from .mail import build

pytestmark = pytest.mark.django_db

DOWN = ("Dịch vụ chạy nền của cổng đang tạm ngừng nên chưa đọc được hộp thư lúc này (không phải lỗi của hộp thư); "
        "hộp thư sẽ được đọc khi dịch vụ hoạt động trở lại.")


@pytest.fixture
def broker_refusing():
    """The portal's Celery configuration with a broker that refuses connections, as the current app of this
    thread: queueing is real and refused. The portal's own app and its connection pools stay untouched."""
    from celery import Celery

    down = Celery("broker-down", set_as_current=False)
    down.config_from_object("django.conf:settings", namespace="CELERY")
    down.conf.broker_url, down.conf.task_always_eager = f"redis://127.0.0.1:{free_port()}/0", False
    down.set_current()
    yield down
    app.set_current()
    down.close()


def test_check_now_with_the_task_queue_down_says_so_and_leaves_the_mailbox_unblamed(
        broker_refusing, client_for, admin_member, mailbox, imap_account, caplog):
    imap_account.append(build())
    response = client_for(admin_member).post(reverse("mailbox_settings"), {"action": "check"}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert DOWN in page
    assert "Đọc hộp thư gặp lỗi" not in page and "Không đọc được hộp thư" not in page
    mailbox.refresh_from_db()
    assert (mailbox.last_checked_at, mailbox.last_error, mailbox.consecutive_failures) == (None, "", 0)
    assert not InboundMessage.objects.exists()
    assert any("task queue is unavailable" in r.getMessage() for r in caplog.records if r.name == "intake.views")

    app.set_current()  # the service is back: the same mailbox reads as it should
    page = client_for(admin_member).post(reverse("mailbox_settings"), {"action": "check"}, follow=True)
    assert "Đã đọc hộp thư: 1 thư mới." in page.content.decode()


"""Mailboxes reach only mail servers: no internal address, no port scanning through the settings page."""

import socket
import threading

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from intake import hosts, services
from intake.models import InboundMessage, Mailbox

from .conftest import free_port, make_mailbox
from .mail import build

pytestmark = pytest.mark.django_db

REFUSED = ["127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "fd12:3456::1", "169.254.1.1",
           "fe80::1", "100.64.0.1", "100.127.255.254", "0.0.0.0", "::", "224.0.0.1", "ff02::1", "169.254.169.254",
           "fd00:ec2::254", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "240.0.0.1", "192.0.2.10"]
PUBLIC = ["8.8.8.8", "203.162.4.190", "2001:4860:4860::8888", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", REFUSED)
def test_internal_and_special_addresses_are_refused(address):
    assert hosts.is_refused(address)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    assert not hosts.is_refused(address)


def _save(client, host, port=993):
    return client.post(reverse("mailbox_settings"), {
        "action": "save", "host": host, "port": port, "security": "ssl", "username": "vanthu",
        "password": "Mật khẩu", "folder": "INBOX", "enabled": "on"})


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "10.0.0.5", "169.254.169.254", "::1", "100.64.1.1",
                                  "0.0.0.0", "fd00:ec2::254", "2130706433", "0x7f.1"])
def test_the_form_refuses_a_host_that_resolves_inside(client_for, admin_member, settings, host):
    settings.MAILBOX_ALLOW_PRIVATE_HOSTS = False
    response = _save(client_for(admin_member), host)
    assert response.status_code == 200
    assert "trỏ tới một địa chỉ trong mạng nội bộ hoặc địa chỉ dành riêng" in response.content.decode()
    assert not Mailbox.objects.exists()


def test_the_service_refuses_it_too(admin_member, settings):
    settings.MAILBOX_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(ValidationError) as refused:
        services.mailbox_save(admin=admin_member, host="localhost", port=993, security="ssl", username="vanthu",
                              folder="INBOX", enabled=True, password="x")
    assert "host" in refused.value.message_dict
    assert not Mailbox.objects.exists()


def test_the_operator_setting_allows_internal_hosts(client_for, admin_member, settings):
    settings.MAILBOX_ALLOW_PRIVATE_HOSTS = True
    assert _save(client_for(admin_member), "127.0.0.1").status_code == 302
    assert Mailbox.objects.get().host == "127.0.0.1"


def test_a_public_name_that_does_not_resolve_now_can_still_be_saved(client_for, admin_member, settings):
    settings.MAILBOX_ALLOW_PRIVATE_HOSTS = False
    assert _save(client_for(admin_member), "mail.khong-ton-tai.invalid").status_code == 302


def test_a_loopback_host_already_stored_is_refused_at_connect_time(agency, imap_account, settings):
    mailbox = make_mailbox(agency, imap_account)  # saved before the rule, or by the Django admin
    imap_account.append(build())
    settings.MAILBOX_ALLOW_PRIVATE_HOSTS = False
    result = services.mailbox_poll(mailbox.pk)
    mailbox.refresh_from_db()
    assert result.status == "error" and not InboundMessage.objects.exists()
    assert mailbox.last_error == ("Máy chủ thư “127.0.0.1” trỏ tới một địa chỉ trong mạng nội bộ hoặc địa chỉ dành "
                                  "riêng; hộp thư chỉ được kết nối tới máy chủ thư trên Internet.")

    settings.MAILBOX_ALLOW_PRIVATE_HOSTS = True
    assert services.mailbox_poll(mailbox.pk).imported == 1


def test_the_name_is_resolved_once_and_tls_still_checks_it(agency, imap_account, dovecot, settings, monkeypatch):
    """Connecting goes to the address that was checked: a second answer of the resolver (DNS rebinding)
    is never asked for, and TLS still verifies the certificate for the name."""
    settings.MAILBOX_CA_FILE = dovecot.ca_file
    mailbox = make_mailbox(agency, imap_account, security=Mailbox.Security.SSL, port=dovecot.ssl_port)
    Mailbox.objects.filter(pk=mailbox.pk).update(host="localhost")  # the test certificate names localhost
    imap_account.append(build())
    real, asked = socket.getaddrinfo, []

    def rebinding(host, *args, **kwargs):
        if host == "localhost":
            asked.append(host)
            if len(asked) > 1:
                raise socket.gaierror("a second lookup would be answered by the attacker")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    assert services.mailbox_poll(mailbox.pk).imported == 1
    assert asked == ["localhost"]

    settings.MAILBOX_CA_FILE = ""  # the certificate is checked against the name, not skipped
    imap_account.append(build())
    asked.clear()
    assert services.mailbox_poll(mailbox.pk).status == "error"
    assert Mailbox.objects.get(pk=mailbox.pk).last_error.startswith("Lỗi bảo mật TLS: chứng chỉ của máy chủ thư "
                                                                    "localhost")


# --- Closed, filtered and open ports look the same -------------------------------------------------------

class BannerServer:
    """Something that is not IMAP: answers every connection with an SMTP-like banner."""

    def __init__(self, banner=b"220 SECRET-BANNER ESMTP Postfix 3.7 internal-relay-01\r\n"):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.banner, self.connections = banner, 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _address = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            try:
                conn.sendall(self.banner)
                conn.recv(1024)
            except OSError:
                pass
            conn.close()

    def close(self):
        self.sock.close()


class FilteredPort:
    """A port whose SYNs go unanswered: a listener whose one-place backlog is already taken."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        self.filler = socket.create_connection(("127.0.0.1", self.port), timeout=2)

    def close(self):
        self.filler.close()
        self.sock.close()


def _error_for(agency, account, port, security):
    mailbox = make_mailbox(agency, account, port=port, security=security)
    result = services.mailbox_poll(mailbox.pk)
    mailbox.refresh_from_db()
    assert result.status == "error"
    mailbox.delete()
    return mailbox.last_error


@pytest.mark.parametrize("security", [Mailbox.Security.NONE, Mailbox.Security.SSL])
def test_closed_filtered_and_open_ports_read_the_same_and_no_banner_is_echoed(agency, imap_account, settings,
                                                                              client_for, admin_member, security):
    settings.MAILBOX_IMAP_TIMEOUT = 1
    banner, filtered = BannerServer(), FilteredPort()
    closed = free_port()
    try:
        errors = {
            "open": _error_for(agency, imap_account, banner.port, security).replace(str(banner.port), "PORT"),
            "filtered": _error_for(agency, imap_account, filtered.port, security).replace(str(filtered.port), "PORT"),
            "closed": _error_for(agency, imap_account, closed, security).replace(str(closed), "PORT"),
        }
        mailbox = make_mailbox(agency, imap_account, port=banner.port, security=security)
        services.mailbox_poll(mailbox.pk)
        page = client_for(admin_member).get(reverse("mailbox_settings")).content.decode()
    finally:
        banner.close()
        filtered.close()
    assert banner.connections >= 1  # the open port was really reached and answered
    assert len(set(errors.values())) == 1, errors
    assert errors["open"] == ("Không kết nối được tới máy chủ thư 127.0.0.1:PORT. Hãy kiểm tra tên máy chủ, cổng "
                              "và kiểu bảo mật; lần đọc sau sẽ thử lại.")
    assert "Không kết nối được tới máy chủ thư" in page
    assert "SECRET-BANNER" not in page and "Postfix" not in page


def test_a_wrong_password_does_not_repeat_the_servers_words(agency, imap_account):
    mailbox = make_mailbox(agency, imap_account, password="sai")
    services.mailbox_poll(mailbox.pk)
    mailbox.refresh_from_db()
    assert mailbox.last_error == "Sai tên đăng nhập hoặc mật khẩu hộp thư: máy chủ từ chối đăng nhập."

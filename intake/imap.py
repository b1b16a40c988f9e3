"""Read-only IMAP access to an agency mailbox.

The folder is opened with EXAMINE and bodies are fetched with BODY.PEEK[], so nothing on the server is
marked as read, flagged, moved or deleted. Every failure becomes a MailboxError whose message is a clear
Vietnamese sentence for the agency admin. It never repeats what the remote side said (banners, error texts),
and until a server has greeted in IMAP every failure reads the same, so the settings page cannot be used to
tell closed, filtered and open ports apart; the details go to the server log.
"""

import imaplib
import logging
import socket
import ssl
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.utils.translation import gettext as _
from imapclient import IMAPClient

from . import hosts

logger = logging.getLogger(__name__)
FETCH_BATCH_MESSAGES = 20
FETCH_BATCH_BYTES = 20 * 1024 * 1024


class MailboxError(Exception):
    """A failure to read the mailbox, with a message meant for people."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class FetchedMessage:
    uid: int
    raw: bytes
    internaldate: datetime | None


def _ssl_context():
    context = ssl.create_default_context()
    if settings.MAILBOX_CA_FILE:  # e.g. the national government CA, when the system store lacks it
        context.load_verify_locations(cafile=settings.MAILBOX_CA_FILE)
    return context


class Session:
    """A logged-in connection; use `open_session`. Network and protocol failures become MailboxError."""

    def __init__(self, client, mailbox):
        self.client, self.mailbox = client, mailbox

    def _call(self, method, *args, **kwargs):
        try:
            return getattr(self.client, method)(*args, **kwargs)
        except imaplib.IMAP4.abort as exc:
            raise MailboxError(_session_error(self.mailbox, exc)) from exc
        except imaplib.IMAP4.error:
            raise
        except (OSError, EOFError) as exc:
            raise MailboxError(_session_error(self.mailbox, exc)) from exc

    def examine(self, folder):
        """Open the folder read-only (EXAMINE; IMAPClient encodes the name in modified UTF-7) and return its
        UIDVALIDITY."""
        try:
            answer = self._call("select_folder", folder, readonly=True)
        except imaplib.IMAP4.error as exc:  # NO or BAD: the server's words go to the log, not to the page
            _log(self.mailbox, "EXAMINE", exc)
            raise MailboxError(_("Không tìm thấy thư mục “%(folder)s” trên hộp thư.") % {"folder": folder}) from exc
        if not answer.get(b"UIDVALIDITY"):
            raise MailboxError(_("Máy chủ thư không cho biết UIDVALIDITY của thư mục “%(folder)s”.")
                               % {"folder": folder})
        return int(answer[b"UIDVALIDITY"])

    def _uid_command(self, method, what, message, *args):
        try:
            return self._call(method, *args)
        except imaplib.IMAP4.error as exc:
            _log(self.mailbox, what, exc)
            raise MailboxError(message) from exc

    def uids_after(self, last_uid):
        uids = self._uid_command("search", "SEARCH", _("Máy chủ thư từ chối lệnh tìm thư mới."),
                                 ["UID", f"{last_uid + 1}:*"])
        # "n:*" always includes the highest UID, even when it is below n.
        return sorted(uid for uid in uids if uid > last_uid)

    def sizes(self, uids):
        answer = self._uid_command("fetch", "FETCH SIZE", _("Máy chủ thư từ chối lệnh đọc kích thước thư."),
                                   uids, ["RFC822.SIZE"])
        return {uid: data[b"RFC822.SIZE"] for uid, data in answer.items() if b"RFC822.SIZE" in data}

    def batches(self, uids):
        """Groups of UIDs small enough to fetch at once, in UID order."""
        sizes = self.sizes(uids) if uids else {}
        batch, weight = [], 0
        for uid in sorted(uids):
            size = sizes.get(uid, 0)
            if batch and (len(batch) >= FETCH_BATCH_MESSAGES or weight + size > FETCH_BATCH_BYTES):
                yield batch
                batch, weight = [], 0
            batch.append(uid)
            weight += size
        if batch:
            yield batch

    def fetch(self, uids):
        """The full raw messages, without setting \\Seen (BODY.PEEK)."""
        answer = self._uid_command("fetch", "FETCH", _("Máy chủ thư từ chối lệnh tải thư."),
                                   uids, ["INTERNALDATE", "BODY.PEEK[]"])
        wanted = set(uids)
        return [FetchedMessage(uid, answer[uid][b"BODY[]"], answer[uid].get(b"INTERNALDATE"))
                for uid in sorted(answer) if uid in wanted and b"BODY[]" in answer[uid]]


class _PinnedIMAP4(imaplib.IMAP4):
    """IMAP to addresses checked beforehand, not to whatever the name resolves to by then."""

    def __init__(self, host, port, timeout, addresses):
        self._addresses = addresses
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout):
        return hosts.connect(self._addresses, self.port, timeout)


class _PinnedIMAP4_SSL(imaplib.IMAP4_SSL):
    """The same over TLS; SNI and certificate checks still use the host name the admin typed."""

    def __init__(self, host, port, timeout, addresses, ssl_context):
        self._addresses = addresses
        super().__init__(host, port, ssl_context=ssl_context, timeout=timeout)

    def _create_socket(self, timeout):
        sock = hosts.connect(self._addresses, self.port, timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


class _PinnedClient(IMAPClient):
    """IMAPClient over the pinned connections above: it parses the responses and encodes folder names."""

    def __init__(self, host, port, timeout, addresses, ssl_context=None):
        self._addresses = addresses
        super().__init__(host, port, ssl=ssl_context is not None, ssl_context=ssl_context, timeout=timeout)
        self.normalise_times = False  # INTERNALDATE as an aware datetime, not converted to naive local time

    # IMAPClient's private hook, the only way to hand it a connection to the checked address
    # (tests/intake/test_imap_private_api.py fails when an upgrade changes it).
    def _create_IMAP4(self):
        if self.ssl:
            return _PinnedIMAP4_SSL(self.host, self.port, self._timeout.connect, self._addresses, self.ssl_context)
        return _PinnedIMAP4(self.host, self.port, self._timeout.connect, self._addresses)


class _NotReached(Exception):
    """No IMAP greeting from the server: what went wrong stays in the log."""


def _connect(mailbox, timeout):
    host, port = mailbox.host, mailbox.port
    try:
        addresses = hosts.reachable_addresses(host, port)
    except hosts.HostRefused as exc:
        logger.warning("Mailbox %s: %s resolves to an address mailboxes may not reach", mailbox.pk, host)
        raise MailboxError(hosts.refusal_message(host)) from exc
    except (UnicodeError, ValueError) as exc:  # a name the resolver cannot even encode
        raise socket.gaierror(str(exc)) from exc
    try:
        if mailbox.security == mailbox.Security.SSL:
            return _PinnedClient(host, port, timeout, addresses, _ssl_context())
        client = _PinnedClient(host, port, timeout, addresses)
    except ssl.SSLCertVerificationError:
        raise
    except (OSError, EOFError, imaplib.IMAP4.error) as exc:
        _log(mailbox, "connect", exc)
        raise _NotReached from exc
    if mailbox.security == mailbox.Security.STARTTLS:
        if not client.has_capability("STARTTLS"):
            client.shutdown()
            raise MailboxError(_("Máy chủ thư %(host)s không hỗ trợ STARTTLS; hãy chọn SSL/TLS hoặc hỏi quản trị "
                                 "máy chủ thư.") % {"host": host})
        try:
            client.starttls(ssl_context=_ssl_context())
        except ssl.SSLCertVerificationError:
            client.shutdown()
            raise
        except (OSError, EOFError, imaplib.IMAP4.error) as exc:
            client.shutdown()
            _log(mailbox, "STARTTLS", exc)
            raise _NotReached from exc
    return client


def _login(client, mailbox, password):
    if client.has_capability("LOGINDISABLED"):
        raise MailboxError(_("Máy chủ thư không cho đăng nhập qua kết nối chưa mã hóa; hãy chọn SSL/TLS hoặc "
                             "STARTTLS."))
    username = mailbox.username
    try:
        if client.has_capability("AUTH=PLAIN"):  # carries UTF-8 passwords, which LOGIN cannot
            client.plain_login(username, password)
        else:
            client.login(username, password)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        _log(mailbox, "login", exc)
        raise MailboxError(_("Sai tên đăng nhập hoặc mật khẩu hộp thư: máy chủ từ chối đăng nhập.")) from exc


def _log(mailbox, step, detail):
    logger.warning("Mailbox %s (%s:%s) %s: %r", mailbox.pk, mailbox.host, mailbox.port, step, detail)


def _unreachable(mailbox):
    return _("Không kết nối được tới máy chủ thư %(host)s:%(port)s. Hãy kiểm tra tên máy chủ, cổng và kiểu bảo "
             "mật; lần đọc sau sẽ thử lại.") % {"host": mailbox.host, "port": mailbox.port}


def _connection_error(mailbox, exc):
    """Before the server has greeted in IMAP: one sentence for every failure but an unknown name or certificate."""
    _log(mailbox, "connect", exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _("Lỗi bảo mật TLS: chứng chỉ của máy chủ thư %(host)s không hợp lệ hoặc không được tin cậy.") % {
            "host": mailbox.host}
    if isinstance(exc, socket.gaierror):
        return _("Không tìm thấy máy chủ thư “%(host)s”: kiểm tra lại tên máy chủ.") % {"host": mailbox.host}
    return _unreachable(mailbox)


def _session_error(mailbox, exc):
    """After the greeting: what happened, in the clerk's words, never the server's."""
    _log(mailbox, "session", exc)
    where = {"host": mailbox.host}
    if isinstance(exc, TimeoutError):
        return _("Máy chủ thư %(host)s không trả lời: hết thời gian chờ. Lần đọc sau sẽ thử lại.") % where
    if isinstance(exc, ssl.SSLError):
        return _("Lỗi bảo mật TLS khi trao đổi với máy chủ thư %(host)s. Kiểm tra lại kiểu bảo mật và cổng.") % where
    if isinstance(exc, (imaplib.IMAP4.abort, OSError, EOFError)):
        return _("Máy chủ thư %(host)s ngắt kết nối giữa chừng. Lần đọc sau sẽ thử lại.") % where
    return _("Máy chủ thư %(host)s trả lời không đúng giao thức IMAP.") % where


@contextmanager
def open_session(mailbox):
    """Connect (with timeouts) and log in; failures to get that far become a MailboxError."""
    try:
        password = mailbox.get_password()
    except InvalidToken as exc:
        raise MailboxError(_("Không giải mã được mật khẩu hộp thư đã lưu; hãy nhập lại mật khẩu.")) from exc
    if not password:
        raise MailboxError(_("Chưa nhập mật khẩu hộp thư."))
    client = None
    try:
        client = _connect(mailbox, settings.MAILBOX_IMAP_TIMEOUT)
    except _NotReached as exc:
        raise MailboxError(_unreachable(mailbox)) from exc
    except (OSError, imaplib.IMAP4.error, EOFError) as exc:  # ssl.SSLError and socket errors are OSErrors
        raise MailboxError(_connection_error(mailbox, exc)) from exc
    try:
        _login(client, mailbox, password)
    except (OSError, imaplib.IMAP4.error, EOFError) as exc:
        _close(client)
        raise MailboxError(_session_error(mailbox, exc)) from exc
    except MailboxError:
        _close(client)
        raise
    try:
        yield Session(client, mailbox)
    finally:
        _close(client)


def _close(client):
    if client is None:
        return
    try:
        client.logout()
    except (OSError, imaplib.IMAP4.error, EOFError):
        pass

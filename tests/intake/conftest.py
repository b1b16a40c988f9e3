"""A private Dovecot IMAP server for the intake tests, on loopback, with its own config, users and Maildirs."""

import datetime
import imaplib
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from intake.models import Mailbox

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "Mật-khẩu-2026"  # every user has it (a static passdb): each test gets a new user, hence a new Maildir
MAIL_USER = "dovecot"  # an unprivileged user the Debian package creates; Dovecot refuses mail access as root
DH_PARAMS = "/usr/share/dovecot/dh.pem"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = portal-test-{name}
default_internal_user = {user}
default_internal_group = {user}
default_login_user = dovenull
first_valid_uid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
ssl = yes
ssl_cert = <{root}/server.pem
ssl_key = <{root}/server.key
ssl_dh = <{dh}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={user} gid={user} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _make_certificates(root):
    """A test CA and a server certificate for 127.0.0.1 signed by it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Portal test mail CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (root / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (root / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))
    (root / "server.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (root / "server.key").chmod(0o600)


class DovecotServer:
    """`dovecot -F` as a child process; never the system-wide service."""

    def __init__(self, root):
        self.root = Path(root)
        self.port, self.ssl_port = free_port(), free_port()
        self.process = None
        self.host = "127.0.0.1"
        self.ca_file = str(self.root / "ca.pem")
        mail_user = pwd.getpwnam(MAIL_USER)
        for folder in ("run", "state", "mail"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        os.chown(self.root / "mail", mail_user.pw_uid, mail_user.pw_gid)
        _make_certificates(self.root)
        (self.root / "dovecot.conf").write_text(CONFIG.format(
            root=self.root, name=uuid.uuid4().hex[:8], user=MAIL_USER, port=self.port, ssl_port=self.ssl_port,
            dh=DH_PARAMS, password=PASSWORD))

    def start(self):
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL, stderr=open(self.root / "stderr.log", "ab"), start_new_session=True,
        )
        # Without this socket the auth process skips its brute-force penalty, which would otherwise slow every
        # login after a wrong-password test by up to 15 s. The master creates it at once; the auth process
        # looks for it when the first client connects, so it must go before anyone connects.
        penalty = self.root / "run" / "anvil-auth-penalty"
        deadline = time.monotonic() + 15
        while not penalty.exists() and self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        penalty.unlink(missing_ok=True)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("dovecot exited:\n" + self.log())
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("dovecot did not answer:\n" + self.log())
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None

    def log(self):
        return "\n".join(path.read_text(errors="replace") for path in (self.root / "dovecot.log",
                                                                        self.root / "stderr.log") if path.exists())

    def client(self, account):
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        credentials = b"\0" + account.user.encode() + b"\0" + account.password.encode()
        client.authenticate("PLAIN", lambda _challenge: credentials)
        return client


class Account:
    def __init__(self, server, user=None):
        self.server, self.user, self.password = server, user or f"vanthu{uuid.uuid4().hex[:10]}", PASSWORD

    def append(self, raw, folder="INBOX"):
        """Deliver a message the way a mail server would, with IMAP APPEND; returns its UID."""
        client = self.server.client(self)
        try:
            status, data = client.append(folder, None, None, raw)
            assert status == "OK", data
            return int(data[0].split(b"APPENDUID ")[1].split(b"]")[0].split()[1])
        finally:
            client.logout()

    def server_state(self, folder="INBOX"):
        """{uid: flags} as the server has them, read without changing anything."""
        client = self.server.client(self)
        try:
            client.select(folder, readonly=True)
            status, data = client.uid("FETCH", "1:*", "(UID FLAGS)")
            assert status == "OK", data
            state = {}
            for line in data:
                if not line:
                    continue
                line = line.decode()
                uid = int(line.split("UID ")[1].split()[0].rstrip(")"))
                state[uid] = line.split("FLAGS (")[1].split(")")[0].split()
            return state
        finally:
            client.logout()


@pytest.fixture(scope="session")
def dovecot_root():
    """A directory the unprivileged mail user can reach (pytest's own tmp dirs are root-only)."""
    def make():
        root = Path(tempfile.mkdtemp(prefix="portal-dovecot-"))
        root.chmod(0o755)
        made.append(root)
        return root

    made = []
    yield make
    for root in made:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot(dovecot_root):
    if not Path(DOVECOT).exists():
        pytest.fail("Dovecot is missing: `make test` installs it (apt-get install dovecot-imapd).")
    server = DovecotServer(dovecot_root()).start()
    yield server
    server.stop()


@pytest.fixture
def imap_account(dovecot, settings):
    """A fresh IMAP user with an empty INBOX and a Vietnamese password (sent as UTF-8 with AUTH=PLAIN).

    The test Dovecot listens on loopback, which mailboxes may reach only when the operator allows it."""
    settings.MAILBOX_ALLOW_PRIVATE_HOSTS = True
    return Account(dovecot)


@pytest.fixture(autouse=True)
def _loopback_mail_server_allowed(settings):
    """Every intake test talks to the Dovecot on loopback; the tests of the host check turn this off."""
    settings.MAILBOX_ALLOW_PRIVATE_HOSTS = True


@pytest.fixture
def worker_env():
    return {"MAILBOX_ALLOW_PRIVATE_HOSTS": "1"}


def make_mailbox(agency, account, **fields):
    password = fields.pop("password", account.password)
    mailbox = Mailbox(
        agency=agency, host=account.server.host, port=fields.pop("port", account.server.port),
        security=fields.pop("security", Mailbox.Security.NONE), username=account.user, **fields,
    )
    mailbox.set_password(password)
    mailbox.save()
    return mailbox


@pytest.fixture
def mailbox(agency, imap_account):
    return make_mailbox(agency, imap_account)

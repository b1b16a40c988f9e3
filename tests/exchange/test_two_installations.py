"""Two installations of the portal side by side, for real (issue 15): two databases, two gunicorn servers speaking
TLS with certificates of a test CA, two Celery workers on their own Redis databases. A document goes from an agency
of the first to an agency of the second while the network to the receiver loses the answer, then is cut, then comes
back; it arrives once, and every status (01, 03, 04, 05, 06; 02 with its reason for another document) comes back to
the sender's delivery as it does in the portal.

Each installation is driven through its own services by tests/exchange/peer_driver.py (one process each).
"""

import datetime
import ipaddress
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest
import redis
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import connection

from tests.conftest import ROOT
from tests.smtp import free_port
from tests.waiting import wait_for

# The installations' databases are named after the run's own (DATABASE_URL): <name>_one, <name>_two. Their workers
# use Redis databases of their own, flushed at the start: EXCHANGE_TEST_REDIS_DBS (default "8,9").
REDIS_DBS = [int(n) for n in os.environ.get("EXCHANGE_TEST_REDIS_DBS", "8,9").split(",")]
BNV = {"name": "Bộ Nội vụ", "code": "000.00.00.G09", "domain": "moha.gov.vn", "short_name": "BNV"}
KONTUM = {"name": "Ủy ban nhân dân tỉnh Kon Tum", "code": "000.00.00.H34", "domain": "kontum.gov.vn",
          "short_name": "UBND"}


# --- a TLS test CA ---------------------------------------------------------------------------------------------

def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def tls_ca(directory):
    """A CA and one server certificate for 127.0.0.1/localhost, as files; returns (ca_pem, cert_path, key_path)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("CA thử liên thông")).issuer_name(_name("CA thử liên thông"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    cert_path, key_path = directory / "server.pem", directory / "server.key"
    cert_path.write_bytes(cert.public_bytes(pem))
    key_path.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return ca.public_bytes(pem).decode("ascii"), cert_path, key_path


# --- a TCP proxy between the sender and the receiver: open, losing the answers, or down ---------------------------

class Proxy:
    def __init__(self, target_port):
        self.target = ("127.0.0.1", target_port)
        self.mode = "open"
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True, name="exchange-proxy")
        self.thread.start()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                client, _address = self.listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            if self.mode == "down":  # the network is cut: the connection dies at once
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            line = {"drop": self.mode == "drop_answers", "sent": 0, "last": time.monotonic()}
            threading.Thread(target=self._pipe, args=(client, upstream, line, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, line, False), daemon=True).start()

    @staticmethod
    def _answer_started(line):
        """TLS hides the bytes, so the answer is recognised by its timing: the server speaks after the client sent
        its request (more than the handshake) and then waited for it (the receiver at work)."""
        return line["sent"] > 8192 and time.monotonic() - line["last"] > 0.05

    def _pipe(self, source, target, line, upstream):
        """Copy bytes one way; on a line that drops answers, the answer cuts the line instead of passing (the
        request got through, its answer is lost)."""
        try:
            while data := source.recv(65536):
                if upstream:
                    line["sent"] += len(data)
                    line["last"] = time.monotonic()
                elif line["drop"] and self._answer_started(line):
                    break
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def stop(self):
        self.stopped.set()
        self.thread.join(5)
        self.listener.close()


# --- one installation: database, gunicorn over TLS, a worker, a driver -------------------------------------------

def redis_base():
    """The run's Redis server (REDIS_URL) without its database number."""
    url = os.environ.get("REDIS_URL") or settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    return url.rsplit("/", 1)[0]


def _database_url(name):
    return os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name


def _admin():
    return psycopg.connect(_database_url("postgres"), autocommit=True)


class Installation:
    def __init__(self, label, tmp_path, redis_db, tls):
        self.label, self.dir = label, tmp_path / label
        self.dir.mkdir()
        self.database = f"{os.environ['DATABASE_URL'].rsplit('/', 1)[1]}_{label}"
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.redis_url = f"{redis_base()}/{redis_db}"
        self.tls = tls
        self.processes, self.logs = [], []
        self.driver = None

    def env(self):
        env = dict(os.environ)
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update({
            "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": _database_url(self.database),
            "REDIS_URL": self.redis_url, "CELERY_QUEUE": f"exb-{self.label}", "MEDIA_ROOT": str(self.dir / "media"),
            "PORTAL_VAR_DIR": str(settings.VAR_DIR), "PKI_DEMO_SERVICE_URL": settings.PKI_DEMO_SERVICE_URL,
            "PKI_TSA_URL": settings.PKI_TSA_URL, "SITE_URL": self.url, "DEBUG": "0", "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost", "DELIVERY_RETRY_BASE_SECONDS": "1",
            "DELIVERY_RETRY_MAX_SECONDS": "2", "DELIVERY_MAX_ATTEMPTS": "30", "EXCHANGE_CONNECT_TIMEOUT": "3",
            "EXCHANGE_READ_TIMEOUT": "20", "GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "4", "CELERY_SKIP_CHECKS": "1",  # system checks are other tests' business
        })
        return env

    def _spawn(self, name, args, **kwargs):
        log = (self.dir / f"{name}.log").open("wb")
        self.logs.append(self.dir / f"{name}.log")
        process = subprocess.Popen(args, cwd=ROOT, env=self.env(), stdout=kwargs.pop("stdout", log), stderr=log,
                                   start_new_session=True, **kwargs)
        self.processes.append(process)
        return process

    def start(self):
        ca_pem, cert_path, key_path = self.tls
        redis.Redis.from_url(self.redis_url).flushdb()
        bin_dir = os.path.dirname(sys.executable)
        self._spawn("gunicorn", [os.path.join(bin_dir, "gunicorn"), "--config", "portal/gunicorn.conf.py",
                                 "--certfile", str(cert_path), "--keyfile", str(key_path), "portal.wsgi"])
        # Without -Q the worker consumes every queue of its installation (exb-<label>.*, portal/queues.py).
        self.worker = self._spawn("worker", [sys.executable, "-m", "celery", "-A", "portal", "worker",
                                             "--loglevel=INFO", "--concurrency=2", "--without-gossip",
                                             "--without-mingle",
                                             "-n", f"exb-{self.label}-{os.getpid()}@%h"])
        self.driver = self._spawn("driver", [sys.executable, "-m", "tests.exchange.peer_driver"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def wait_ready(self):
        context = ssl.create_default_context(cadata=self.tls[0])

        def web_up():
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2, context=context).close()
            except urllib.error.HTTPError:
                return True
            except OSError:
                return False
            return True

        def alive():
            assert all(process.poll() is None for process in self.processes), self.log_text()
            return True

        assert wait_for(lambda: alive() and web_up(), timeout=40, interval=0.2), self.log_text()
        assert wait_for(lambda: alive() and b" ready." in (self.dir / "worker.log").read_bytes(), timeout=40,
                        interval=0.2), self.log_text()

    def __call__(self, command, **arguments):
        self.driver.stdin.write((json.dumps({"command": command, **arguments}) + "\n").encode())
        self.driver.stdin.flush()
        line = self.driver.stdout.readline()
        assert line, self.log_text()
        answer = json.loads(line)
        assert "error" not in answer, answer["error"]
        return answer["ok"]

    def log_text(self):
        return "\n".join(f"== {path.name}\n{path.read_text(errors='replace')[-4000:]}" for path in self.logs)

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        if self.driver:
            self.driver.stdin.close()
            self.driver.stdout.close()


def _databases(names):
    """Fresh databases: the first migrated, the others copies of it."""
    with _admin() as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{names[0]}"')
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": _database_url(names[0])}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0", "--skip-checks"], cwd=ROOT, env=env, check=True)
    with _admin() as admin:
        for name in names[1:]:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{names[0]}"')


def _drop(names):
    with _admin() as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def installations(transactional_db, tmp_path):
    """`one` serves Bộ Nội vụ, `two` serves Kon Tum; each knows the other as a peer, `one` reaches `two` only
    through `proxy`."""
    if not connection.settings_dict["ENGINE"].endswith("postgresql"):
        pytest.skip("two installations need PostgreSQL")
    tls = tls_ca(tmp_path)
    one, two = Installation("one", tmp_path, REDIS_DBS[0], tls), Installation("two", tmp_path, REDIS_DBS[1], tls)
    names = [one.database, two.database]
    _databases(names)
    proxy = Proxy(two.port)
    try:
        one.start()
        two.start()
        bnv = one("agency_setup", **BNV)
        kontum = two("agency_setup", **KONTUM)
        peer = {key: BNV[key] for key in ("name", "code", "domain")}
        two("peer_add", code="bo-noi-vu", name="Hệ thống của Bộ Nội vụ", endpoint=f"{one.url}/exchange/edxml/",
            signing_pem=bnv["certificate_pem"], tls_ca_pem=tls[0], agencies=[peer])
        peer = {key: KONTUM[key] for key in ("name", "code", "domain")}
        one("peer_add", code="kon-tum", name="Hệ thống của tỉnh Kon Tum",
            endpoint=f"https://127.0.0.1:{proxy.port}/exchange/edxml/", signing_pem=kontum["certificate_pem"],
            tls_ca_pem=tls[0], agencies=[peer])
        one.wait_ready()
        two.wait_ready()
        yield one, two, proxy
    finally:
        proxy.stop()
        one.stop()
        two.stop()
        _drop(names)


def _until(predicate, what, *installations, timeout=30):
    if wait_for(predicate, timeout=timeout, interval=0.2):
        return
    state = [json.dumps(i("messages"), ensure_ascii=False) for i in installations]
    pytest.fail("\n".join([what, *state, *(i.log_text() for i in installations)]))


def test_a_document_crosses_to_another_installation_once_through_a_cut_and_every_status_comes_back(installations):
    one, two, proxy = installations
    summary = "V/v thử nghiệm liên thông giữa hai hệ thống"
    proxy.mode = "drop_answers"  # the receiver gets the envelope, the sender never hears its answer
    outgoing = one("issue", to_code=KONTUM["code"], summary=summary)["outgoing"]

    _until(lambda: two("incoming", summary=summary)["count"] == 1, "the envelope never reached two", one, two)
    _until(lambda: one("delivery", outgoing=outgoing)["status"] == "retry", "one did not retry", one, two)
    proxy.mode = "down"  # now the network is cut altogether
    tried = one("delivery", outgoing=outgoing)["attempts"]
    _until(lambda: one("delivery", outgoing=outgoing)["attempts"] > tried, "no attempt while down", one, two)
    assert one("delivery", outgoing=outgoing)["status"] in ("retry", "sending")
    proxy.mode = "open"
    _until(lambda: one("delivery", outgoing=outgoing)["status"] == "sent", "never sent once restored", one, two)

    sent = one("delivery", outgoing=outgoing)
    assert "already_received" in sent["response"]  # the repeat was recognised...
    arrived = two("incoming", summary=summary)
    assert arrived["count"] == 1 and arrived["source"] == "peer"  # ...and nothing was duplicated
    assert arrived["files"] and arrived["document_id"].startswith(BNV["code"] + ",")
    received = [m for m in two("messages")["rows"] if m["direction"] == "in" and m["kind"] == "document"]
    assert len(received) == 1 and received[0]["message_id"] == sent["message_id"]

    # Every status the recipient's staff cause comes back to the sender's delivery.
    _until(lambda: one("delivery", outgoing=outgoing)["remote_status"] == "01", "01 never came back", one, two)
    for step, code in (("register", "03"), ("route", "04"), ("progress", "05"), ("complete", "06")):
        assert two("handle", summary=summary, step=step)["status"] == code
        _until(lambda code=code: one("delivery", outgoing=outgoing)["remote_status"] == code,
               f"{code} never came back", one, two)
    statuses = [m["status_code"] for m in one("messages")["rows"] if m["direction"] == "in"]
    assert sorted(statuses) == ["01", "03", "04", "05", "06"]  # each once
    told = [m for m in two("messages")["rows"] if m["direction"] == "out"]
    assert sorted(m["status_code"] for m in told) == ["01", "03", "04", "05", "06"]
    assert {m["state"] for m in told} == {"done"}

    # The sender recalls it (its signer agreeing); the recipient's clerk agrees: 13 and 15 come back.
    one("recall", outgoing=outgoing, reason="Ban hành nhầm đối tượng")
    _until(lambda: two("messages") and any(m["business"] == "1" for m in two("messages")["rows"]),
           "the recall never reached two", one, two)
    answered = two("revision_answer", summary=summary, agree=True)
    assert answered == {"count": 1, "status": "13"}
    _until(lambda: one("notice", outgoing=outgoing)["answer"] == "15", "15 never came back", one, two)
    assert one("notice", outgoing=outgoing)["sending"] == "sent"
    _until(lambda: one("delivery", outgoing=outgoing)["remote_status"] == "13", "13 never came back", one, two)

    # Another document, refused with a reason: 02 and the reason reach the sender.
    refused = "V/v văn bản gửi nhầm nơi nhận"
    second = one("issue", to_code=KONTUM["code"], summary=refused)["outgoing"]
    _until(lambda: two("incoming", summary=refused)["count"] == 1, "the second document never arrived", one, two)
    two("handle", summary=refused, step="refuse", reason="Không thuộc thẩm quyền của tỉnh")
    _until(lambda: one("delivery", outgoing=second)["remote_status"] == "02", "02 never came back", one, two)
    assert one("delivery", outgoing=second)["remote_status_reason"] == "Không thuộc thẩm quyền của tỉnh"
    assert one("delivery", outgoing=second)["status"] == "sent"

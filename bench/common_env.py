"""What the benchmarks that need the real services share: a database, a worker, an SMTP sink, the demo PKI."""

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ensure_database():
    """Create the benchmark database if missing and bring its schema up to date."""
    import psycopg
    from django.conf import settings
    from django.core.management import call_command

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("benchmarks run on PostgreSQL: set DATABASE_URL (make bench does)")
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres",
                         autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')
    call_command("migrate", verbosity=0, interactive=False)


def serving(port, path, timeout):
    """Whether GET `path` on 127.0.0.1:`port` answers 200 within `timeout` seconds (a server just started)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return True
        except OSError:
            time.sleep(0.1)
    return False


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    def __init__(self, args, env=None, log=None):
        self.log = open(log or os.devnull, "ab")
        self.process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
        self.log.close()


def start_smtp_sink(log_path):
    port = free_port()
    sink = Process([sys.executable, "-m", "devtools.smtp_sink", "--port", str(port), "--log", str(log_path)])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return sink, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("SMTP sink did not start")


def start_worker(env, concurrency=2):
    from portal.celery import app

    app.control.purge()
    worker = Process([sys.executable, "-m", "celery", "-A", "portal", "worker", "--loglevel=WARNING",
                      f"--concurrency={concurrency}", "--without-gossip", "--without-mingle"], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if app.control.inspect(timeout=0.5).ping():
            return worker
    worker.stop()
    raise RuntimeError("celery worker did not start")


def start_pki_services(log=None):
    """The demo CA's OCSP, CRL and TSA served by gunicorn on a free port, as `make run` serves them.

    A demo CA and TSA of this run's own (their certificates name this run's port) are made in a temporary
    VAR_DIR before the services' process starts, so that both read the same ones. Returns (process, base URL).
    """
    from django.conf import settings

    from pki import demo

    var_dir = Path(tempfile.mkdtemp(prefix="bench-pki-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}/pki"
    settings.VAR_DIR, settings.PKI_DEMO_SERVICE_URL, settings.PKI_TSA_URL = var_dir, base, f"{base}/tsa"
    demo.demo_ca()
    demo.demo_tsa()
    env = {"PKI_DEMO_SERVICE_URL": base, "PKI_TSA_URL": f"{base}/tsa", "SECURE_SSL_REDIRECT": "0",
           "PORTAL_VAR_DIR": str(var_dir)}
    services = Process([sys.executable, "-m", "gunicorn", "portal.wsgi:application", "-b", f"127.0.0.1:{port}",
                        "-w", "1", "--threads", "4", "--log-level", "warning"], env=env, log=log)
    if serving(port, "/pki/demo-ca.crt", timeout=30):
        return services, base
    services.stop()
    raise RuntimeError("the demo PKI services did not start")

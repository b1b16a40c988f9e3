"""The demo CA's OCSP responder, CRL and timestamp authority as real HTTP services for the tests.

The portal's own WSGI application (pki.demo_services behind portal.urls) runs in a thread on a free loopback
port, started once per session on first use. Every test gets settings.PKI_DEMO_SERVICE_URL and
settings.PKI_TSA_URL pointing at it, so certificates issued during the test name these services and signing
fetches OCSP/CRL and timestamps from them.
"""

import threading

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the method it overrides
        pass

    def log_request(self, code="-", size="-"):
        self.server.paths.append(self.path)  # what was asked, in order: tests count OCSP/TSA round trips


class PkiServices:
    """A running server; `url` is the base of the demo services, as PKI_DEMO_SERVICE_URL."""

    def __init__(self):
        self.httpd = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
        self.httpd.set_app(WSGIHandler())
        self.httpd.paths = []
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/pki"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="pki-services", daemon=True)
        self.thread.start()

    def asked(self, since=0):
        """The services asked since request number `since`: 'ocsp', 'crl', 'tsa', ... in order."""
        return [path.removeprefix("/pki/").split("/")[0].split("?")[0] for path in self.httpd.paths[since:]]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture(scope="session")
def pki_services():
    """The demo PKI services (OCSP, CRL, TSA, CA certificate) over real HTTP on 127.0.0.1, one per session.

    The server thread answers with its own database connection, so it sees only committed rows: a test whose
    outcome depends on a revocation (pki.demo.revoke) being seen by OCSP or the CRL must use
    `@pytest.mark.django_db(transaction=True)`. In other tests every certificate simply answers "good".
    The demo CA itself is the per-session one of `_demo_ca_in_tmp` (settings.VAR_DIR), shared with the thread.
    """
    services = PkiServices()
    yield services
    services.stop()


@pytest.fixture(autouse=True)
def _pki_services_urls(settings, pki_services):
    """Certificates issued in the test name the session's services; signing timestamps with its TSA."""
    settings.PKI_DEMO_SERVICE_URL = pki_services.url
    settings.PKI_TSA_URL = f"{pki_services.url}/tsa"

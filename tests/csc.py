"""The remote signing service of the tests: devtools.csc_server as a real process on a free loopback port.

`csc_server` starts one per test (state in a temporary directory) and points settings.REMOTE_SIGNING_PROVIDERS
["csc"] at it. The handle adds credentials (as the service's admin would) and answers on the person's "phone".
"""

import base64
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.smtp import ROOT, free_port

CLIENT_ID, CLIENT_SECRET = "portal-test", "portal-test-secret"


class CscServer:
    def __init__(self, state_dir, *, timeout=60):
        self.port, self.state_dir, self.timeout = free_port(), state_dir, timeout
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "devtools.csc_server", "--port", str(self.port), "--state-dir",
             str(self.state_dir), "--timeout", str(self.timeout), "--client-id", CLIENT_ID,
             "--client-secret", CLIENT_SECRET], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                self._post("/csc/v2/info", {})
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("CSC server exited: " + self.process.stdout.read().decode()) from None
                time.sleep(0.05)
        raise RuntimeError("CSC server did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        if self.process:
            self.process.stdout.close()

    @property
    def provider(self):
        return {"kind": "csc", "url": self.url, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}

    def worker_env(self):
        """The environment a worker process needs to reach this service (portal.settings reads it)."""
        return {"REMOTE_SIGNING_CSC_URL": self.url, "REMOTE_SIGNING_CSC_CLIENT_ID": CLIENT_ID,
                "REMOTE_SIGNING_CSC_CLIENT_SECRET": CLIENT_SECRET}

    def _post(self, path, body, headers=None):
        request = urllib.request.Request(
            f"{self.url}{path}", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")

    def add_credential(self, user_id, certificate, key, chain=()):
        """The service's admin gives `user_id` a credential holding this key pair; returns its id."""
        p12 = pkcs12.serialize_key_and_certificates(b"signer", key, certificate, list(chain),
                                                   serialization.NoEncryption())
        body = {"userID": user_id, "pkcs12": base64.b64encode(p12).decode()}
        return self._post("/test/credentials", body)["credentialID"]

    def answer(self, response_id, action):
        """The person taps "Xác nhận" (confirm) or "Từ chối" (refuse) on their phone."""
        return self._post(f"/phone/{response_id}/{action}", {})

    def phone(self, user_id):
        """The phone page's pending request ids."""
        with urllib.request.urlopen(f"{self.url}/phone/{user_id}", timeout=10) as response:
            return re.findall(r'data-request="([0-9a-f]+)"', response.read().decode())

    def call(self, path, body, headers=None):
        """(status, JSON answer) of any call, errors included."""
        try:
            return 200, self._post(path, body, headers)
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


def start_csc_server(tmp_path, settings, *, timeout=60):
    server = CscServer(tmp_path / f"csc-{free_port()}", timeout=timeout).start()
    settings.REMOTE_SIGNING_PROVIDERS = {"csc": server.provider}
    return server


@pytest.fixture(name="csc_server")
def csc_server_fixture(tmp_path, settings):
    """Import `csc_server_fixture` into a test module to use the fixture `csc_server`."""
    server = start_csc_server(tmp_path, settings)
    yield server
    server.stop()

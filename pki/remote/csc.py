"""Cloud Signature Consortium API v2 adapter, over HTTP with timeouts (urllib: no extra dependency).

Asynchronous signing as CSC v2 defines it: signatures/signHash with operationMode "A" answers a responseID at
once; signatures/signPolling answers the signature once the person has confirmed on their device, and until then
the error `signature_pending` (devtools/csc_server.py documents the whole reading). The service authenticates
the portal with its client credentials (auth/login, HTTP Basic) and the bearer token it returns.
"""

import base64
import json
import logging
import threading
import time
import urllib.error
import urllib.request

from django.conf import settings

from .base import CredentialInfo, Outcome, Poll, RemoteProvider, RemoteRejected, RemoteUnavailable

logger = logging.getLogger(__name__)

HASH_OIDS = {"sha256": "2.16.840.1.101.3.4.2.1", "sha384": "2.16.840.1.101.3.4.2.2", "sha512": "2.16.840.1.101.3.4.2.3"}
RSA_ENCRYPTION = "1.2.840.113549.1.1.1"
ECDSA_WITH = {"sha256": "1.2.840.10045.4.3.2", "sha384": "1.2.840.10045.4.3.3", "sha512": "1.2.840.10045.4.3.4"}
# signPolling's error codes for a request that will not be signed; anything else unexpected is a rejection.
FINAL_ERRORS = {
    "signature_pending": Outcome.PENDING,
    "access_denied": Outcome.REFUSED,
    "expired_request": Outcome.EXPIRED,
    "cancelled_request": Outcome.CANCELLED,
}

_tokens = {}  # (url, client_id) -> (token, monotonic expiry)
_tokens_lock = threading.Lock()


class CscProvider(RemoteProvider):
    @property
    def url(self):
        return self.config["url"].rstrip("/")

    @property
    def timeout(self):
        return float(self.config.get("timeout") or settings.PKI_HTTP_TIMEOUT)

    def _http(self, path, body, authorization):
        data = json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json", "Authorization": authorization},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                answer = json.loads(exc.read() or b"{}")
            except ValueError:
                answer = {}
            return exc.code, answer if isinstance(answer, dict) else {}
        except (OSError, ValueError) as exc:  # refused, unreachable, timed out, not JSON
            logger.warning("CSC %s %s: %s", self.name, path, exc)
            raise RemoteUnavailable() from exc

    def _token(self, *, renew=False):
        key = (self.url, self.config.get("client_id", ""))
        with _tokens_lock:
            token, expiry = _tokens.get(key, (None, 0))
        if token and not renew and expiry > time.monotonic():
            return token
        pair = f"{self.config.get('client_id', '')}:{self.config.get('client_secret', '')}".encode()
        status, answer = self._http("/csc/v2/auth/login", {}, "Basic " + base64.b64encode(pair).decode())
        if status != 200 or not answer.get("access_token"):
            raise RemoteRejected(f"CSC auth/login: {answer.get('error_description') or status}")
        with _tokens_lock:
            _tokens[key] = answer["access_token"], time.monotonic() + int(answer.get("expires_in", 600)) - 30
        return answer["access_token"]

    def _call(self, method, body):
        """(status, answer) of an authenticated call; a stale token is renewed once."""
        status, answer = self._http(f"/csc/v2/{method}", body, f"Bearer {self._token()}")
        if status == 401:
            status, answer = self._http(f"/csc/v2/{method}", body, f"Bearer {self._token(renew=True)}")
        return status, answer

    def _ok(self, method, body):
        status, answer = self._call(method, body)
        if status != 200:
            if status >= 500:
                raise RemoteUnavailable()
            raise RemoteRejected(f"CSC {method}: {answer.get('error_description') or answer.get('error') or status}")
        return answer

    def credentials(self, account):
        return list(self._ok("credentials/list", {"userID": account}).get("credentialIDs", []))

    def credential_info(self, credential_id):
        answer = self._ok("credentials/info", {"credentialID": credential_id, "certificates": "chain"})
        algos = set(answer.get("key", {}).get("algo", []))
        return CredentialInfo(
            certificates=[base64.b64decode(c) for c in answer.get("cert", {}).get("certificates", [])],
            key_algorithm="rsa" if RSA_ENCRYPTION in algos else "ec",
        )

    def start(self, *, account, credential_id, digest, digest_algorithm="sha256", key_algorithm="rsa",
              description=""):
        answer = self._ok("signatures/signHash", {
            "credentialID": credential_id, "hashes": [base64.b64encode(digest).decode()],
            "hashAlgorithmOID": HASH_OIDS[digest_algorithm],
            "signAlgo": RSA_ENCRYPTION if key_algorithm == "rsa" else ECDSA_WITH[digest_algorithm],
            "operationMode": "A", "clientData": description,
        })
        if not answer.get("responseID"):
            raise RemoteRejected("CSC signatures/signHash: no responseID")
        return answer["responseID"]

    def poll(self, request_id):
        status, answer = self._call("signatures/signPolling", {"responseID": request_id})
        if status == 200 and answer.get("signatures"):
            return Poll(Outcome.SIGNED, base64.b64decode(answer["signatures"][0]))
        if status >= 500:
            raise RemoteUnavailable()
        message = answer.get("error_description") or answer.get("error") or str(status)
        outcome = FINAL_ERRORS.get(answer.get("error"))
        if outcome is None:
            raise RemoteRejected(f"CSC signatures/signPolling: {message}")
        return Poll(outcome, None, message)

    def cancel(self, request_id):
        self._call("signatures/signCancel", {"responseID": request_id})

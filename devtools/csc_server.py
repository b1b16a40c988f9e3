"""A remote signing service for tests and `make run`, in its own process (no Django):

    python -m devtools.csc_server --port 8765 --state-dir DIR [--timeout 300] [--client-id ID --client-secret S]

It speaks the subset of the Cloud Signature Consortium API v2 a signing client needs, and holds the keys:

- POST /csc/v2/info; POST /csc/v2/auth/login (HTTP Basic client credentials → bearer token);
- POST /csc/v2/credentials/list {userID}; POST /csc/v2/credentials/info {credentialID} (chain, key algorithm);
- POST /csc/v2/signatures/signHash {credentialID, hashes, hashAlgorithmOID, signAlgo, operationMode: "A",
  clientData} → {responseID}; POST /csc/v2/signatures/signPolling {responseID} → {signatures} once confirmed.

Our reading of CSC v2's asynchronous mode: with operationMode "A" signHash answers at once with a responseID and
the signature is fetched later with signatures/signPolling. The person's confirmation on their own device stands in
for the Signature Activation Data (an out-of-band, "decoupled" authorisation), so no SAD is sent. Until the person
answers, signPolling refuses with 400 `signature_pending`; afterwards it answers the signatures, or 400
`access_denied` (refused on the phone), `expired_request` (not answered within --timeout seconds) or
`cancelled_request`. POST /csc/v2/signatures/signCancel {responseID} is our extension (CSC has no cancel).
Errors are CSC JSON: {"error": ..., "error_description": ...}.

Test endpoints: POST /test/credentials {userID, pkcs12 (base64), password?} adds a credential (also kept in the
state dir, read back at start); GET /phone/<userID> is the person's "phone", an HTML page of their pending requests
with the buttons "Xác nhận" and "Từ chối"; POST /phone/<responseID>/confirm|refuse answers one (JSON, or a redirect
back to the phone page for the HTML form).
"""

import argparse
import base64
import binascii
import html
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.serialization import pkcs12

HASHES = {
    "2.16.840.1.101.3.4.2.1": hashes.SHA256,
    "2.16.840.1.101.3.4.2.2": hashes.SHA384,
    "2.16.840.1.101.3.4.2.3": hashes.SHA512,
}
RSA_ALGOS = {"1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13"}
EC_ALGOS = {"1.2.840.10045.2.1", "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4"}
TOKEN_SECONDS = 3600
CREDENTIAL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # also its file name in the state dir


class CscError(Exception):
    def __init__(self, status, error, description):
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


class Service:
    """Credentials, tokens and signature requests, behind one lock."""

    def __init__(self, state_dir, timeout, client_id, client_secret):
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.timeout, self.client = timeout, (client_id, client_secret)
        self.lock = threading.Lock()
        self.credentials, self.tokens, self.requests = {}, {}, {}
        for path in sorted(self.state_dir.glob("*.credential.json")):
            self._load(json.loads(path.read_text()))

    # --- credentials -----------------------------------------------------------------------------------

    def _load(self, record):
        password = record.get("password") or None
        key, cert, extra = pkcs12.load_key_and_certificates(
            base64.b64decode(record["pkcs12"]), password.encode() if password else None
        )
        if key is None or cert is None:
            raise CscError(400, "invalid_request", "The PKCS#12 file holds no key or no certificate")
        self.credentials[record["credentialID"]] = {
            "user": record["userID"], "key": key, "chain": [cert, *(extra or [])],
        }

    def add_credential(self, body):
        credential_id = str(body.get("credentialID") or secrets.token_hex(8))
        if not CREDENTIAL_ID.fullmatch(credential_id):
            raise CscError(400, "invalid_request", "Invalid parameter credentialID")
        record = {
            "credentialID": credential_id,
            "userID": _required(body, "userID"), "pkcs12": _required(body, "pkcs12"),
            "password": body.get("password", ""),
        }
        try:
            self._load(record)
        except (ValueError, binascii.Error):
            raise CscError(400, "invalid_request", "Unreadable PKCS#12 file or wrong password") from None
        path = self.state_dir / f"{record['credentialID']}.credential.json"
        path.write_text(json.dumps(record))
        path.chmod(0o600)
        return {"credentialID": record["credentialID"]}

    def credential(self, credential_id):
        found = self.credentials.get(credential_id)
        if found is None:
            raise CscError(400, "invalid_request", "Invalid parameter credentialID")
        return found

    # --- auth --------------------------------------------------------------------------------------------

    def login(self, authorization):
        scheme, _, value = (authorization or "").partition(" ")
        try:
            client_id, _, secret = base64.b64decode(value).decode().partition(":")
        except (ValueError, binascii.Error):
            client_id = secret = None
        if scheme.lower() != "basic" or (client_id, secret) != self.client:
            raise CscError(401, "invalid_client", "Invalid client credentials")
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.monotonic() + TOKEN_SECONDS
        return {"access_token": token, "expires_in": TOKEN_SECONDS}

    def check_token(self, authorization):
        scheme, _, token = (authorization or "").partition(" ")
        with self.lock:
            valid = scheme.lower() == "bearer" and self.tokens.get(token, 0) > time.monotonic()
        if not valid:
            raise CscError(401, "invalid_token", "The access token is not valid")

    # --- signatures --------------------------------------------------------------------------------------

    def sign_hash(self, body):
        credential = self.credential(_required(body, "credentialID"))
        if body.get("operationMode", "S") != "A":
            raise CscError(400, "invalid_request", "Only operationMode A is supported: confirm on the phone")
        hash_class = HASHES.get(body.get("hashAlgorithmOID") or "2.16.840.1.101.3.4.2.1")
        hashes_b64 = body.get("hashes")
        if hash_class is None or not isinstance(hashes_b64, list) or not hashes_b64:
            raise CscError(400, "invalid_request", "Invalid parameter hashes or hashAlgorithmOID")
        algos = RSA_ALGOS if isinstance(credential["key"], rsa.RSAPrivateKey) else EC_ALGOS
        if body.get("signAlgo") not in algos:
            raise CscError(400, "invalid_request", "Invalid parameter signAlgo")
        try:
            digests = [base64.b64decode(h, validate=True) for h in hashes_b64]
        except (ValueError, binascii.Error):
            raise CscError(400, "invalid_request", "Invalid Base64 hash string parameter") from None
        if any(len(d) != hash_class.digest_size for d in digests):
            raise CscError(400, "invalid_request", "Invalid hash length")
        response_id = secrets.token_hex(12)
        with self.lock:
            self.requests[response_id] = {
                "id": response_id, "credential": body["credentialID"], "user": credential["user"],
                "hash": hash_class, "digests": digests, "status": "pending", "signatures": None,
                "clientData": str(body.get("clientData", ""))[:500],
                "created": time.time(), "expires": time.time() + self.timeout,
            }
        return {"responseID": response_id}

    def _request(self, response_id):
        request = self.requests.get(response_id)
        if request is None:
            raise CscError(400, "invalid_request", "Invalid parameter responseID")
        if request["status"] == "pending" and time.time() >= request["expires"]:
            request["status"] = "expired"
        return request

    def poll(self, body):
        with self.lock:
            request = self._request(_required(body, "responseID"))
            status = request["status"]
        if status == "signed":
            return {"signatures": request["signatures"]}
        raise CscError(400, *{
            "pending": ("signature_pending", "The previous asynchronous signature request is not completed yet"),
            "refused": ("access_denied", "The user refused the signature"),
            "expired": ("expired_request", "The user did not confirm in time"),
            "cancelled": ("cancelled_request", "The signature application cancelled the request"),
        }[status])

    def cancel(self, body):
        with self.lock:
            request = self._request(_required(body, "responseID"))
            if request["status"] == "pending":
                request["status"] = "cancelled"
        return {}

    def answer(self, response_id, confirm):
        """The person's answer on the phone: sign (confirm) or refuse; only while pending."""
        with self.lock:
            request = self._request(response_id)
            if request["status"] != "pending":
                raise CscError(400, "invalid_request", f"The request is {request['status']}")
            if confirm:
                key = self.credential(request["credential"])["key"]
                request["signatures"] = [
                    base64.b64encode(_sign(key, digest, request["hash"]())).decode() for digest in request["digests"]
                ]
            request["status"] = "signed" if confirm else "refused"
            return {"status": request["status"], "userID": request["user"]}

    def pending_for(self, user_id):
        with self.lock:
            found = [self._request(rid) for rid, r in list(self.requests.items()) if r["user"] == user_id]
        return [r for r in found if r["status"] == "pending"]


def _sign(key, digest, hash_algorithm):
    prehashed = utils.Prehashed(hash_algorithm)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(digest, padding.PKCS1v15(), prehashed)
    return key.sign(digest, ec.ECDSA(prehashed))


def _required(body, name):
    value = body.get(name)
    if not value:
        raise CscError(400, "invalid_request", f"Missing (or invalid type) parameter {name}")
    return value


def _b64_der(cert):
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def credential_info(service, body):
    credential = service.credential(_required(body, "credentialID"))
    key, chain = credential["key"], credential["chain"]
    certificates = chain if body.get("certificates", "single") == "chain" else chain[:1]
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    return {
        "key": {"status": "enabled", "algo": sorted(RSA_ALGOS if is_rsa else EC_ALGOS), "len": key.key_size},
        "cert": {"status": "valid", "certificates": [_b64_der(c) for c in certificates]},
        "authMode": "oauth2code", "multisign": 1, "lang": "vi-VN",
    }


PHONE_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Ký số từ xa – {user}</title></head>
<body><h1>Yêu cầu ký số đang chờ</h1>{items}</body></html>"""
PHONE_ITEM = """<section data-request="{id}"><p>{data}</p><p>Hết hạn sau {left} giây</p>
<form method="post" action="/phone/{id}/confirm"><button type="submit">Xác nhận</button></form>
<form method="post" action="/phone/{id}/refuse"><button type="submit">Từ chối</button></form></section>"""


def phone_page(service, user_id):
    items = "".join(
        PHONE_ITEM.format(id=r["id"], data=html.escape(r["clientData"] or r["id"]),
                          left=max(0, int(r["expires"] - time.time())))
        for r in service.pending_for(user_id)
    )
    return PHONE_PAGE.format(user=html.escape(user_id), items=items or "<p>Không có yêu cầu nào.</p>")


class Handler(BaseHTTPRequestHandler):
    service = None  # set by serve()
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the signature of BaseHTTPRequestHandler
        pass

    def _send(self, status, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw or "json" not in (self.headers.get("Content-Type") or ""):
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise CscError(400, "invalid_request", "The body is not JSON") from None
        return body if isinstance(body, dict) else {}

    def do_GET(self):  # noqa: N802 - http.server's name
        parts = urlsplit(self.path).path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "phone":
            self._send(200, phone_page(self.service, parts[1]), "text/html")
        else:
            self._send(404, json.dumps({"error": "not_found", "error_description": "Unknown path"}))

    def do_POST(self):  # noqa: N802 - http.server's name
        path = urlsplit(self.path).path.rstrip("/")
        try:
            body = self._json()
            if path.startswith("/phone/"):
                return self._phone(path, body)
            self._send(200, json.dumps(self._api(path, body)))
        except CscError as exc:
            self._send(exc.status, json.dumps({"error": exc.error, "error_description": exc.description}))

    def _phone(self, path, body):
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[2] not in ("confirm", "refuse"):
            raise CscError(404, "not_found", "Unknown path")
        result = self.service.answer(parts[1], parts[2] == "confirm")
        if "json" in (self.headers.get("Content-Type") or ""):
            return self._send(200, json.dumps(result))
        return self._send(303, "", "text/plain", [("Location", f"/phone/{result['userID']}")])

    def _api(self, path, body):
        service = self.service
        if path == "/csc/v2/info":
            return {"specs": "2.0.0.2", "name": "Dịch vụ ký số thử nghiệm", "lang": "vi-VN",
                    "authType": ["basic"], "methods": sorted(m.rpartition("/csc/v2/")[2] for m in API)}
        if path == "/csc/v2/auth/login":
            return service.login(self.headers.get("Authorization"))
        if path == "/test/credentials":
            return service.add_credential(body)
        if path not in API:
            raise CscError(404, "not_found", "Unknown path")
        service.check_token(self.headers.get("Authorization"))
        return API[path](service, body)


API = {
    "/csc/v2/credentials/list": lambda service, body: {"credentialIDs": sorted(
        cid for cid, c in service.credentials.items() if c["user"] == _required(body, "userID"))},
    "/csc/v2/credentials/info": credential_info,
    "/csc/v2/signatures/signHash": Service.sign_hash,
    "/csc/v2/signatures/signPolling": Service.poll,
    "/csc/v2/signatures/signCancel": Service.cancel,
}


def serve(port, state_dir, timeout, client_id, client_secret, host="127.0.0.1"):
    handler = type("BoundHandler", (Handler,), {"service": Service(state_dir, timeout, client_id, client_secret)})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--timeout", type=float, default=300, help="seconds a request waits for the phone")
    parser.add_argument("--client-id", default="portal")
    parser.add_argument("--client-secret", default="portal-secret")
    args = parser.parse_args()
    server = serve(args.port, args.state_dir, args.timeout, args.client_id, args.client_secret, host=args.host)
    print(f"CSC test server on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

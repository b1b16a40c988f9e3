"""HTTP sessions for the network work of signing (OCSP, CRL, timestamps) without rebuilding TLS each time.

pyHanko and its certificate validator open a new aiohttp session per validation context and per timestamp
request, each with a TLS context built from certifi's CA bundle: ~45 ms apiece, more than a local OCSP or
TSA round trip. Here the TLS context is built once per process, and a signing operation opens one session
that its timestamp requests share (their connections kept alive).

- `CachedTlsSession()`: pyHanko's LazySession with the shared TLS context; a drop-in for
  `AIOHttpFetcherBackend(session=...)` (closed by the validation context's aclose()).
- `operation_session()`: async context manager opening the session of one signing operation;
  `OperationSession()` hands it to an HTTPTimeStamper that outlives operations (it keeps the TSA's sample
  token, which pyHanko otherwise asks the TSA for again).
"""

import contextvars
import ssl
from contextlib import asynccontextmanager
from functools import lru_cache

import aiohttp
import certifi
from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession

_current = contextvars.ContextVar("pki_signing_http_session", default=None)


@lru_cache(maxsize=1)
def tls_context():
    """The TLS client context of every signing session (certifi's CA bundle, as pyHanko's own default)."""
    return ssl.create_default_context(cafile=certifi.where())


def new_client_session():
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls_context()))


class CachedTlsSession(LazySession):
    """pyHanko's lazily opened session, with the process's TLS context."""

    def get_session(self):
        if self._session is None:
            self._session = new_client_session()
        return self._session


class OperationSession(LazySession):
    """The session of the signing operation running in this context; the operation closes it."""

    def get_session(self):
        session = _current.get()
        if session is None:
            raise RuntimeError("HTTP request outside pki.http_session.operation_session()")
        return session

    async def close(self):
        """Nothing: operation_session() closes what it opened."""


@asynccontextmanager
async def operation_session():
    session = new_client_session()
    token = _current.set(session)
    try:
        yield session
    finally:
        _current.reset(token)
        await session.close()

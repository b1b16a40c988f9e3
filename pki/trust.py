"""Whom the portal trusts, and the services it asks when it signs: trust roots, timestamp authority,
revocation checks.

Production trust store: settings.PKI_TRUST_ROOTS names PEM (or DER) files of the root CAs to trust: Vietnam's
national root CA (the Root CA that licenses the public certification services, run by NEAC) and the root CA of
the Government Cipher Committee (Ban Cơ yếu Chính phủ), which certifies state agencies and officials. The demo
CA of pki.demo is trusted too while settings.PKI_TRUST_DEMO_CA is on (demo and tests only; turn it off in
production).
"""

import logging
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.api import OwnedFetcherBackend

from . import demo
from .http_session import CachedTlsSession

logger = logging.getLogger(__name__)


def _certificates_in(path):
    data = Path(path).read_bytes()
    if pem.detect(data):
        return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]
    return [asn1_x509.Certificate.load(data)]


def trust_roots():
    """The trusted root certificates (asn1crypto) from settings; unreadable files are logged and skipped."""
    roots = []
    for path in settings.PKI_TRUST_ROOTS:
        try:
            roots.extend(_certificates_in(path))
        except (OSError, ValueError) as exc:
            logger.warning("PKI_TRUST_ROOTS: cannot read %s: %s", path, exc)
    if settings.PKI_TRUST_DEMO_CA:
        ca = demo.demo_ca_certificate()
        if ca is not None:
            roots.append(asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER)))
    return roots


def tsa_url():
    """settings.PKI_TSA_URL; else the demo TSA while the demo CA is trusted; else "" (no timestamps)."""
    if settings.PKI_TSA_URL:
        return settings.PKI_TSA_URL
    if settings.PKI_TRUST_DEMO_CA:
        return demo.service_urls()["tsa"]
    return ""


def timestamper():
    """A pyHanko RFC 3161 client for tsa_url(), or None when no timestamp authority is configured."""
    url = tsa_url()
    return HTTPTimeStamper(url, timeout=settings.PKI_HTTP_TIMEOUT) if url else None


def signing_validation_context():
    """A fresh ValidationContext for the moment of signing: the trust roots, OCSP/CRL fetched over HTTP
    (timeout settings.PKI_HTTP_TIMEOUT) and required, so that signing with a certificate revoked (or whose
    status cannot be learnt) fails, and with `embed_validation_info=True` pyHanko embeds what it fetched (B-LT).

    One per signing operation: pyHanko closes its HTTP session when that operation ends; the session reuses the
    process's TLS context (pki.http_session) instead of building one from certifi's bundle each time (~20 ms).
    """
    return ValidationContext(
        trust_roots=trust_roots(),
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=OwnedFetcherBackend(
            AIOHttpFetcherBackend(session=CachedTlsSession(), per_request_timeout=settings.PKI_HTTP_TIMEOUT)
        ),
    )

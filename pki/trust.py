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
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.api import CRLFetcher, FetcherBackend, Fetchers, OCSPFetcher, OwnedFetcherBackend

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


def signing_validation_context(prefetched=None):
    """A fresh ValidationContext for the moment of signing: the trust roots, OCSP/CRL fetched over HTTP
    (timeout settings.PKI_HTTP_TIMEOUT) and required, so that signing with a certificate revoked (or whose
    status cannot be learnt) fails, and with `embed_validation_info=True` pyHanko embeds what it fetched (B-LT).

    One per signing operation: pyHanko closes its HTTP session when that operation ends; the session reuses the
    process's TLS context (pki.http_session) instead of building one from certifi's bundle each time (~20 ms).
    """
    backend = AIOHttpFetcherBackend(session=CachedTlsSession(), per_request_timeout=settings.PKI_HTTP_TIMEOUT)
    if prefetched is not None:
        backend = _PrefetchedBackend(backend, prefetched)
    return ValidationContext(
        trust_roots=trust_roots(),
        allow_fetching=True,
        revocation_mode="hard-fail",
        fetcher_backend=OwnedFetcherBackend(backend),
        other_certs=prefetched.certificates if prefetched is not None else None,
    )


class Prefetched:
    """Revocation answers (OCSP responses, CRLs) fetched for some certificates a moment before signing, and the
    certificates that came with them (an OCSP responder's own). Issuing fetches them before it locks the register,
    so that under the lock only the timestamps remain on the network. Immutable: threads sealing side by side
    share one."""

    def __init__(self, ocsp_by_cert, crls_by_cert, certificates):
        self.ocsp_by_cert, self.crls_by_cert, self.certificates = ocsp_by_cert, crls_by_cert, tuple(certificates)


class _PrefetchedOCSP(OCSPFetcher):
    def __init__(self, inner, prefetched):
        self.inner, self.known = inner, prefetched.ocsp_by_cert

    async def fetch(self, cert, authority):
        return await self.inner.fetch(cert, authority)

    def fetched_responses(self):
        return [*(r for responses in self.known.values() for r in responses), *self.inner.fetched_responses()]

    def fetched_responses_for_cert(self, cert):
        return self.known.get(cert.issuer_serial) or self.inner.fetched_responses_for_cert(cert)


class _PrefetchedCRL(CRLFetcher):
    def __init__(self, inner, prefetched):
        self.inner, self.known = inner, prefetched.crls_by_cert

    async def fetch(self, cert, *, use_deltas=None):
        return await self.inner.fetch(cert, use_deltas=use_deltas)

    def fetched_crls(self):
        return [*(c for crls in self.known.values() for c in crls), *self.inner.fetched_crls()]

    def fetched_crls_for_cert(self, cert):
        if cert.issuer_serial in self.known:
            return self.known[cert.issuer_serial]
        return self.inner.fetched_crls_for_cert(cert)  # KeyError: never fetched, the manager fetches it


class _PrefetchedBackend(FetcherBackend):
    """pyhanko-certvalidator's fetchers, answering first from what was prefetched; anything else is fetched."""

    def __init__(self, inner, prefetched):
        self.inner, self.prefetched = inner, prefetched

    def get_fetchers(self):
        fetchers = self.inner.get_fetchers()
        return Fetchers(ocsp_fetcher=_PrefetchedOCSP(fetchers.ocsp_fetcher, self.prefetched),
                        crl_fetcher=_PrefetchedCRL(fetchers.crl_fetcher, self.prefetched),
                        cert_fetcher=fetchers.cert_fetcher)

    async def close(self):
        await self.inner.close()


def _ocsp_certificates(response):
    """The certificates an OCSP response carries (a delegated responder's), which its validation needs."""
    basic = response["response_bytes"]["response"].parsed
    return list(basic["certs"] or [])


async def revocation_prefetch(paths):
    """Validate each (certificate, intermediates) now, fetching its revocation answers, and keep them: a
    Prefetched for signing_validation_context(). Raises what validation raises (revoked, unreachable)."""
    backend = AIOHttpFetcherBackend(session=CachedTlsSession(), per_request_timeout=settings.PKI_HTTP_TIMEOUT)
    fetchers = backend.get_fetchers()
    context = ValidationContext(trust_roots=trust_roots(), allow_fetching=True, revocation_mode="hard-fail",
                                fetchers=fetchers)
    try:
        checked = []
        for certificate, intermediates in paths:
            validator = CertificateValidator(certificate, intermediate_certs=list(intermediates),
                                             validation_context=context)
            path = await validator.async_validate_path()
            checked += list(path.iter_certs(include_root=False))
    finally:
        await backend.close()
    ocsp_by_cert, crls_by_cert, certificates = {}, {}, []
    for cert in checked:
        responses = list(fetchers.ocsp_fetcher.fetched_responses_for_cert(cert))
        if responses:
            ocsp_by_cert[cert.issuer_serial] = responses
            certificates += [c for response in responses for c in _ocsp_certificates(response)]
        try:
            crls_by_cert[cert.issuer_serial] = list(fetchers.crl_fetcher.fetched_crls_for_cert(cert))
        except KeyError:
            pass  # its status came from OCSP alone
    return Prefetched(ocsp_by_cert, crls_by_cert, certificates)

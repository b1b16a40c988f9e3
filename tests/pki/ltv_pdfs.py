"""Signed PDFs made with pyHanko directly (demo keys, the session's TSA and OCSP), for the validation tests."""

import urllib.request
from io import BytesIO

from asn1crypto import crl
from asn1crypto import keys as asn1_keys
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko_certvalidator.registry import SimpleCertificateStore

from pki import aio, demo, trust


def asn1(certificate):
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def simple_signer(certificate, key, chain):
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return signers.SimpleSigner(signing_cert=asn1(certificate), signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
                                cert_registry=SimpleCertificateStore.from_certs([asn1(c) for c in chain]))


def sign(pdf, keypair, *, field, timestamp=True, long_term=True, document_timestamp=False, certify=False):
    """`pdf` signed in a new field by `keypair` (certificate, key, chain): PAdES, with a signature timestamp,
    the revocation info in a DSS (B-LT) and a document timestamp (B-LTA) as asked."""
    meta = signers.PdfSignatureMetadata(
        field_name=field, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
        embed_validation_info=long_term, use_pades_lta=document_timestamp,
        validation_context=trust.signing_validation_context() if long_term else None,
        certify=certify, docmdp_permissions=MDPPerm.FILL_FORMS,
    )
    pdf_signer = signers.PdfSigner(meta, simple_signer(*keypair), timestamper=trust.timestamper() if timestamp else None)
    out = aio.call(pdf_signer.sign_pdf, IncrementalPdfFileWriter(BytesIO(pdf), strict=False))
    return out.getvalue()



def _fetch(url, data=None):
    headers = {"Content-Type": "application/ocsp-request"} if data else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the test's loopback services)
        return response.read()


def add_current_revocation_data(pdf, services_url, certificate):
    """`pdf` with the demo CA's CRL and an OCSP response for `certificate` as they are now, added to its DSS,
    as an archiving tool refreshing the validation data later would: a revocation made since signing
    becomes visible in the file."""
    ca = demo.demo_ca().certificate
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, ca, hashes.SHA256()).build()
    response = asn1_ocsp.OCSPResponse.load(_fetch(f"{services_url}/ocsp", request.public_bytes(Encoding.DER)))
    current = crl.CertificateList.load(_fetch(f"{services_url}/crl/demo-ca.crl"))
    out = BytesIO(pdf)
    DocumentSecurityStore.add_dss(out, None, crls=[current], ocsps=[response], force_write=True, strict=False)
    return out.getvalue()

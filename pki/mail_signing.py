"""Signing the messages the portal sends in an agency's name: S/MIME (optional) and then DKIM.

S/MIME (RFC 8551) wraps the message's MIME body in multipart/signed with a detached CMS signature made by
the agency's mail certificate (AgencyCertificate.signs_mail, key kept by the portal), so that mail clients
show it as signed; the PDF's PAdES signatures stay the legal proof. DKIM (agencies.mail_auth) then signs
the final bytes, S/MIME included.
"""

import base64
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from agencies.mail_auth import DkimSigner, agency_domain
from core.crypto import decrypt

from . import services
from .models import AgencyCertificate, KeyStore

# A header that describes the body: it moves into the signed entity; the others stay outside.
CONTENT_HEADER = re.compile(rb"^(Content-[A-Za-z-]+):", re.IGNORECASE)


def names_address(certificate, address):
    """Whether an X.509 certificate names `address` (rfc822Name, or emailAddress in its subject) and may
    protect e-mail (no extended key usage, or one with emailProtection)."""
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        addresses = names.get_values_for_type(x509.RFC822Name)
    except x509.ExtensionNotFound:
        addresses = []
    addresses += [a.value for a in certificate.subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)]
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        usable = ExtendedKeyUsageOID.EMAIL_PROTECTION in usages
    except x509.ExtensionNotFound:
        usable = True
    return usable and address.lower() in {a.lower() for a in addresses}


def _ensure_fit(agency, certificate):
    if not names_address(certificate, agency.official_email):
        raise ValidationError(_(
            "Chứng thư số không dùng được để ký thư của %(address)s: chứng thư phải mang địa chỉ thư này và "
            "cho phép bảo vệ thư điện tử (emailProtection).") % {"address": agency.official_email})


@transaction.atomic
def mail_certificate_upload(*, admin, pkcs12_bytes, password):
    """An agency admin uploads an e-mail certificate (PKCS#12) that signs the agency's mail from now on. It is
    kept as one of the agency's certificates without replacing the one that signs documents."""
    services._ensure_admin(admin)
    private_key, certificate, chain = services._checked_pkcs12(pkcs12_bytes, password)
    _ensure_fit(admin.agency, certificate)
    record = services.certificate_build(agency=admin.agency, certificate=certificate, private_key=private_key,
                                        chain=chain, uploaded_by=admin.user)
    record.is_active = False
    record.save()
    mail_certificate_set(agency=admin.agency, certificate=record)
    return record


@transaction.atomic
def mail_certificate_choose(*, admin, certificate_id):
    """Sign the agency's mail (S/MIME) with one of its certificates kept by the portal, or stop (None)."""
    services._ensure_admin(admin)
    record = None
    if certificate_id:
        record = AgencyCertificate.objects.filter(
            pk=certificate_id, agency=admin.agency, store=KeyStore.PORTAL).exclude(private_key_encrypted="").first()
        if record is None:
            raise ValidationError(_("Không tìm thấy chứng thư số này của cơ quan."))
        services._check_validity(x509.load_pem_x509_certificate(record.certificate_pem.encode()))
        _ensure_fit(admin.agency, x509.load_pem_x509_certificate(record.certificate_pem.encode()))
    mail_certificate_set(agency=admin.agency, certificate=record)
    return record


def mail_certificate_candidates(agency):
    """The agency's certificates kept by the portal that could sign its mail."""
    records = AgencyCertificate.objects.filter(agency=agency, store=KeyStore.PORTAL).exclude(private_key_encrypted="")
    return [record for record in records
            if names_address(x509.load_pem_x509_certificate(record.certificate_pem.encode()), agency.official_email)]


def mail_certificate_of(agency):
    """The agency's certificate that signs its mail (S/MIME), if it has one with a key the portal keeps."""
    return AgencyCertificate.objects.filter(
        agency=agency, signs_mail=True, store=KeyStore.PORTAL).exclude(private_key_encrypted="").first()


@transaction.atomic
def mail_certificate_set(*, agency, certificate):
    """`certificate` (one of the agency's, or None) signs the agency's mail from now on."""
    AgencyCertificate.objects.filter(agency=agency, signs_mail=True).update(signs_mail=False)
    if certificate is not None:
        AgencyCertificate.objects.filter(pk=certificate.pk, agency=agency).update(signs_mail=True)


def _split(raw):
    """(header lines, body) of a CRLF message; each header line with its folded continuation lines."""
    head, _sep, body = raw.partition(b"\r\n\r\n")
    lines = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and lines:
            lines[-1] += b"\r\n" + line
        else:
            lines.append(line)
    return lines, body


class SmimeSigner:
    """S/MIME-signs messages with one certificate, loaded and decrypted once."""

    def __init__(self, record):
        self.certificate = x509.load_pem_x509_certificate(record.certificate_pem.encode())
        self.chain = x509.load_pem_x509_certificates(record.chain_pem.encode()) if record.chain_pem.strip() else []
        self.key = serialization.load_der_private_key(decrypt(record.private_key_encrypted), password=None)

    def sign(self, raw):
        """`raw` (CRLF bytes) as multipart/signed: its Content-* headers and body become the signed entity."""
        lines, body = _split(raw)
        inner = [line for line in lines if CONTENT_HEADER.match(line)]
        outer = [line for line in lines if not CONTENT_HEADER.match(line) and not line.lower().startswith(
            b"mime-version:")]
        entity = b"\r\n".join(inner) + b"\r\n\r\n" + body
        builder = pkcs7.PKCS7SignatureBuilder().set_data(entity).add_signer(self.certificate, self.key, hashes.SHA256())
        for certificate in self.chain:
            builder = builder.add_certificate(certificate)
        signature = builder.sign(serialization.Encoding.DER,
                                 [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
        boundary = f"=_smime_{get_random_string(24)}".encode()
        head = [*outer, b"MIME-Version: 1.0",
                b'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;',
                b' boundary="' + boundary + b'"']
        signature_part = [b'Content-Type: application/pkcs7-signature; name="smime.p7s"',
                          b"Content-Transfer-Encoding: base64",
                          b'Content-Disposition: attachment; filename="smime.p7s"']
        # The signed content is exactly `entity`: the CRLF before a boundary belongs to the boundary.
        return b"".join([
            b"\r\n".join(head), b"\r\n\r\nThis is an S/MIME signed message.\r\n--", boundary, b"\r\n",
            entity, b"\r\n--", boundary, b"\r\n", b"\r\n".join(signature_part), b"\r\n\r\n",
            base64.encodebytes(signature).replace(b"\n", b"\r\n"), b"--", boundary, b"--\r\n",
        ])


class MailSigner:
    """What signs one agency's messages: S/MIME when its mail certificate is set, then DKIM with its active key
    for its official domain. Made once per batch or document; `parts` is called per message."""

    def __init__(self, agency):
        record = mail_certificate_of(agency)
        self.smime = SmimeSigner(record) if record else None
        self.dkim = DkimSigner(agency_domain(agency), agency)

    def sign(self, raw):
        if self.smime:
            raw = self.smime.sign(raw)
        return self.dkim.header(raw) + raw

    def parts(self, parts, part):
        """Message parts ((plain, stuffed) pairs, made by `part`) signed: unchanged when nothing signs."""
        if not self.smime and self.dkim.key is None:
            return parts
        raw = b"".join(plain for plain, _stuffed in parts)
        if self.smime:
            return [part(self.sign(raw))]
        return [part(self.dkim.header(raw)), *parts]

"""DKIM for the mail the portal sends: per-agency keys, their DNS records, and signing (dkimpy).

Each agency has RSA 2048 keys per From domain (agencies.models.DkimKey), rotated with two selectors: create
the next key, publish its TXT record, switch (the next key signs, the old one retires). Messages are signed
with the active key of their From domain; a deployment whose relay signs (OpenDKIM) sets DKIM_SIGN=0.
DNS is asked through dnspython, at settings.DKIM_DNS_NAMESERVERS ("ip" or "ip:port") when set.
"""

import base64
import copy
import re
from dataclasses import dataclass
from email import message_from_bytes
from email.utils import getaddresses

import dkim
import dns.exception
import dns.resolver
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from accounts.models import Role
from core.crypto import decrypt, encrypt
from core.mail_headers import MAIL_POLICY, MAIL_POLICY_KEEP, PolicyMessage

from .models import Agency, DkimKey

K = DkimKey.State
DNS_TIMEOUT = 5.0


def dkim_signing_enabled():
    return settings.DKIM_SIGN


def agency_domain(agency):
    return agency.official_email.rpartition("@")[2].lower()


def _ensure_admin(admin):
    if not (admin and admin.has_role(Role.ADMIN)):
        raise PermissionDenied(_("Chỉ quản trị của cơ quan mới được quản lý khóa DKIM."))


def _key_pair():
    """(private key PEM, p= value) of a new RSA 2048 key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(der).decode("ascii")


def _selector():
    return f"cong{timezone.localdate():%Y%m}{get_random_string(4, 'abcdefghijklmnopqrstuvwxyz0123456789')}"


@transaction.atomic
def dkim_key_create(*, agency, domain=None):
    """A new key for the agency's From domain: the active one if it has none yet, else the next one."""
    domain = (domain or agency_domain(agency)).lower()
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    keys = DkimKey.objects.filter(agency=agency, domain=domain)
    if keys.filter(state=K.NEXT).exists():
        raise ValidationError(_("Đã có khóa kế tiếp chờ công bố; hãy chuyển sang khóa đó trước khi tạo khóa mới."))
    state = K.NEXT if keys.filter(state=K.ACTIVE).exists() else K.ACTIVE
    pem, public = _key_pair()
    return DkimKey.objects.create(agency=agency, domain=domain, selector=_selector(), state=state,
                                  private_key_encrypted=encrypt(pem), public_key=public)


@transaction.atomic
def dkim_key_switch(*, agency, domain=None, check=True):
    """The next key becomes the active one and the active one retires. With `check`, only once the next key's
    TXT record is published and matches (else a ValidationError says what DNS shows)."""
    domain = (domain or agency_domain(agency)).lower()
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    upcoming = DkimKey.objects.filter(agency=agency, domain=domain, state=K.NEXT).first()
    if upcoming is None:
        raise ValidationError(_("Chưa có khóa kế tiếp để chuyển sang."))
    if check:
        result = dkim_dns_check(upcoming)
        if not result.ok:
            raise ValidationError(_("Chưa chuyển khóa: %(message)s") % {"message": result.message})
    DkimKey.objects.filter(agency=agency, domain=domain, state=K.ACTIVE).update(state=K.RETIRED)
    upcoming.state = K.ACTIVE
    upcoming.save(update_fields=["state"])
    return upcoming


def dkim_key_create_by(*, admin):
    _ensure_admin(admin)
    return dkim_key_create(agency=admin.agency)


def dkim_key_switch_by(*, admin):
    _ensure_admin(admin)
    return dkim_key_switch(agency=admin.agency)


def dkim_keys_of(agency):
    """The agency's keys still in use (active and next) for its official domain, active first."""
    return sorted(DkimKey.objects.filter(agency=agency, domain=agency_domain(agency), state__in=[K.ACTIVE, K.NEXT]),
                  key=lambda key: key.state != K.ACTIVE)


def dns_chunks(value, size=255):
    """A TXT value as the quoted strings of at most 255 characters a zone file needs."""
    return [value[i:i + size] for i in range(0, len(value), size)]


# DNS


def resolver():
    configured = settings.DKIM_DNS_NAMESERVERS
    if not configured:
        found = dns.resolver.Resolver()
    else:
        found = dns.resolver.Resolver(configure=False)
        hosts = [address.rpartition(":") if address.count(":") == 1 else ("", "", address) for address in configured]
        found.nameservers = [host or port for host, _sep, port in hosts]
        ports = {int(port) for host, _sep, port in hosts if host}
        if ports:
            found.port = ports.pop()
    found.lifetime = found.timeout = DNS_TIMEOUT
    return found


def txt_records(name):
    """The TXT records at `name`, each its strings joined; [] when there is none (NXDOMAIN, no answer)."""
    try:
        answer = resolver().resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    return [b"".join(record.strings) for record in answer]


def dkim_dnsfunc(name, timeout=DNS_TIMEOUT):
    """dkimpy's `dnsfunc`: the first TXT record at name (bytes), through the same resolver."""
    name = name.decode() if isinstance(name, bytes) else name
    try:
        records = txt_records(name.rstrip("."))
    except dns.exception.DNSException:
        return None
    return records[0] if records else None


@dataclass(frozen=True)
class DnsCheck:
    status: str  # "match", "different", "missing", "error"
    message: str

    @property
    def ok(self):
        return self.status == "match"


def _tags(record):
    return {name.strip(): value.strip() for name, _eq, value in (
        part.partition("=") for part in record.decode(errors="replace").split(";") if "=" in part)}


def dkim_dns_check(key):
    """Whether `key`'s TXT record is published and carries its public key."""
    try:
        records = txt_records(key.dns_name)
    except dns.exception.DNSException as exc:
        return DnsCheck("error", _("Lỗi khi hỏi DNS về %(name)s: %(error)s") % {"name": key.dns_name, "error": exc})
    if not records:
        return DnsCheck("missing", _("Chưa tìm thấy bản ghi TXT %(name)s trên DNS.") % {"name": key.dns_name})
    published = [re.sub(r"\s+", "", _tags(record).get("p", "")) for record in records]
    if key.public_key in published:
        return DnsCheck("match", _("Bản ghi %(name)s đã được công bố và khớp với khóa của cổng.")
                        % {"name": key.dns_name})
    return DnsCheck("different", _("Bản ghi %(name)s đã được công bố nhưng khóa công khai khác với khóa của cổng.")
                    % {"name": key.dns_name})


# Signing


def from_domain(raw):
    """The domain of the From address in a message's header block (lower case), or ""."""
    head = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ")
    found = re.search(rb"^From:(.*)$", head, re.IGNORECASE | re.MULTILINE)
    if not found:
        return ""
    addresses = getaddresses([found.group(1).decode("ascii", errors="replace")])
    return addresses[0][1].rpartition("@")[2].lower() if addresses else ""


class DkimSigner:
    """Signs messages with the active key of one From domain (of one agency, when given); it loads the key
    once, so a batch of messages costs one query and one decryption."""

    def __init__(self, domain, agency=None):
        self.key = None
        if dkim_signing_enabled() and domain:
            keys = DkimKey.objects.filter(domain=domain.lower(), state=K.ACTIVE)
            if agency is not None:
                keys = keys.filter(agency=agency)
            self.key = keys.order_by("-created_at").first()
        self.private = decrypt(self.key.private_key_encrypted) if self.key else None

    def header(self, raw):
        """The DKIM-Signature header line (CRLF-ended bytes) for `raw`, or b"" without a key."""
        if self.key is None:
            return b""
        # dkimpy splits a whole message into lines to find where its headers end (80 ms for 5 MB); a message
        # of ours ends its headers at the first blank line, so it is given the headers and then the body.
        # Body canonicalization "simple": the body is 7-bit base64 in short lines that relays leave alone,
        # and "relaxed" would cost twice as much per recipient.
        head, _blank, body = raw.partition(b"\r\n\r\n")
        signer = dkim.DKIM(head + b"\r\n\r\n")
        signer.body = body
        return signer.sign(self.key.selector.encode(), self.key.domain.encode(), self.private,
                           canonicalize=(b"relaxed", b"simple"))


class DkimEmailBackend(BaseEmailBackend):
    """Django's e-mail with DKIM: signs each message for its From domain when a key exists, and hands it to
    settings.DKIM_INNER_EMAIL_BACKEND. A message already signed (the portal's own deliveries) passes as it is."""

    def __init__(self, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        inner = settings.DKIM_INNER_EMAIL_BACKEND
        self.inner = get_connection(inner, fail_silently=fail_silently, **kwargs)

    def open(self):
        return self.inner.open()

    def close(self):
        return self.inner.close()

    def send_messages(self, email_messages):
        return self.inner.send_messages([_signing(message) for message in email_messages])


class SignedBytes(PolicyMessage):
    """A parsed message that writes itself out as the exact signed bytes it was parsed from."""

    signed_raw = b""

    @classmethod
    def parse(cls, raw):
        message = message_from_bytes(raw, _class=cls, policy=MAIL_POLICY_KEEP)
        message.signed_raw = raw
        return message

    def as_bytes(self, unixfrom=False, policy=None, linesep=None):
        return self.signed_raw


def _signing(email_message):
    """A copy of a Django e-mail message whose .message() comes out DKIM-signed."""
    signed = copy.copy(email_message)
    build = email_message.message
    signed.message = lambda **kwargs: _signed_built(build(**kwargs))
    return signed


def _signed_built(built):
    raw = built.as_bytes(policy=MAIL_POLICY)
    if re.search(rb"^DKIM-Signature:", raw.split(b"\r\n\r\n", 1)[0], re.IGNORECASE | re.MULTILINE):
        return built  # the portal's own deliveries come signed already
    header = DkimSigner(from_domain(raw)).header(raw)
    return SignedBytes.parse(header + raw) if header else built


def effective_email_backend():
    """The backend that really sends: the one DkimEmailBackend wraps, when EMAIL_BACKEND is it."""
    if settings.EMAIL_BACKEND == "agencies.mail_auth.DkimEmailBackend":
        return settings.DKIM_INNER_EMAIL_BACKEND
    return settings.EMAIL_BACKEND

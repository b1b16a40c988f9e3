"""Factory functions for test data: small, explicit, no JSON dumps."""

import itertools

from allauth.account.models import EmailAddress

from accounts.models import Membership, User
from agencies.models import Agency, RecipientGroup, Unit

PASSWORD = "Test@pass-2026"
_seq = itertools.count(10)


def make_agency(name=None, *, short_name="UBND", parent=None, domain=None, **fields):
    n = next(_seq)
    domain = domain or f"a{n}.gov.vn"
    return Agency.objects.create(
        code=fields.pop("code", f"000.00.{n % 100:02d}.H{n % 100:02d}"),
        name=name or f"Cơ quan thử {n}", short_name=short_name, parent=parent,
        official_email=fields.pop("official_email", f"vanphong@{domain}"), **fields,
    )


def make_unit(agency, name="Văn phòng", abbreviation="VP", **fields):
    return Unit.objects.create(agency=agency, name=name, abbreviation=abbreviation, **fields)


def make_user(email=None, *, kind=User.Kind.STAFF, full_name="Nguyễn Văn Thử", password=PASSWORD, verified=True):
    email = email or f"user{next(_seq)}@test.gov.vn"
    user = User.objects.create_user(email=email, password=password, full_name=full_name, kind=kind)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def make_citizen(email=None, **kwargs):
    return make_user(email or f"citizen{next(_seq)}@example.com", kind=User.Kind.CITIZEN, **kwargs)


def make_member(agency, *roles, user=None, unit=None, position="Chuyên viên", **fields):
    """A staff member of `agency` with the given roles ("clerk", "leader", "specialist", "admin")."""
    user = user or make_user()
    flags = {Membership.ROLE_FIELDS[role]: True for role in roles or ("specialist",)}
    return Membership.objects.create(
        user=user, agency=agency, unit=unit, position=position,
        official_email=fields.pop("official_email", user.email), **flags, **fields,
    )


def make_group(name, *members, owner=None):
    group = RecipientGroup.objects.create(name=name, owner=owner)
    group.members.set(members)
    return group


def totp_enable(user):
    """Set up TOTP for a user as if they had scanned the QR code; returns the secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def totp_code(secret):
    """The current code, as an authenticator app computes it (RFC 6238: 30 s, 6 digits, HMAC-SHA1)."""
    import base64
    import hashlib
    import hmac
    import struct
    import time

    while time.time() % 30 > 28:  # let the step turn now rather than between typing and checking
        time.sleep(0.05)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", int(time.time() // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


# --- signatures (issue 11) ------------------------------------------------------------------------------------

SIGNING_PIN = "246810"  # the demo leaders' PIN (pki_demo), and every test signer's


def make_signing_certificate(member, *, pin=SIGNING_PIN, not_before=None, not_after=None):
    """The person's own active certificate from the demo CA, its key kept by the portal under `pin`
    (valid for years, unless not_before / not_after say otherwise)."""
    from cryptography.hazmat.primitives import hashes, serialization

    from pki.demo import issue_personal_keypair
    from pki.keystores import pin_seal
    from pki.models import KeyStore, PersonalCertificate
    from pki.services import personal_certificate_issue_demo

    user = getattr(member, "user", member)
    if not_before is None and not_after is None:
        return personal_certificate_issue_demo(user=user, pin=pin, agency=member.agency)
    agency_name = member.agency.name if hasattr(member, "agency") else "Cơ quan thử"
    certificate, key, chain = issue_personal_keypair(user.full_name, agency_name=agency_name,
                                                     not_before=not_before, not_after=not_after)
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
    pem = serialization.Encoding.PEM
    PersonalCertificate.objects.filter(user=user, is_active=True).update(is_active=False)
    return PersonalCertificate.objects.create(
        user=user, store=KeyStore.PORTAL, subject_cn=user.full_name, subject_dn=certificate.subject.rfc4514_string(),
        issuer_dn=certificate.issuer.rfc4514_string(), serial_number=format(certificate.serial_number, "X"),
        not_before=certificate.not_valid_before_utc, not_after=certificate.not_valid_after_utc,
        fingerprint_sha256=fingerprint, certificate_pem=certificate.public_bytes(pem).decode("ascii"),
        chain_pem="".join(c.public_bytes(pem).decode("ascii") for c in chain),
        private_key_encrypted=pin_seal(key_der, pin=pin, fingerprint=fingerprint), is_active=True,
    )


def signing_ready(member):
    """The person's active certificate, made on first use (a leader about to sign)."""
    from pki.models import PersonalCertificate

    user = getattr(member, "user", member)
    return PersonalCertificate.objects.filter(user=user, is_active=True).first() or make_signing_certificate(member)


def approve(member, outgoing, comment=""):
    """The named signer signs and approves `outgoing` with their own certificate and PIN (made if need be)."""
    from documents.services import outgoing as services

    signing_ready(member)
    return services.outgoing_approve(membership=member, outgoing=outgoing, comment=comment, pin=SIGNING_PIN)

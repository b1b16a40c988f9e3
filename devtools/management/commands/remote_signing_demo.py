"""Give demo people a certificate held by the running devtools.csc_server, so they sign from the "phone".

    python manage.py remote_signing_demo --email lanhdao2@... [--email ...]

Each person gets a key pair from the demo CA, handed to the service's admin endpoint (POST /test/credentials)
under their e-mail as the account, and becomes their active signing certificate (store=remote). Idempotent: a
person whose active certificate is already a credential the service still holds is left alone.
"""

import base64
import json
import urllib.request

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Membership
from pki import demo
from pki.models import KeyStore, PersonalCertificate
from pki.remote import services

PROVIDER = "csc"


def _add_credential(url, account, certificate, key, chain):
    p12 = pkcs12.serialize_key_and_certificates(b"signer", key, certificate, chain, serialization.NoEncryption())
    body = json.dumps({"userID": account, "pkcs12": base64.b64encode(p12).decode()}).encode()
    request = urllib.request.Request(f"{url}/test/credentials", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the configured dev service
        return json.loads(response.read())["credentialID"]


class Command(BaseCommand):
    help = "Enrol demo people at the running devtools.csc_server (REMOTE_SIGNING_CSC_URL) for remote signing."

    def add_arguments(self, parser):
        parser.add_argument("--email", action="append", required=True, help="a staff member's e-mail (repeatable)")

    def handle(self, **options):
        config = settings.REMOTE_SIGNING_PROVIDERS.get(PROVIDER)
        if not config:
            raise CommandError("REMOTE_SIGNING_CSC_URL is not set: start devtools.csc_server and point it there.")
        provider = services.provider_for(PROVIDER)
        for email in options["email"]:
            membership = Membership.objects.select_related("user", "agency").filter(user__email=email).first()
            if membership is None:
                raise CommandError(f"no staff member with e-mail {email}")
            user = membership.user
            current = PersonalCertificate.objects.filter(user=user, is_active=True, store=KeyStore.REMOTE).first()
            if current and current.remote_credential_id in provider.credentials(current.remote_account):
                self.stdout.write(f"{email}: already signs remotely")
                continue
            certificate, key, chain = demo.issue_personal_keypair(
                user.full_name, agency_name=membership.agency.name, title=membership.position
            )
            credential_id = _add_credential(config["url"], email, certificate, key, chain)
            services.remote_certificate_register(
                user=user, provider_name=PROVIDER, account=email, credential_id=credential_id
            )
            self.stdout.write(f"{email}: signs remotely, confirm at {config['url']}/phone/{email}")

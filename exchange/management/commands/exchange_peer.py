"""Set up another installation of the portal as a peer, from the files its administrators send (docs/exchange.md)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies.forms import InstallationForm
from agencies.models import Agency, Installation


def _read(path):
    try:
        with open(path, encoding="ascii") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: {exc}") from exc


class Command(BaseCommand):
    help = ("Add or update another installation (peer): its HTTPS endpoint, the certificates its envelopes are signed "
            "with, the CA of its TLS certificate, its rate; --agency CODE (repeatable) marks directory agencies as "
            "served by it. The same checks as the admin's form; nothing changes when any fails.")

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("--name", required=True)
        parser.add_argument("--endpoint", required=True, help="https://…/exchange/edxml/")
        parser.add_argument("--signing-certificates", required=True, help="PEM file")
        parser.add_argument("--tls-ca", help="PEM file (default: the system's roots)")
        parser.add_argument("--rate", type=int, default=120, help="envelopes accepted per minute")
        parser.add_argument("--inactive", action="store_true")
        parser.add_argument("--agency", action="append", default=[], help="code of an agency it serves")

    @transaction.atomic
    def handle(self, code, **options):
        installation = Installation.objects.filter(code=code).first()
        created = installation is None
        form = InstallationForm(instance=installation, data={
            "code": code, "name": options["name"], "endpoint": options["endpoint"],
            "signing_certificates_pem": _read(options["signing_certificates"]),
            "tls_ca_pem": _read(options["tls_ca"]) if options["tls_ca"] else "",
            "rate_limit_per_minute": options["rate"], "is_active": not options["inactive"],
        })
        if not form.is_valid():
            raise CommandError("; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()))
        installation = form.save()
        agencies = list(Agency.objects.filter(code__in=options["agency"]))
        missing = set(options["agency"]) - {agency.code for agency in agencies}
        if missing:
            raise CommandError(f"not in the directory: {', '.join(sorted(missing))}; nothing was changed")
        Agency.objects.filter(pk__in=[agency.pk for agency in agencies]).update(installation=installation)
        self.stdout.write(self.style.SUCCESS(
            f"installation {installation.code} {'created' if created else 'updated'}; "
            f"agencies it serves: {installation.agencies.count()}"))

from cryptography import x509
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from pki import demo


class Command(BaseCommand):
    help = (
        "Revoke a certificate of the demo CA by its serial number (hex, as the certificate pages show it): "
        "its CRL lists it and its OCSP responder answers 'revoked' from then on."
    )

    def add_arguments(self, parser):
        parser.add_argument("serial_number", help="serial number in hex, with or without colons")
        parser.add_argument(
            "--reason", default="key_compromise", choices=list(x509.ReasonFlags.__members__),
            help="RFC 5280 reason (default key_compromise)",
        )
        parser.add_argument("--at", help="revocation time, ISO 8601 with offset (default now)")

    def handle(self, serial_number, reason, at=None, **options):
        moment = parse_datetime(at) if at else None
        if at and (moment is None or moment.tzinfo is None):
            raise CommandError(f"--at {at!r}: give an ISO 8601 time with its offset, e.g. 2026-01-31T08:00:00+07:00")
        try:
            revocation = demo.revoke(serial_number, at=moment, reason=reason)
        except ValueError as exc:
            raise CommandError(f"{serial_number!r} is not a hexadecimal serial number") from exc
        self.stdout.write(self.style.SUCCESS(
            f"revoked: serial {revocation.serial_number} at {revocation.revoked_at.isoformat()} ({revocation.reason})"
        ))

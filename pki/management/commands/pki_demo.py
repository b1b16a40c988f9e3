from django.core.management.base import BaseCommand

from pki import demo


class Command(BaseCommand):
    help = (
        "Create the demo CA under VAR_DIR/pki/ and issue a demo certificate to every active portal agency "
        "that has no valid one (idempotent)."
    )

    def handle(self, **options):
        ca = demo.demo_ca()
        issued = demo.ensure_agency_certificates()
        for certificate in issued:
            self.stdout.write(f"issued: {certificate.subject_cn} (serial {certificate.serial_number})")
        self.stdout.write(self.style.SUCCESS(
            f"demo PKI: CA '{ca.certificate.subject.rfc4514_string()}', {len(issued)} certificate(s) issued"
        ))

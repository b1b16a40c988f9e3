from django.core.management.base import BaseCommand

from accounts.models import Membership
from agencies.models import Agency
from pki import demo, demo_images, selectors, services
from pki.models import SealImage, SignatureImage

# The signing PIN of every demo leader's portal-held certificate (README lists it).
DEMO_SIGNING_PIN = "246810"
DEMO_SEAL_DIAMETER_MM = 36


class Command(BaseCommand):
    help = (
        "Create the demo CA under VAR_DIR/pki/, issue a demo certificate to every active portal agency that has no "
        "valid one, a personal certificate (PIN 246810) and a blue signature image to every leader, and a red seal "
        "image to every portal agency (idempotent)."
    )

    def handle(self, **options):
        ca = demo.demo_ca()
        issued = demo.ensure_agency_certificates()
        for certificate in issued:
            self.stdout.write(f"issued: {certificate.subject_cn} (serial {certificate.serial_number})")
        people = self._leaders()
        seals = self._seals()
        self.stdout.write(self.style.SUCCESS(
            f"demo PKI: CA '{ca.certificate.subject.rfc4514_string()}', {len(issued)} agency certificate(s), "
            f"{people} leader certificate(s) with PIN {DEMO_SIGNING_PIN}, {seals} seal image(s)"
        ))

    def _leaders(self):
        """Each leader of a portal agency signs with their own certificate; issued once, kept while valid."""
        issued = 0
        leaders = (
            Membership.objects.active().filter(is_leader=True, agency__uses_portal=True)
            .select_related("user", "agency").order_by("user_id", "pk")
        )
        seen = set()
        for membership in leaders:
            user = membership.user
            if user.pk in seen:
                continue
            seen.add(user.pk)
            current = selectors.personal_certificate_active(user)
            if current is None or not current.is_valid_at():
                services.personal_certificate_issue_demo(user=user, pin=DEMO_SIGNING_PIN, agency=membership.agency)
                self.stdout.write(f"personal certificate: {user.full_name} <{user.email}>")
                issued += 1
            if not SignatureImage.objects.filter(user=user).exists():
                services.signature_image_set(user=user, png_bytes=demo_images.signature_png(user.full_name))
        return issued

    def _seals(self):
        made = 0
        for agency in Agency.objects.filter(is_active=True, uses_portal=True).exclude(
            pk__in=SealImage.objects.values("agency_id")
        ):
            services.seal_image_install(
                agency=agency, png_bytes=demo_images.seal_png(agency.name), diameter_mm=DEMO_SEAL_DIAMETER_MM
            )
            made += 1
        return made

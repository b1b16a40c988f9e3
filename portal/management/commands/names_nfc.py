from django.core.management.base import BaseCommand

from core.fields import names_normalise


class Command(BaseCommand):
    help = "Rewrite in Unicode NFC the display names (people, positions, agencies, units, recipients) stored in NFD."

    def handle(self, **options):
        for label, count in names_normalise().items():
            self.stdout.write(f"{label}: {count}")

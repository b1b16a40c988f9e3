from django.core.management.base import BaseCommand

from core.crypto import secrets_reencrypt


class Command(BaseCommand):
    help = (
        "Encrypt every stored secret (private keys, mailbox passwords) again with the first key of "
        "FIELD_ENCRYPTION_KEY; run after putting a new key first, before removing the old one."
    )

    def handle(self, **options):
        for label, count in secrets_reencrypt().items():
            self.stdout.write(f"{label}: {count}")

"""Compile the catalogs with polib, so a fresh machine needs no GNU gettext (Django's own compilemessages runs
msgfmt). Named apart from Django's command, which stays available where gettext is installed."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's .po catalogs (LOCALE_PATHS) into .mo files using polib (no GNU gettext needed)."

    def handle(self, **options):
        for base in settings.LOCALE_PATHS:
            for po_path in sorted(Path(base).glob("*/LC_MESSAGES/*.po")):
                catalog = polib.pofile(str(po_path))
                catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
                self.stdout.write(f"compiled {po_path} ({len(catalog.translated_entries())} entries)")

"""The catalogs compile with polib under their own command name; Django's compilemessages is not shadowed."""

import gettext
import shutil
from io import StringIO
from pathlib import Path

from django.core.management import call_command, get_commands

ROOT = Path(__file__).resolve().parent.parent.parent


def test_django_compilemessages_is_djangos_own():
    commands = get_commands()
    assert commands["compilemessages"] == "django.core"
    assert commands["compilemessages_polib"] == "portal"


def test_compilemessages_polib_writes_a_catalog_gettext_reads(tmp_path, settings):
    target = tmp_path / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    shutil.copy(ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po", target / "django.po")
    settings.LOCALE_PATHS = [str(tmp_path)]
    out = StringIO()
    call_command("compilemessages_polib", stdout=out)
    assert "compiled" in out.getvalue()
    with open(target / "django.mo", "rb") as mo:
        assert gettext.GNUTranslations(mo).gettext("Trình duyệt") == "Submit for approval"

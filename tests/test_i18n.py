"""Vietnamese by default, English on request; Unicode NFC text (TCVN 6909); dd/mm/yyyy dates; Vietnam's time."""

import datetime
import re
import unicodedata
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import formats, timezone, translation

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_login_page_is_in_vietnamese_by_default(client):
    html = client.get("/accounts/login/").content.decode()
    assert settings.LANGUAGE_CODE == "vi"
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html and "Mật khẩu" in html
    assert "Sign In" not in html


@pytest.mark.django_db
def test_switching_to_english_shows_allauth_pages_in_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response.url == "/accounts/login/"
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Sign In" in html and "Password" in html

    client.post("/i18n/setlang/", {"language": "vi", "next": "/accounts/login/"})
    assert "Đăng nhập" in client.get("/accounts/login/").content.decode()


def text_files():
    templates = sorted(path for path in (ROOT / "templates").rglob("*") if path.is_file())
    catalogs = sorted((ROOT / "locale").rglob("*.po"))
    assert templates and catalogs
    return templates + catalogs


def test_every_template_and_catalog_is_unicode_nfc():
    not_nfc = []
    for path in text_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not unicodedata.is_normalized("NFC", line):
                not_nfc.append(f"{path.relative_to(ROOT)}:{number}")
    assert not not_nfc, "not in Unicode NFC: " + ", ".join(not_nfc)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_dates_render_as_dd_mm_yyyy(language):
    with translation.override(language):
        assert formats.date_format(datetime.date(2026, 3, 5), "SHORT_DATE_FORMAT") == "05/03/2026"
        assert formats.date_format(datetime.date(2026, 11, 21), "SHORT_DATE_FORMAT") == "21/11/2026"
        assert formats.date_format(datetime.date(2026, 11, 21)) == "21/11/2026"


def test_time_zone_is_vietnams_and_times_are_aware():
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh" and settings.USE_TZ
    moment = datetime.datetime(2026, 11, 21, 2, 30, tzinfo=datetime.UTC)
    local = timezone.localtime(moment)
    assert local.utcoffset() == datetime.timedelta(hours=7)
    with translation.override("vi"):
        assert formats.date_format(local, "SHORT_DATETIME_FORMAT") == "21/11/2026 09:30"


def test_an_english_browser_still_gets_vietnamese_until_english_is_chosen(client, db):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Đăng nhập" in page and 'lang="vi"' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert 'lang="en"' in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()


PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|%%")


def source_and_translation(entry):
    if entry.msgid_plural:
        return [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
    return [(entry.msgid, entry.msgstr)]


@pytest.mark.django_db
def test_english_shows_the_portals_own_pages_in_english_and_the_en_catalog_is_complete(client_for, clerk, unit):
    client = client_for(clerk)
    client.post("/i18n/setlang/", {"language": "en", "next": "/dashboard/"})

    dashboard = client.get("/dashboard/").content.decode()
    assert '<html lang="en">' in dashboard
    for label in ["Dashboard", "My tasks", "Due this week", "Outgoing documents", "Incoming register", "Clerk"]:
        assert label in dashboard, label
    assert "Bàn làm việc" not in dashboard and "Việc của tôi" not in dashboard

    outgoing = client.get("/outgoing/").content.decode()
    for label in ["Draft a document", "Number and notation", "Summary", "Awaiting approval", "Official letter"]:
        assert label in outgoing, label
    assert "Trích yếu" not in outgoing and "Số, ký hiệu" not in outgoing

    directory = client.get("/directory/").content.decode()
    for label in ["Agency directory", "Official e-mail directory", "Directive 34/2008/CT-TTg", "1 unit"]:
        assert label in directory, label
    assert "Danh bạ cơ quan" not in directory and "1 units" not in directory

    catalog = polib.pofile(str(ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    assert len(catalog) > 900
    assert not [entry.msgid for entry in catalog.untranslated_entries()]
    assert not [entry.msgid for entry in catalog.fuzzy_entries()]
    mismatched = [source for entry in catalog if "python-format" in entry.flags
                  for source, translation in source_and_translation(entry)
                  if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation))]
    assert not mismatched, mismatched


def _msgids_in_source():
    """The literal msgids of gettext calls in the code and of {% translate %} tags in the templates."""
    import ast

    root = ROOT
    skip = {".venv", "var", "tests", "bench", "migrations", "static", "locale"}
    names = {"_", "gettext", "gettext_lazy", "gettext_noop"}
    found = {}
    for path in root.rglob("*.py"):
        if skip & set(path.relative_to(root).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in names
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found[node.args[0].value] = f"{path.relative_to(root)}:{node.lineno}"
    tag = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.+?)\1\s*(?:as\s+\w+\s*)?%}""")
    for path in (root / "templates").rglob("*.html"):
        for match in tag.finditer(path.read_text(encoding="utf-8")):
            found[match.group(2)] = str(path.relative_to(root))
    return found


def test_every_string_of_the_ui_has_an_english_translation():
    en_po = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
    catalog = {e.msgid: e.msgstr for e in polib.pofile(str(en_po)) if e.translated() and not e.obsolete}
    missing = {msgid: where for msgid, where in _msgids_in_source().items() if not catalog.get(msgid)}
    assert not missing, f"add these to locale/en (manage.py makemessages -l en, then translate): {missing}"

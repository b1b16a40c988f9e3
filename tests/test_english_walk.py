"""The English UI is English: every main journey, walked in English, shows no Vietnamese outside stored data.

Vietnamese is recognised by its letters with diacritics; what the people, agencies and documents of the
fixture hold (names, summaries, positions, ...) is removed from the page text first, since stored data
stays as it was typed. So does the document text the portal prints as Vietnamese on purpose (the
"Nơi nhận" block of a draft) and the name of the Vietnamese language in its own tongue.
"""

import re
import unicodedata
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from documents.models import Incoming, Outgoing, Recipient, Register
from documents.numbering import register_for
from pki import demo
from tests import factories
from tests.conftest import login
from tests.documents.conftest import enable_totp, pdf_upload

pytestmark = pytest.mark.django_db

VIETNAMESE = re.compile(r"[À-ÃÈ-ÊÌÍÒ-ÕÙÚÝà-ãè-êìíò-õùúýĂăĐđĨĩŨũƠơƯưẠ-ỹ]")
# Printed document text is Vietnamese whatever the UI language (Decree 30/2020 layout of a document).
DOCUMENT_TEXT = ["Nơi nhận", "Như trên", "Lưu", "Kính gửi",
                 # quoted in help texts as an example of what a clerk pastes
                 "Các Bộ, cơ quan ngang Bộ, cơ quan thuộc CP"]
LANGUAGE_NAMES = ["Tiếng Việt"]
# English words with an accent of their own.
ENGLISH_WORDS = ["Communiqué"]


class _Text(HTMLParser):
    """The text a person reads: element text and the attributes read aloud or shown on hover."""

    SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        self.parts += [value for name, value in attrs if name in self.SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def page_text(html):
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def stored_strings():
    """Every text value stored in the database, longest first (a name may contain a shorter one)."""
    values = set()
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, (models.CharField, models.TextField))]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            # Only Vietnamese values matter, and short English-looking ones ("in") would cut words apart.
            values.update(str(value) for value in row if value and VIETNAMESE.search(str(value)))
    return sorted(values, key=len, reverse=True)


def vietnamese_left(html, derived=()):
    """Lines of the page's text that still hold Vietnamese letters once stored data (and what is derived
    from it, such as a person's given name) is taken out."""
    text = unicodedata.normalize("NFC", page_text(html))
    for value in [*stored_strings(), *derived, *DOCUMENT_TEXT, *LANGUAGE_NAMES, *ENGLISH_WORDS]:
        text = text.replace(unicodedata.normalize("NFC", value), " ")
    return [line.strip() for line in text.splitlines() if VIETNAMESE.search(line)]


def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


class Walk:
    """Gets pages in English for one person and collects whatever Vietnamese UI text they show."""

    def __init__(self, client, user):
        self.client = english(login(client, user))
        self.found = {}
        # Django's admin greets the person by it; signature reports name the certificates' holders and issuers.
        self.derived = [user.get_short_name(), demo.DEMO_CA_NAME, demo.DEMO_TSA_NAME, demo.DEMO_OCSP_NAME]

    def get(self, url, status=200, **params):
        response = self.client.get(url, params, follow=True)
        assert response.status_code == status, (url, response.status_code)
        return self.check(url, response)

    def post(self, url, data, **kwargs):
        response = self.client.post(url, data, follow=True, **kwargs)
        assert response.status_code == 200, (url, response.status_code)
        return self.check(f"POST {url}", response)

    def check(self, label, response):
        html = response.content.decode()
        assert "<html" not in html or '<html lang="en"' in html, label  # fragments (htmx) have no <html>
        left = vietnamese_left(html, self.derived)
        if left:
            self.found[label] = left
        return html


@pytest.fixture
def people(agency, certified, unit, other_agency):
    """Two agencies on the portal, each with its clerk, leader (TOTP set up) and specialist."""
    factories.make_unit(other_agency, "Phòng Tổng hợp", "TH")
    staff = {
        "specialist": factories.make_member(agency, "specialist", unit=unit),
        "leader": factories.make_member(agency, "leader", unit=unit, position="Bộ trưởng"),
        "clerk": factories.make_member(agency, "clerk", unit=unit, position="Văn thư"),
        "admin": factories.make_member(agency, "admin", unit=unit, position="Quản trị"),
        "their_clerk": factories.make_member(other_agency, "clerk", position="Văn thư"),
        "their_leader": factories.make_member(other_agency, "leader", position="Chủ tịch"),
        "their_specialist": factories.make_member(other_agency, "specialist", position="Chuyên viên"),
    }
    for name in ("leader", "clerk", "admin", "their_leader", "their_clerk"):
        enable_totp(staff[name].user)
    return staff


def test_the_main_journeys_in_english_show_no_vietnamese_ui_text(
        client, people, agency, unit, other_agency, citizen, django_capture_on_commit_callbacks):
    found = {}

    # The specialist drafts, names a recipient and submits.
    walk = Walk(client, people["specialist"].user)
    for url in ("/dashboard/", "/outgoing/", "/outgoing/new/", "/directory/", "/incoming/"):
        walk.get(url)
    walk.post("/outgoing/new/", {
        "doc_type": "CV", "summary": "V/v báo cáo tình hình sử dụng thư điện tử", "drafting_unit": unit.pk,
        "signer": people["leader"].pk, "archive_copies": 2, "main_file": pdf_upload(),
    })
    outgoing = Outgoing.objects.get()
    walk.post(f"/outgoing/{outgoing.pk}/recipients/add/", {
        "role": Recipient.Role.NOI_NHAN, "kind": Recipient.Kind.AGENCY, "agency": other_agency.pk})
    walk.get(f"/outgoing/{outgoing.pk}/edit/")
    submitted = walk.post(f"/outgoing/{outgoing.pk}/action/submit/", {})
    assert "Document submitted to the signer." in submitted
    found.update(walk.found)

    # The leader approves.
    walk = Walk(client, people["leader"].user)
    walk.get("/dashboard/")
    factories.signing_ready(people["leader"])
    walk.get(f"/outgoing/{outgoing.pk}/")
    approved = walk.post(f"/outgoing/{outgoing.pk}/action/approve/", {"pin": factories.SIGNING_PIN})
    assert "Đã duyệt ký" not in approved
    for url in ("/reports/usage/", "/registers/outgoing/"):
        walk.get(url)
    found.update(walk.found)

    # The clerk issues: the success message names the number in English.
    walk = Walk(client, people["clerk"].user)
    with django_capture_on_commit_callbacks(execute=True):
        issued = walk.post(f"/outgoing/{outgoing.pk}/action/issue/", {})
    outgoing.refresh_from_db()
    assert outgoing.status == Outgoing.Status.ISSUED
    assert "Đã phát hành" not in issued and outgoing.notation in issued
    for url in (f"/outgoing/{outgoing.pk}/", f"/outgoing/{outgoing.pk}/deliveries/", "/registers/outgoing/",
                "/registers/incoming/", "/reports/traffic/", "/reports/incidents/", "/incoming/paper/new/",
                "/incoming/mailbox/", "/accounts/2fa/"):
        walk.get(url)
    found.update(walk.found)

    # The receiving agency's clerk registers it, its leader routes it, its specialist reports progress.
    incoming = Incoming.objects.get(agency=other_agency)
    walk = Walk(client, people["their_clerk"].user)
    walk.get("/incoming/")
    detail = walk.get(f"/incoming/{incoming.pk}/")
    assert "register" in detail.lower()
    walk.post(f"/incoming/{incoming.pk}/register/", {
        "sender_agency": agency.pk, "sender_name": agency.name, "notation": outgoing.notation,
        "doc_date": outgoing.issued_at.astimezone().strftime("%d/%m/%Y"), "doc_type": "CV",
        "summary": outgoing.summary, "secrecy": "", "urgency": "", "note": ""})
    incoming.refresh_from_db()
    assert incoming.arrival_number
    walk.get("/registers/incoming/")
    found.update(walk.found)

    walk = Walk(client, people["their_leader"].user)
    walk.get(f"/incoming/{incoming.pk}/")
    lead_unit = other_agency.units.get()
    walk.post(f"/incoming/{incoming.pk}/route/", {
        "lead": f"u{lead_unit.pk}", "cooperate": [f"m{people['their_specialist'].pk}"], "inform": [],
        "instructions": "Đề nghị xử lý", "due_date": ""})
    walk.get("/reports/usage/")
    found.update(walk.found)

    walk = Walk(client, people["their_specialist"].user)
    walk.get("/dashboard/")
    walk.get(f"/incoming/{incoming.pk}/")
    walk.post(f"/incoming/{incoming.pk}/action/input/", {"text": "Đã phối hợp"})
    found.update(walk.found)

    # The agency admin keeps staff, units, groups, certificate and mailbox.
    walk = Walk(client, people["admin"].user)
    for url in ("/manage/staff/", "/manage/staff/invite/", f"/manage/staff/{people['clerk'].pk}/",
                "/manage/units/", "/manage/units/new/", "/manage/groups/", "/manage/groups/new/",
                "/manage/agency/", "/manage/certificate/", "/manage/mailbox/"):
        walk.get(url)
    found.update(walk.found)

    # The technical administrator of the portal: Django's admin.
    root = factories.make_user("root@portal.gov.vn")
    root.is_staff = root.is_superuser = True
    root.save()
    enable_totp(root)
    walk = Walk(client, root)
    for url in ("/admin/", "/admin/agencies/agency/", f"/admin/agencies/agency/{agency.pk}/change/",
                "/admin/documents/outgoing/", f"/admin/documents/outgoing/{outgoing.pk}/change/",
                "/admin/accounts/membership/"):
        walk.get(url)
    found.update(walk.found)

    # The citizen and anyone: their page, the lookup, the directory, verification, two-factor.
    walk = Walk(client, citizen)
    for url in ("/me/", "/lookup/", "/directory/", "/verify/", "/accounts/password/change/"):
        walk.get(url)
    found.update(walk.found)

    assert not found, "\n".join(f"{page}: {lines}" for page, lines in found.items())


def test_the_language_menu_names_each_language_in_itself(client, people):
    for language in ("vi", "en"):
        client.post("/i18n/setlang/", {"language": language, "next": "/"})
        html = client.get("/directory/").content.decode()
        assert 'data-testid="lang-vi"' in html
        menu = {code: html.split(f'data-testid="lang-{code}"', 1)[1].split(">", 1)[1].split("</button>", 1)[0]
                for code in ("vi", "en")}
        assert menu == {"vi": "Tiếng Việt", "en": "English"}, (language, menu)


def test_messages_defined_at_import_time_follow_the_language_of_the_request(client, people, agency):
    """The success messages of outgoing and incoming actions are looked up when shown, not when loaded."""
    from documents.views import incoming, outgoing

    with translation.override("en"):
        assert str(outgoing.DONE_MESSAGES["submit"]) != "Đã trình văn bản cho người ký."
        assert not VIETNAMESE.search(str(incoming.TEXT_ACTIONS["complete"][2]))
    with translation.override("vi"):
        assert str(outgoing.DONE_MESSAGES["submit"]) == "Đã trình văn bản cho người ký."


def test_a_register_created_by_an_english_speaker_keeps_its_vietnamese_name(agency):
    with translation.override("en"):
        register = register_for(agency, Register.Kind.INCOMING)
        assert str(Register.Kind.INCOMING.label) == "Incoming register"
    assert register.name == "Sổ đăng ký văn bản đến"

"""Display names are NFC wherever they come from: a keyboard that sends NFD (base letter + combining marks)
still gives one code point per letter on the pages, in the database and in e-mail headers."""

import email
import unicodedata
from email import policy

import pytest
from django.core import mail

from accounts.models import Membership, User
from agencies.models import Agency
from documents.models import Recipient
from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import make_draft

pytestmark = pytest.mark.django_db


def nfd(text):
    return unicodedata.normalize("NFD", text)


NAME, POSITION = "Phạm Thị Hoa", "Phó Chánh Văn phòng"
assert nfd(NAME) != NAME  # the test means something only if the forms differ


def test_an_invitation_typed_in_nfd_is_stored_shown_and_mailed_in_nfc(
    client_for, admin_member, unit, django_capture_on_commit_callbacks
):
    client = client_for(admin_member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/manage/staff/invite/", {
            "full_name": nfd(NAME), "email": "hoa.pham@moha.gov.vn", "unit": unit.pk, "roles": ["specialist"],
            "position": nfd(POSITION), "official_email": "hoa.pham@moha.gov.vn",
        })
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="hoa.pham@moha.gov.vn")
    assert membership.user.full_name == NAME and membership.position == POSITION
    html = client.get("/manage/staff/").content.decode()
    assert NAME in html and POSITION in html and nfd(NAME) not in html
    assert NAME in mail.outbox[0].body and nfd(NAME) not in mail.outbox[0].body
    assert User.objects.filter(full_name=nfd(NAME)).exists()  # lookups are normalised as well


def test_a_citizen_signing_up_in_nfd_is_stored_in_nfc(client, db):
    client.post("/accounts/signup/", {
        "email": "hoa@example.com", "password1": "Mật-khẩu-2026!", "password2": "Mật-khẩu-2026!",
        "full_name": nfd(NAME), "organization": nfd("Công ty TNHH Đông Á"),
    })
    user = User.objects.get(email="hoa@example.com")
    assert user.full_name == NAME and user.organization == "Công ty TNHH Đông Á"


def test_agency_and_unit_names_saved_in_nfd_are_kept_in_nfc(agency):
    agency.name = nfd("Ủy ban nhân dân tỉnh Kon Tum")
    agency.save()
    unit = agency.units.create(name=nfd("Phòng Hành chính – Tổng hợp"), abbreviation="HCTH")
    agency.refresh_from_db()
    unit.refresh_from_db()
    assert agency.name == "Ủy ban nhân dân tỉnh Kon Tum" and unit.name == "Phòng Hành chính – Tổng hợp"
    assert Agency.objects.filter(name__icontains=nfd("Kon Tum")).get() == agency


def test_an_email_recipient_named_in_nfd_gets_an_nfc_display_name_in_the_header(
    client_for, certified, specialist, leader, clerk, smtp_sink, django_capture_on_commit_callbacks
):
    draft = make_draft(specialist, leader)
    response = client_for(specialist).post(f"/outgoing/{draft.pk}/recipients/add/", {
        "role": Recipient.Role.NOI_NHAN, "kind": Recipient.Kind.EMAIL, "name": nfd("Công ty Cổ phần Đông Á"),
        "email": "vanthu@donga.com.vn",
    }, follow=True)
    assert response.status_code == 200
    assert "Công ty Cổ phần Đông Á" in response.content.decode()
    services.outgoing_submit(membership=specialist, outgoing=draft)
    factories.approve(leader, draft)
    with django_capture_on_commit_callbacks(execute=True):
        services.outgoing_issue(membership=clerk, outgoing=draft)
    [message] = [m for m in smtp_sink.messages() if m["to"] == ["vanthu@donga.com.vn"]]
    parsed = email.message_from_bytes(open(message["path"], "rb").read(), policy=policy.default)
    assert parsed["To"].addresses[0].display_name == "Công ty Cổ phần Đông Á"
    assert parsed["From"].addresses[0].display_name == unicodedata.normalize("NFC", certified.name)


def test_names_stored_in_nfd_before_are_rewritten_by_names_nfc(agency, admin_member, capsys):
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:  # as rows written before the portal normalised them
        cursor.execute("UPDATE agencies_agency SET name = %s WHERE id = %s", [nfd(NAME), agency.pk])
        cursor.execute("SELECT name FROM agencies_agency WHERE id = %s", [agency.pk])
        assert cursor.fetchone()[0] == nfd(NAME)
    call_command("names_nfc")
    assert "agencies.Agency: 1" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM agencies_agency WHERE id = %s", [agency.pk])
        assert cursor.fetchone()[0] == NAME

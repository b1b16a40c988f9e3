"""The e-mail a citizen receives carries the lookup code and a link that opens the reply."""

import email
import re
from email import policy

import pytest
from django.urls import reverse

from core.codes import lookup_code_display
from documents import mail_delivery
from tests.documents.conftest import to_email
from tests.public.conftest import citizen_delivery, to_citizen

pytestmark = pytest.mark.django_db


def bodies(smtp_sink):
    found = {}
    for message in smtp_sink.messages():
        with open(message["path"], "rb") as handle:
            parsed = email.message_from_bytes(handle.read(), policy=policy.default)
        found[message["to"][0]] = parsed.get_body(("plain",)).get_content()
    return found


def test_citizen_email_shows_the_code_and_a_lookup_link_and_an_official_address_gets_neither(
        issue, smtp_sink, settings, client):
    settings.SITE_URL = "https://congvanban.gov.vn"
    outgoing = issue(to_citizen("dan@example.com"), to_email("vanthu@congty.vn"))
    assert mail_delivery.send_emails(list(outgoing.deliveries.values_list("pk", flat=True))) == []
    received = bodies(smtp_sink)
    code = lookup_code_display(citizen_delivery(outgoing, "dan@example.com").lookup_code)

    citizen_body = received["dan@example.com"]
    assert f"Mã tra cứu văn bản: {code}" in citizen_body
    assert f"https://congvanban.gov.vn/lookup/?code={code}" in citizen_body
    assert "Hoặc nhập mã tra cứu tại https://congvanban.gov.vn/lookup/" in citizen_body
    assert f"/v/{outgoing.verify_code}" in citizen_body

    official_body = received["vanthu@congty.vn"]
    assert "Mã tra cứu" not in official_body and "/lookup/" not in official_body

    path = re.search(r"https://congvanban\.gov\.vn(/lookup/\?code=\S+)", citizen_body).group(1)
    response = client.get(path)
    reply = citizen_delivery(outgoing, "dan@example.com")
    assert response.status_code == 302 and response.url == reverse("public_reply", args=[reply.pk])


def test_a_document_to_several_citizens_prints_no_code_everyone_gets_their_own(issue, tmp_path):
    from tests.pki.conftest import pdftotext
    from tests.public.conftest import signed_bytes

    outgoing = issue(to_citizen("dan@example.com"), to_citizen("thi@example.com", name="Bà Lê Thị Thi"))
    assert "Mã tra cứu" not in pdftotext(signed_bytes(outgoing), tmp_path)
    assert all(d.lookup_code for d in outgoing.deliveries.all())

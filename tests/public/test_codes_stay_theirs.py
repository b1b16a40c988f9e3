"""A citizen's lookup code is theirs: never printed on the copy every recipient gets, only in their own e-mail;
a download says who made it (the citizen, staff, or whoever held the code)."""

import email
from email import policy

import pytest
from django.urls import reverse

from core.codes import lookup_code_display
from documents import mail_delivery
from documents.models import Incoming
from public_site.models import Download
from tests import factories
from tests.documents.conftest import to_agency, to_email
from tests.pki.conftest import pdftotext
from tests.public.conftest import citizen_delivery, signed_bytes, to_citizen

pytestmark = pytest.mark.django_db


def raw_messages(smtp_sink):
    found = {}
    for message in smtp_sink.messages():
        with open(message["path"], "rb") as handle:
            found[message["to"][0]] = email.message_from_bytes(handle.read(), policy=policy.default)
    return found


def test_the_copy_every_recipient_gets_never_carries_the_citizens_code(issue, smtp_sink, other_agency, tmp_path,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the portal delivery runs after the commit
        outgoing = issue(to_citizen("dan@example.com"), to_email("vanthu@congty.vn"), to_agency(other_agency))
    code = citizen_delivery(outgoing, "dan@example.com").lookup_code
    shown = lookup_code_display(code)
    text = pdftotext(signed_bytes(outgoing), tmp_path)
    assert shown not in text and code not in text and "Mã tra cứu" not in text
    # The agency on the portal receives that same file.
    received = Incoming.objects.get(agency=other_agency).files.get()
    with received.file.open("rb") as handle:
        assert shown not in pdftotext(handle.read(), tmp_path)

    assert mail_delivery.send_emails(list(outgoing.deliveries.values_list("pk", flat=True))) == []
    messages = raw_messages(smtp_sink)
    assert shown in messages["dan@example.com"].get_body(("plain",)).get_content()
    official = messages["vanthu@congty.vn"]
    assert shown not in official.as_string() and code not in official.as_string()
    attachment = next(official.iter_attachments()).get_content()
    assert shown not in pdftotext(attachment, tmp_path)


@pytest.fixture
def reply(issue):
    outgoing = issue(to_citizen("dan@example.com"))
    return citizen_delivery(outgoing, "dan@example.com")


def download(client, reply):
    main = reply.outgoing.files.get(kind="main")
    response = client.get(reverse("public_reply_file", args=[reply.pk, main.pk]))
    assert response.status_code == 200
    return Download.objects.order_by("-pk").first()


def open_with_code(client, reply):
    assert client.post(reverse("public_lookup"), {"code": reply.lookup_code}).status_code == 302


def test_a_download_by_code_without_an_account_is_counted_as_by_code(client, reply):
    open_with_code(client, reply)
    record = download(client, reply)
    assert (record.by, record.user) == (Download.By.CODE, None)


def test_a_staff_member_of_another_agency_using_the_code_is_not_counted_as_the_citizen(client_for, reply,
                                                                                      other_agency):
    outsider = factories.make_member(other_agency, "clerk")
    client = client_for(outsider)
    open_with_code(client, reply)
    record = download(client, reply)
    assert (record.by, record.user) == (Download.By.STAFF, outsider.user)
    assert not Download.objects.filter(delivery=reply, by=Download.By.CITIZEN).exists()


def test_the_citizen_from_their_account_is_counted_as_the_citizen(client_for, reply):
    citizen = factories.make_citizen("dan@example.com")
    record = download(client_for(citizen), reply)
    assert (record.by, record.user) == (Download.By.CITIZEN, citizen)


def test_another_citizen_account_with_the_code_is_counted_as_by_code(client_for, reply):
    stranger = factories.make_citizen("khac@example.com")
    client = client_for(stranger)
    open_with_code(client, reply)
    assert download(client, reply).by == Download.By.CODE


def test_the_clerk_sees_the_citizens_downloads_without_a_staff_members(client, client_for, reply, clerk,
                                                                       other_agency):
    open_with_code(client, reply)
    download(client, reply)
    outsider = client_for(factories.make_member(other_agency, "clerk"))
    open_with_code(outsider, reply)
    download(outsider, reply)
    page = client_for(clerk).get(reverse("outgoing_detail", args=[reply.outgoing.pk])).content.decode()
    assert 'data-testid="download-count">1<' in page

"""A mailbox attachment is served typed from its bytes, as a download, never as a page of the portal; active
content found at screening is flagged on the mailbox item."""

import pytest
from django.urls import reverse

from intake.models import InboundAttachment
from tests.core import samples

from .test_views import message_for, own_mailbox  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_an_html_attachment_is_an_octet_stream_download_with_the_file_headers(client_for, clerk, own_mailbox):  # noqa: F811
    message = message_for(own_mailbox, files=[("bang-ke.html", "accepted", "", b"<script>alert(1)</script>")])
    attachment = message.attachments.get()
    InboundAttachment.objects.filter(pk=attachment.pk).update(sniffed_content_type="text/html")  # never trusted
    response = client_for(clerk).get(reverse("inbound_attachment", args=[message.pk, attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]


def test_active_content_is_flagged_on_the_mailbox_item(client_for, clerk, own_mailbox):  # noqa: F811
    message = message_for(own_mailbox, files=[("co-ma.pdf", "accepted", "", samples.pdf_open_action_js()),
                                              ("sach.pdf", "accepted", "", samples.pdf_bytes())])
    flagged = message.attachments.get(filename="co-ma.pdf")
    flagged.active_content = ["mã JavaScript (/JS, /JavaScript)"]
    flagged.save()
    page = client_for(clerk).get(reverse("inbound_detail", args=[message.pk])).content.decode()
    assert page.count('data-testid="active-content"') == 1 and "Có nội dung chủ động" in page


def test_screening_records_active_content_but_keeps_the_file():
    from intake.screening import screen

    verdict = screen("co-ma.pdf", "application/pdf", samples.pdf_names_javascript())
    assert verdict.accepted and any("JavaScript" in finding for finding in verdict.active)
    assert screen("sach.pdf", "application/pdf", samples.pdf_bytes()).active == ()

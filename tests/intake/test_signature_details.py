"""The mailbox item shows each PDF's signatures on their own and whether the file meets Decree 30 Art. 5, so
the clerk sees which attachment is a legally valid original before registering it."""

import re

import pytest
from django.urls import reverse

from intake import services
from intake.models import InboundMessage
from pki import demo
from tests.pki.conftest import make_pdf
from tests.pki.ltv_pdfs import sign

from .mail import build

pytestmark = pytest.mark.django_db


def test_each_pdf_says_which_signature_it_lacks(mailbox, imap_account, agency, client_for, clerk):
    person = demo.issue_personal_keypair("Nguyễn Văn An", agency_name=agency.name, title="Chủ tịch")
    seal = demo.issue_keypair(agency.name)
    both = sign(sign(make_pdf(), person, field="ChuKyNguoiKy"), seal, field="ChuKyCoQuan")
    seal_only = sign(make_pdf(), seal, field="ChuKyCoQuan")
    imap_account.append(build(subject="Hai tệp", attachments=[
        ("van-ban.pdf", "application/pdf", both), ("phu-luc.pdf", "application/pdf", seal_only)]))
    assert services.mailbox_poll(mailbox.pk).status == "ok"
    message = InboundMessage.objects.get()

    html = client_for(clerk).get(reverse("inbound_detail", args=[message.pk])).content.decode()

    details = re.findall(r'data-testid="article-5" data-meets="([a-z]+)"', html)
    assert sorted(details) == ["no", "yes"]
    assert "Thiếu chữ ký số của người có thẩm quyền." in html
    assert re.findall(r'data-testid="signature" data-status="valid" data-kind="([a-z]+)"', html).count("person") == 1

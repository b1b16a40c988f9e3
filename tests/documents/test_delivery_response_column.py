"""The delivery table's "Phản hồi" column: a sentence the clerk understands, the server's own answer one
click away (a <details>), against a real SMTP server and the .eml files of the default set-up."""

import re

import pytest

from documents import mail_delivery
from documents.delivery_responses import response_sentence
from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import approved, to_email

pytestmark = pytest.mark.django_db


def issue_and_send(specialist, leader, clerk, *addresses):
    outgoing = approved(specialist, leader, *[to_email(a) for a in addresses])
    outgoing = services.outgoing_issue(membership=clerk, outgoing=outgoing)
    mail_delivery.send_emails(list(outgoing.deliveries.filter(channel="email").values_list("pk", flat=True)))
    return outgoing


def row(page, delivery):
    return re.search(rf'<tr data-delivery="{delivery.pk}".*?</tr>', page, re.S).group(0)


def visible(html):
    """The row's text outside <details>, as the clerk sees it before clicking."""
    return re.sub(r"<details.*?</details>", "", html, flags=re.S)


def test_a_refused_and_an_accepted_address_read_as_sentences_with_the_raw_answer_behind_a_click(
        smtp_sink, client_for, certified, specialist, leader, clerk):
    outgoing = issue_and_send(specialist, leader, clerk, "cu@reject.example", "moi@congty.vn")
    page = client_for(clerk).get(f"/outgoing/{outgoing.pk}/").content.decode()
    refused = row(page, outgoing.deliveries.get(email="cu@reject.example"))
    assert "Máy chủ từ chối: địa chỉ không tồn tại" in visible(refused)
    assert "550" not in visible(refused).split('data-testid="delivery-response"')[1]
    assert re.search(r"<details.*<summary>.*</summary>.*550 5\.1\.1.*User unknown.*</details>", refused, re.S)
    accepted = row(page, outgoing.deliveries.get(email="moi@congty.vn"))
    assert "Máy chủ thư đã nhận" in visible(accepted) and "250" in accepted
    assert "250" not in visible(accepted).split('data-testid="delivery-response"')[1]


def test_without_a_mail_server_the_clerk_reads_that_the_message_was_kept_as_a_file(
        settings, tmp_path, client_for, certified, specialist, leader, clerk):
    settings.EMAIL_BACKEND = "core.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    outgoing = issue_and_send(specialist, leader, clerk, "moi@congty.vn")
    page = client_for(clerk).get(f"/outgoing/{outgoing.pk}/").content.decode()
    html = row(page, outgoing.deliveries.get())
    assert "written by" not in visible(html) and "lưu thành tệp .eml" in visible(html)
    assert "250 written by EmlFileBackend" in html  # still one click away


def test_another_agency_sees_no_delivery_table(smtp_sink, client_for, certified, specialist, leader, clerk):
    outgoing = issue_and_send(specialist, leader, clerk, "cu@reject.example")
    stranger = factories.make_member(factories.make_agency("Sở Nội vụ tỉnh Kon Tum"), "clerk")
    response = client_for(stranger).get(f"/outgoing/{outgoing.pk}/")
    assert response.status_code == 404 and b"User unknown" not in response.content


@pytest.mark.parametrize("raw, sentence", [
    ("250 2.0.0 Ok: queued as 4F1", "Máy chủ thư đã nhận"),
    ("550 5.1.1 <x@y.vn>: Recipient address rejected: User unknown", "Máy chủ từ chối: địa chỉ không tồn tại"),
    ("550 No such user here", "Máy chủ từ chối: địa chỉ không tồn tại"),
    ("552 5.2.2 Mailbox full", "Máy chủ từ chối: hộp thư nơi nhận đã đầy"),
    ("554 5.7.1 Message rejected as spam", "Máy chủ từ chối: thư bị chặn (chính sách chống thư rác hoặc bảo mật "
                                           "của nơi nhận)"),
    ("451 4.3.0 Temporary failure, try again later", "Máy chủ thư tạm thời chưa nhận; cổng sẽ gửi lại"),
    ("Không kết nối được máy chủ thư 127.0.0.1:25: [Errno 111]", "Không kết nối được máy chủ thư; cổng sẽ gửi khi "
                                                                  "máy chủ trả lời lại"),
    ("", ""),
])
def test_each_kind_of_answer_has_its_sentence(raw, sentence):
    assert response_sentence(raw) == sentence

"""/verify/, /lookup/ and the stamp's address say plainly that a document was recalled, or replaced (with the
replacement's number), once its signer agreed; nothing changes for a request the signer has not agreed to."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from core.codes import lookup_code_display
from documents.services import revisions
from tests.documents.conftest import to_agency
from tests.public.conftest import citizen_delivery, signed_bytes, to_citizen

pytestmark = pytest.mark.django_db


def notice(response):
    html = response.content.decode()
    found = re.search(r'data-testid="revision-title">(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else None


def verify(client, data):
    return client.post("/verify/", {"file": SimpleUploadedFile("van-ban.pdf", data, content_type="application/pdf")})


@pytest.fixture
def public_doc(issue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outgoing = issue(to_citizen("dan@example.com"), summary="V/v cấp phép xây dựng")
    mail.outbox.clear()
    return outgoing


def agree(clerk, leader, outgoing, capture, **request):
    with capture(execute=True):
        revision = revisions.revision_request(membership=clerk, outgoing=outgoing, **request)
        return revisions.revision_decide(membership=leader, revision=revision, agree=True)


def test_verify_and_lookup_say_a_recalled_document_was_recalled(client, public_doc, clerk, leader,
                                                                django_capture_on_commit_callbacks):
    data = signed_bytes(public_doc)
    assert notice(verify(client, data)) is None
    revision = revisions.revision_request(membership=clerk, outgoing=public_doc, kind="1", reason="Sai thẩm quyền")
    assert notice(verify(client, data)) is None  # only asked, not agreed: still in force
    with django_capture_on_commit_callbacks(execute=True):
        revisions.revision_decide(membership=leader, revision=revision, agree=True)
    response = verify(client, data)
    assert 'data-verdict="genuine"' in response.content.decode()
    assert notice(response) == "Văn bản đã bị thu hồi"
    # The citizen opens the reply with the code from the first e-mail and reads the same.
    delivery = citizen_delivery(public_doc, "dan@example.com")
    page = client.get("/lookup/", {"code": lookup_code_display(delivery.lookup_code)}, follow=True)
    assert notice(page) == "Văn bản đã bị thu hồi"
    assert notice(client.get(f"/v/{public_doc.verify_code}")) == "Văn bản đã bị thu hồi"
    # and was told by e-mail, with the code again.
    assert [m.to for m in mail.outbox] == [["Ông Nguyễn Văn Dân <dan@example.com>"]]
    assert "THU HỒI" in mail.outbox[0].body and lookup_code_display(delivery.lookup_code) in mail.outbox[0].body


def test_a_replaced_document_names_its_replacement(client, issue, public_doc, clerk, leader,
                                                   django_capture_on_commit_callbacks):
    new = issue(to_citizen("dan@example.com"), summary="V/v cấp phép xây dựng (thay thế)")
    agree(clerk, leader, public_doc, django_capture_on_commit_callbacks, kind="3", reason="Thay nội dung",
          replacement=new)
    response = verify(client, signed_bytes(public_doc))
    assert notice(response) == f"Văn bản đã được thay thế bởi văn bản số {new.notation}"
    assert f'href="/v/{new.verify_code}"' in response.content.decode()
    assert notice(verify(client, signed_bytes(new))) is None  # the replacement itself is in force


def test_an_update_says_so_with_the_updating_number(client, issue, public_doc, clerk, leader,
                                                    django_capture_on_commit_callbacks):
    new = issue(to_citizen("dan@example.com"), summary="Đính chính")
    agree(clerk, leader, public_doc, django_capture_on_commit_callbacks, kind="2", reason="Sai ngày",
          replacement=new)
    assert notice(client.get(f"/v/{public_doc.verify_code}")) == \
        f"Văn bản đã được cập nhật, đính chính bởi văn bản số {new.notation}"


def test_a_declined_request_changes_nothing_in_public(client, public_doc, clerk, leader):
    revision = revisions.revision_request(membership=clerk, outgoing=public_doc, kind="1", reason="Sai sót")
    revisions.revision_decide(membership=leader, revision=revision, agree=False, comment="Không thu hồi")
    assert notice(verify(client, signed_bytes(public_doc))) is None
    assert mail.outbox == []


def test_a_secret_replacement_is_not_named(client, issue, public_doc, clerk, leader, other_agency,
                                           django_capture_on_commit_callbacks):
    secret = issue(to_agency(other_agency), secrecy="mat")
    agree(clerk, leader, public_doc, django_capture_on_commit_callbacks, kind="3", reason="Thay", replacement=secret)
    assert notice(verify(client, signed_bytes(public_doc))) == "Văn bản đã được thay thế"
    # (the secret register numbers from 01 too: its number is the original's, so the sentence is checked)
    assert "THAY THẾ bởi một văn bản khác." in mail.outbox[0].body

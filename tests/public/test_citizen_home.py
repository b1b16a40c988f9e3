"""/me/: a citizen with an account sees every reply ever addressed to their verified addresses."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from documents.models import Outgoing
from public_site.models import Download
from public_site.templatetags import public_tags
from tests import factories
from tests.public.conftest import citizen_delivery, signed_bytes, to_citizen

pytestmark = pytest.mark.django_db


def listed(client, page=None):
    response = client.get("/me/", {"page": page} if page else {})
    assert response.status_code == 200
    return response.content.decode()


def test_replies_to_every_verified_address_newest_first_a_page_at_a_time(issue, citizen, client_for, monkeypatch):
    EmailAddress.objects.create(user=citizen, email="cong.ty.dan@example.vn", verified=True)
    first = issue(to_citizen(citizen.email), summary="V/v trả lời đơn thứ nhất")
    second = issue(to_citizen("cong.ty.dan@example.vn"), summary="V/v trả lời đơn thứ hai")
    third = issue(to_citizen(citizen.email.upper()), summary="V/v trả lời đơn thứ ba")
    # Issued on three different days; the list goes by the date of issue, newest first.
    for days, outgoing in ((3, first), (2, second), (1, third)):
        Outgoing.objects.filter(pk=outgoing.pk).update(issued_at=outgoing.issued_at - datetime.timedelta(days=days))
    monkeypatch.setattr(public_tags, "REPLIES_PER_PAGE", 2)

    client = client_for(citizen)
    page1, page2 = listed(client), listed(client, 2)
    assert page1.index("thứ ba") < page1.index("thứ hai") and "thứ nhất" not in page1
    assert "thứ nhất" in page2 and "thứ hai" not in page2
    assert "?page=2" in page1 and 'data-testid="citizen-reply"' in page1  # django-tables2's pager


def test_download_links_work_while_logged_in_without_the_code(issue, citizen, client_for):
    outgoing = issue(to_citizen(citizen.email))
    delivery = citizen_delivery(outgoing, citizen.email)
    main = outgoing.files.get(kind="main")
    client = client_for(citizen)
    url = reverse("public_reply_file", args=[delivery.pk, main.pk])
    assert url in listed(client)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == signed_bytes(outgoing)
    assert Download.objects.get().user == citizen
    assert client.get(reverse("public_reply", args=[delivery.pk])).status_code == 200


def test_an_unverified_address_gives_nothing(issue, client_for):
    citizen = factories.make_citizen("chua.xac.nhan@example.com", verified=False)
    outgoing = issue(to_citizen(citizen.email))
    delivery = citizen_delivery(outgoing, citizen.email)
    client = client_for(citizen)
    html = listed(client)
    assert outgoing.notation not in html and 'data-testid="citizen-replies-empty"' in html
    assert client.get(reverse("public_reply", args=[delivery.pk])).status_code == 404


def test_secret_documents_never_appear(issue, citizen, client_for):
    secret = issue(to_citizen(citizen.email), secrecy="mat", summary="V/v nội dung mật")
    html = listed(client_for(citizen))
    assert secret.notation not in html and "nội dung mật" not in html
    assert client_for(citizen).get(reverse("public_reply", args=[secret.deliveries.get().pk])).status_code == 404


def test_replies_to_another_citizen_are_not_listed(issue, citizen, client_for):
    other = factories.make_citizen("khac@example.com")
    theirs = issue(to_citizen(other.email), summary="V/v hồ sơ của người khác")
    delivery = citizen_delivery(theirs, other.email)
    client = client_for(citizen)
    assert "hồ sơ của người khác" not in listed(client)
    main = theirs.files.get(kind="main")
    assert client.get(reverse("public_reply_file", args=[delivery.pk, main.pk])).status_code == 404

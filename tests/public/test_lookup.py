"""/lookup/: a citizen opens their reply with the code from the e-mail, without an account; guessing is
limited per address and per code, wrong and forbidden codes look alike, every download is recorded."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core.codes import ALPHABET, LENGTH, lookup_code_display
from documents.models import Delivery
from public_site.models import Download
from tests.documents.conftest import to_agency, to_email
from tests.public.conftest import citizen_delivery, signed_bytes, to_citizen

pytestmark = pytest.mark.django_db
LOOKUP = "/lookup/"


def lookup(client, code, ip="203.0.113.10"):
    return client.post(LOOKUP, {"code": code}, REMOTE_ADDR=ip)


def comparable(response):
    """The page with what legitimately differs between two requests taken out: CSRF tokens and the typed code."""
    html = response.content.decode()
    html = re.sub(r"[A-Za-z0-9]{64}", "CSRF", html)
    return re.sub(r'(name="code"[^>]*?)value="[^"]*"', r"\1", html)


@pytest.fixture
def reply(issue):
    outgoing = issue(to_citizen("dan@example.com"), summary="V/v trả lời hồ sơ cấp phép xây dựng")
    return citizen_delivery(outgoing, "dan@example.com")


def test_each_citizen_reply_gets_its_own_code_that_is_easy_to_read_aloud(issue, other_agency):
    outgoing = issue(to_citizen("a@example.com"), to_citizen("b@example.com"), to_email("vanthu@congty.vn"),
                     to_agency(other_agency))
    codes = {d.email: d.lookup_code for d in outgoing.deliveries.all()}
    a, b = codes.pop("a@example.com"), codes.pop("b@example.com")
    assert a != b
    for code in (a, b):
        assert len(code) == LENGTH >= 10 and set(code) <= set(ALPHABET)
        assert not set(code) & set("0O1IL")
    assert set(codes.values()) == {None}  # an official address or an agency gets no lookup code
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", lookup_code_display(a))


def test_secret_document_gives_no_lookup_code(issue):
    outgoing = issue(to_citizen("dan@example.com"), secrecy="mat")
    delivery = citizen_delivery(outgoing, "dan@example.com")
    assert delivery.channel == Delivery.Channel.PAPER and delivery.lookup_code is None


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "  {spaced}  ", "{dashed}"])
def test_code_typed_in_any_case_with_or_without_dashes_opens_the_reply(client, reply, typed):
    code = reply.lookup_code
    text = typed.format(code=code, lower=lookup_code_display(code).lower(),
                        spaced=" ".join(code[i:i + 4] for i in range(0, 12, 4)), dashed=lookup_code_display(code))
    response = lookup(client, text)
    assert response.status_code == 302 and response.url == reverse("public_reply", args=[reply.pk])
    page = client.get(response.url)
    html = page.content.decode()
    outgoing = reply.outgoing
    assert page.status_code == 200
    for shown in (outgoing.agency.name, outgoing.notation, f"{timezone.localtime(outgoing.issued_at):%d/%m/%Y}",
                  "V/v trả lời hồ sơ cấp phép xây dựng", outgoing.signer.user.full_name,
                  lookup_code_display(code), reply.dossier):
        assert shown in html
    main = outgoing.files.get(kind="main")
    assert reverse("public_reply_file", args=[reply.pk, main.pk]) in html


def test_link_in_the_email_opens_the_reply_at_once(client, reply):
    response = client.get(LOOKUP, {"code": lookup_code_display(reply.lookup_code)})
    assert response.status_code == 302 and response.url == reverse("public_reply", args=[reply.pk])


def test_wrong_unknown_secret_and_not_public_codes_get_exactly_the_same_answer(client, issue, reply):
    secret = citizen_delivery(issue(to_citizen("mat@example.com"), secrecy="mat"), "mat@example.com")
    Delivery.objects.filter(pk=secret.pk).update(lookup_code="SECRET2345AB")
    official = issue(to_email("vanthu@congty.vn")).deliveries.get()
    Delivery.objects.filter(pk=official.pk).update(lookup_code="NOTPUB2345AB")
    wrong = ("A" if reply.lookup_code[0] != "A" else "B") + reply.lookup_code[1:]
    answers = [
        lookup(client, code, ip=f"198.51.100.{n}")
        for n, code in enumerate([wrong, "ZZZZ-ZZZZ-ZZZZ", "SECRET2345AB", "NOTPUB2345AB",
                                  reply.outgoing.verify_code, "ABC"])
    ]
    assert {a.status_code for a in answers} == {200}
    assert len({comparable(a) for a in answers}) == 1
    assert "Không tìm thấy văn bản với mã này" in answers[0].content.decode()
    assert not Download.objects.exists()


def test_downloads_are_recorded_and_counted_for_the_issuing_clerk(client, reply, clerk, client_for):
    lookup(client, reply.lookup_code, ip="203.0.113.77")
    main = reply.outgoing.files.get(kind="main")
    response = client.get(reverse("public_reply_file", args=[reply.pk, main.pk]), REMOTE_ADDR="203.0.113.77",
                          HTTP_USER_AGENT="Mozilla/5.0 (Thử nghiệm)")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == signed_bytes(reply.outgoing)
    client.get(reverse("public_reply_file", args=[reply.pk, main.pk]), REMOTE_ADDR="203.0.113.77")
    first = Download.objects.order_by("pk").first()
    assert Download.objects.filter(delivery=reply).count() == 2
    assert (first.ip, first.user_agent, first.user, first.file) == ("203.0.113.77", "Mozilla/5.0 (Thử nghiệm)",
                                                                    None, main)

    page = client_for(clerk).get(reverse("outgoing_detail", args=[reply.outgoing.pk])).content.decode()
    row = re.search(r'data-testid="citizen-lookup">(.*?)</div>', page, re.S).group(1)
    assert lookup_code_display(reply.lookup_code) in row
    assert re.search(r'data-testid="download-count">2<', row)


def test_attachments_download_too(client, issue):
    from tests.documents.conftest import pdf_upload

    outgoing = issue(to_citizen("dan@example.com"), attachments=[pdf_upload("phu-luc.pdf")])
    delivery = citizen_delivery(outgoing, "dan@example.com")
    lookup(client, delivery.lookup_code)
    attachment = outgoing.files.get(kind="attachment")
    response = client.get(reverse("public_reply_file", args=[delivery.pk, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == signed_bytes(outgoing, "attachment")
    assert Download.objects.get().file == attachment


def test_reply_and_downloads_need_the_code_in_this_session(reply):
    from django.test import Client

    stranger = Client()
    main = reply.outgoing.files.get(kind="main")
    assert stranger.get(reverse("public_reply", args=[reply.pk])).status_code == 404
    assert stranger.get(reverse("public_reply_file", args=[reply.pk, main.pk])).status_code == 404
    assert not Download.objects.exists()


def test_a_burst_of_guesses_from_one_address_is_blocked_with_429(client, reply):
    for n in range(10):
        assert lookup(client, f"WRNG{n}2345ABC"[:12], ip="203.0.113.5").status_code == 200
    blocked = lookup(client, reply.lookup_code, ip="203.0.113.5")
    assert blocked.status_code == 429
    assert "Bạn đã nhập sai mã tra cứu quá nhiều lần" in blocked.content.decode()
    # Another address is not affected, and the owner's code still works from there.
    assert lookup(client, reply.lookup_code, ip="203.0.113.6").status_code == 302


def test_opening_the_right_code_again_and_again_is_not_guessing(client, reply):
    for _ in range(15):
        assert lookup(client, reply.lookup_code, ip="203.0.113.9").status_code == 302


def test_one_code_guessed_from_many_addresses_is_blocked_with_429(client, reply):
    guess = "ABCD-EFGH-JKMN" if reply.lookup_code != "ABCDEFGHJKMN" else "NMKJ-HGFE-DCBA"
    for n in range(5):
        assert lookup(client, guess, ip=f"192.0.2.{n + 1}").status_code == 200
    blocked = lookup(client, guess.lower().replace("-", ""), ip="192.0.2.200")
    assert blocked.status_code == 429
    assert "Mã này đã bị nhập sai quá nhiều lần" in blocked.content.decode()
    assert lookup(client, reply.lookup_code, ip="192.0.2.200").status_code == 302


def test_a_reply_to_one_citizen_is_never_visible_to_another(issue, client_for, citizen):
    from tests import factories

    mine = citizen_delivery(issue(to_citizen(citizen.email)), citizen.email)
    other_user = factories.make_citizen("hang@example.com", full_name="Lê Thị Hằng")
    theirs = citizen_delivery(issue(to_citizen(other_user.email)), other_user.email)

    client = client_for(other_user)
    lookup(client, theirs.lookup_code)  # the other citizen unlocks their own reply in this session
    main = mine.outgoing.files.get(kind="main")
    assert client.get(reverse("public_reply", args=[mine.pk])).status_code == 404
    assert client.get(reverse("public_reply_file", args=[mine.pk, main.pk])).status_code == 404
    home = client.get("/me/").content.decode()
    assert theirs.outgoing.notation in home and mine.outgoing.notation not in home
    assert not Download.objects.filter(delivery=mine).exists()

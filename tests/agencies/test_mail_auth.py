"""DKIM keys per agency: creation, DNS records and their check against a DNS server the test runs, rotation
with two selectors, the admin page, and Django's mail signed by DkimEmailBackend."""

import dkim
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.services import invitation_send
from agencies import mail_auth
from agencies.models import DkimKey
from core.crypto import decrypt
from tests import factories
from tests.dns import publish

pytestmark = pytest.mark.django_db
K = DkimKey.State


def test_first_key_is_active_second_is_next_and_the_private_key_is_encrypted(agency):
    first = mail_auth.dkim_key_create(agency=agency)
    second = mail_auth.dkim_key_create(agency=agency)
    assert (first.state, second.state) == (K.ACTIVE, K.NEXT)
    assert first.domain == "moha.gov.vn" and first.selector != second.selector
    assert "PRIVATE KEY" not in first.private_key_encrypted
    assert decrypt(first.private_key_encrypted).startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert first.dns_name == f"{first.selector}._domainkey.moha.gov.vn"
    assert first.dns_value == f"v=DKIM1; k=rsa; p={first.public_key}" and len(first.public_key) > 360  # RSA 2048
    with pytest.raises(ValidationError, match="khóa kế tiếp"):
        mail_auth.dkim_key_create(agency=agency)


def test_dns_check_tells_published_and_matching_different_missing_and_dns_error(agency, test_dns):
    key = mail_auth.dkim_key_create(agency=agency)
    assert mail_auth.dkim_dns_check(key).status == "missing"
    assert "Chưa tìm thấy bản ghi TXT" in mail_auth.dkim_dns_check(key).message
    publish(test_dns, key)
    result = mail_auth.dkim_dns_check(key)
    assert result.ok and "đã được công bố và khớp" in result.message
    test_dns.txt[key.dns_name] = "v=DKIM1; k=rsa; p=" + mail_auth._key_pair()[1]
    assert mail_auth.dkim_dns_check(key).status == "different"
    test_dns.failing.add(key.dns_name)
    result = mail_auth.dkim_dns_check(key)
    assert result.status == "error" and "Lỗi khi hỏi DNS" in result.message
    assert key.dns_name in test_dns.asked


def test_rotation_switches_only_once_the_next_key_is_published(agency, test_dns):
    old = mail_auth.dkim_key_create(agency=agency)
    upcoming = mail_auth.dkim_key_create(agency=agency)
    with pytest.raises(ValidationError, match="Chưa chuyển khóa"):
        mail_auth.dkim_key_switch(agency=agency)
    publish(test_dns, upcoming)
    mail_auth.dkim_key_switch(agency=agency)
    old.refresh_from_db()
    upcoming.refresh_from_db()
    assert (old.state, upcoming.state) == (K.RETIRED, K.ACTIVE)
    assert mail_auth.DkimSigner("moha.gov.vn", agency).key == upcoming
    assert mail_auth.dkim_key_create(agency=agency).state == K.NEXT  # the next rotation can start


def test_only_an_agency_admin_manages_keys(agency, clerk, admin_member, client_for):
    with pytest.raises(PermissionDenied):
        mail_auth.dkim_key_create_by(admin=clerk)
    response = client_for(clerk).get(reverse("mail_trust"))
    assert response.status_code in (302, 403)
    assert not DkimKey.objects.exists()


def test_admin_page_shows_the_record_and_checks_it_on_dns(agency, admin_member, client_for, test_dns):
    client = client_for(admin_member)
    page = client.get(reverse("mail_trust"))
    assert "Cơ quan chưa có khóa DKIM." in page.content.decode()
    client.post(reverse("mail_trust"), {"action": "create"})
    key = DkimKey.objects.get(agency=agency)
    page = client.get(reverse("mail_trust")).content.decode()
    assert key.selector in page and f"{key.selector}._domainkey.moha.gov.vn" in page
    assert f"v=DKIM1; k=rsa; p={key.public_key}" in page
    checked = client.post(reverse("mail_trust"), {"action": "check", "key": key.pk}).content.decode()
    assert "Chưa tìm thấy bản ghi TXT" in checked
    publish(test_dns, key)
    checked = client.post(reverse("mail_trust"), {"action": "check", "key": key.pk}).content.decode()
    assert "đã được công bố và khớp với khóa của cổng" in checked
    other = factories.make_agency("Sở Nội vụ", domain="snv.gov.vn")
    foreign = mail_auth.dkim_key_create(agency=other)
    assert client.post(reverse("mail_trust"), {"action": "check", "key": foreign.pk}).status_code == 404


def test_django_mail_is_signed_for_its_from_domain_when_a_key_exists(settings, agency, admin_member, test_dns):
    settings.EMAIL_BACKEND = "agencies.mail_auth.DkimEmailBackend"
    settings.DKIM_INNER_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "Cổng trao đổi văn bản <no-reply@moha.gov.vn>"
    invitation_send(admin_member)
    assert b"DKIM-Signature" not in mail.outbox[-1].message().as_bytes()  # no key yet: sent unsigned
    key = mail_auth.dkim_key_create(agency=agency)
    publish(test_dns, key)
    invitation_send(admin_member)
    raw = mail.outbox[-1].message().as_bytes()
    assert raw.startswith(b"DKIM-Signature: ") and f"s={key.selector}".encode() in raw
    assert dkim.verify(raw, dnsfunc=mail_auth.dkim_dnsfunc)
    assert not dkim.verify(raw.replace(b"Subject: ", b"Subject: X"), dnsfunc=mail_auth.dkim_dnsfunc)
    settings.DKIM_SIGN = False
    invitation_send(admin_member)
    assert b"DKIM-Signature" not in mail.outbox[-1].message().as_bytes()


def test_admin_rotates_from_the_page_only_after_publishing(agency, admin_member, client_for, test_dns):
    client = client_for(admin_member)
    client.post(reverse("mail_trust"), {"action": "create"})
    client.post(reverse("mail_trust"), {"action": "create"})
    upcoming = DkimKey.objects.get(agency=agency, state=K.NEXT)
    page = client.post(reverse("mail_trust"), {"action": "switch"}, follow=True).content.decode()
    assert "Chưa chuyển khóa: Chưa tìm thấy bản ghi TXT" in page
    assert DkimKey.objects.get(pk=upcoming.pk).state == K.NEXT
    publish(test_dns, upcoming)
    page = client.post(reverse("mail_trust"), {"action": "switch"}, follow=True).content.decode()
    assert f"Đã chuyển sang khóa DKIM {upcoming.selector}." in page
    assert DkimKey.objects.get(pk=upcoming.pk).state == K.ACTIVE
    assert DkimKey.objects.filter(agency=agency, state=K.RETIRED).count() == 1

"""An agency admin invites staff; the invitation link sets a password once; one person may serve two agencies."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts import services
from accounts.models import Membership, User
from tests import factories

NEW_PASSWORD = "Cán-bộ-mới-2026!"


@pytest.fixture
def invite(client_for, admin_member, unit, django_capture_on_commit_callbacks):
    """POST the invitation form as the agency admin; the mail goes out when the transaction commits."""
    client = client_for(admin_member)

    def post(email="hoa.pham@moha.gov.vn", **fields):
        data = {
            "full_name": "Phạm Thị Hoa", "email": email, "unit": unit.pk, "roles": ["specialist"],
            "position": "Chuyên viên chính", "official_email": email, "is_public": "on", **fields,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/manage/staff/invite/", data)

    return post


def test_invited_person_gets_a_staff_post_and_an_invitation_mail_with_a_one_time_link(invite, agency, unit):
    response = invite()
    assert response.status_code == 302 and response.url == "/manage/staff/"
    membership = Membership.objects.get(user__email="hoa.pham@moha.gov.vn")
    assert membership.agency == agency and membership.unit == unit
    assert membership.roles == ["specialist"] and membership.position == "Chuyên viên chính"
    assert membership.user.kind == User.Kind.STAFF and not membership.user.has_usable_password()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hoa.pham@moha.gov.vn"]
    assert "Bộ Nội vụ" in message.subject
    assert "Phạm Thị Hoa" in message.body and "/accounts/invitation/" in message.body


def test_invitation_link_sets_the_password_verifies_the_address_and_logs_in(client, invite, link_in):
    invite()
    link = link_in(mail.outbox[0])
    client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "Phạm Thị Hoa" in page.content.decode()

    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    user = User.objects.get(email="hoa.pham@moha.gov.vn")
    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert response.wsgi_request.user == user
    assert user.check_password(NEW_PASSWORD)
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    response = client.post("/accounts/login/", {"login": user.email, "password": NEW_PASSWORD}, follow=True)
    assert response.wsgi_request.user == user  # the verified address passes allauth's mandatory check


def test_invitation_link_cannot_be_used_twice(client, invite, link_in):
    invite()
    link = link_in(mail.outbox[0])
    client.logout()
    client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.logout()

    assert client.get(link).status_code == 400
    response = client.post(link, {"new_password1": "Kẻ-gian-2026!", "new_password2": "Kẻ-gian-2026!"})
    assert response.status_code == 400
    assert not response.wsgi_request.user.is_authenticated
    assert User.objects.get(email="hoa.pham@moha.gov.vn").check_password(NEW_PASSWORD)


def test_invitation_link_with_a_forged_token_is_refused(client, invite, link_in):
    invite()
    link = link_in(mail.outbox[0])
    client.logout()
    forged = link.rstrip("/").rsplit("/", 1)[0] + "/abc-0123456789abcdef/"
    assert client.get(forged).status_code == 400


def test_invitation_link_does_not_work_for_a_citizen_account(client, citizen):
    link = services.invitation_link(citizen).split("127.0.0.1:8000", 1)[1]
    assert client.get(link).status_code == 404


def test_inviting_a_staff_member_of_another_agency_gives_them_a_second_post_and_tells_them(
    invite, agency, other_agency
):
    elsewhere = factories.make_member(other_agency, "leader", position="Chủ tịch")
    response = invite(email=elsewhere.user.email.upper(), official_email="")
    assert response.status_code == 302
    posts = Membership.objects.filter(user=elsewhere.user)
    assert {m.agency for m in posts} == {agency, other_agency}
    assert User.objects.filter(email__iexact=elsewhere.user.email).count() == 1
    # They already have a password: no invitation link, a notice of the new post instead.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [elsewhere.user.email]
    assert "Bộ Nội vụ" in mail.outbox[0].subject and "/accounts/invitation/" not in mail.outbox[0].body


def test_a_citizen_account_cannot_be_invited_as_staff(invite, citizen):
    response = invite(email=citizen.email, official_email="")
    assert response.status_code == 200
    assert "tài khoản công dân" in response.content.decode()
    assert not Membership.objects.filter(user=citizen).exists()


def test_agency_switcher_changes_the_current_post_and_refuses_a_post_that_is_not_yours(
    client_for, agency, other_agency
):
    first = factories.make_member(agency, "specialist")
    second = factories.make_member(other_agency, "clerk", user=first.user)
    stranger = factories.make_member(other_agency, "leader")
    client = client_for(first)
    assert client.get("/dashboard/").wsgi_request.membership == first

    response = client.post("/membership/switch/", {"membership": second.pk})
    assert response.status_code == 302 and response.url == "/dashboard/"
    dashboard = client.get("/dashboard/")
    assert dashboard.wsgi_request.membership == second
    assert "Ủy ban nhân dân tỉnh Quảng Ngãi" in dashboard.content.decode()

    assert client.post("/membership/switch/", {"membership": stranger.pk}).status_code == 403
    assert client.post("/membership/switch/", {"membership": "không-phải-số"}).status_code == 403
    assert client.get("/dashboard/").wsgi_request.membership == second


def test_agency_switcher_follows_only_a_local_next_address(client_for, agency, other_agency):
    first = factories.make_member(agency, "specialist")
    second = factories.make_member(other_agency, "clerk", user=first.user)
    client = client_for(first)
    response = client.post("/membership/switch/", {"membership": second.pk, "next": "/directory/"})
    assert response.url == "/directory/"
    response = client.post("/membership/switch/", {"membership": first.pk, "next": "https://evil.example/"})
    assert response.url == "/dashboard/"

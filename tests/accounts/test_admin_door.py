"""/admin/ is entered only through the portal's login: its guessing limits and its two-factor step."""

import pytest

from tests import factories
from tests.conftest import login

pytestmark = pytest.mark.django_db
ROOT_PASSWORD = "Quản-trị-2026!"


@pytest.fixture
def root():
    user = factories.make_user("root@portal.gov.vn", full_name="Quản trị cổng", password=ROOT_PASSWORD)
    user.is_staff = user.is_superuser = True
    user.save()
    user.totp_secret = factories.totp_enable(user)
    return user


@pytest.fixture
def root_secret(root):
    return root.totp_secret


def test_posting_the_right_password_to_admin_login_does_not_log_in(client, root):
    response = client.post("/admin/login/?next=/admin/", {"username": root.email, "password": ROOT_PASSWORD,
                                                          "next": "/admin/"})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    response = client.get("/admin/")
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_the_admin_login_page_sends_visitors_to_the_portal_login(client, db):
    response = client.get("/admin/login/?next=/admin/agencies/agency/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/admin/agencies/agency/"
    # An address outside the admin is not followed.
    assert client.get("/admin/login/?next=https://evil.example/").url == "/accounts/login/?next=/admin/"


def test_guessing_the_admin_password_hits_the_portal_rate_limit(client, root):
    for _ in range(5):
        client.post("/admin/login/", {"username": root.email, "password": "đoán-sai"})
        response = client.post("/accounts/login/", {"login": root.email, "password": "đoán-sai"})
        assert response.status_code == 200
    client.post("/admin/login/", {"username": root.email, "password": ROOT_PASSWORD})
    assert "_auth_user_id" not in client.session
    # Even the right password is refused now: the limit is the portal login's, which /admin/ shares.
    response = client.post("/accounts/login/", {"login": root.email, "password": ROOT_PASSWORD})
    assert response.status_code in (200, 429)
    assert "too_many_login_attempts" in {e.code for e in response.context["form"].non_field_errors().as_data()}
    assert "_auth_user_id" not in client.session


def test_the_password_alone_does_not_open_the_admin_the_code_does(client, root, root_secret):
    response = client.post("/accounts/login/?next=/admin/", {"login": root.email, "password": ROOT_PASSWORD})
    assert response.status_code == 302 and response.url.startswith("/accounts/2fa/authenticate/")
    assert client.get("/admin/").status_code == 302
    response = client.post("/accounts/2fa/authenticate/", {"code": factories.totp_code(root_secret)})
    assert client.get("/admin/").status_code == 200


def test_a_session_without_a_recent_code_is_asked_for_one_before_the_admin(client, root, root_secret):
    login(client, root, passed_totp=False)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/reauthenticate/?next=%2Fadmin%2F"
    response = client.post("/accounts/2fa/reauthenticate/?next=%2Fadmin%2F",
                           {"code": factories.totp_code(root_secret)})
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_technical_admin_without_totp_is_sent_to_set_it_up(client, db):
    user = factories.make_user("root2@portal.gov.vn")
    user.is_staff = user.is_superuser = True
    user.save()
    login(client, user)
    assert client.get("/admin/").url.startswith("/admin/login/")
    assert client.get("/admin/login/").url == "/accounts/2fa/totp/activate/?next=%2Fadmin%2F"  # and back after


def test_agency_staff_are_refused_at_the_admin_door(client_for, admin_member):
    client = client_for(admin_member)
    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/").status_code == 302

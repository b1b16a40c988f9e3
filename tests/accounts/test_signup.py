"""Sign-up is for citizens and businesses only, and the address must be confirmed first."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import Membership, User

PASSWORD = "Công-dân-2026!"


def signup(client, email, **extra):
    return client.post("/accounts/signup/", {
        "email": email, "password1": PASSWORD, "password2": PASSWORD, "full_name": "Lê Văn Công", **extra,
    })


@pytest.mark.parametrize("email", ["cong.le@example.com", "cong.le@moha.gov.vn"])
def test_sign_up_always_creates_a_citizen_without_any_post_even_with_a_gov_vn_address(client, db, email):
    response = signup(client, email, organization="Công ty TNHH Minh Long")
    assert response.status_code == 302
    user = User.objects.get(email=email)
    assert user.kind == User.Kind.CITIZEN
    assert user.full_name == "Lê Văn Công" and user.organization == "Công ty TNHH Minh Long"
    assert not Membership.objects.filter(user=user).exists()


def test_signed_up_citizen_must_confirm_the_address_before_logging_in(client, db, link_in):
    email = "cong.le@example.com"
    signup(client, email)
    assert not EmailAddress.objects.get(email=email).verified
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [email]
    assert not client.get("/me/").wsgi_request.user.is_authenticated

    client.logout()
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/confirm-email/"
    assert not response.wsgi_request.user.is_authenticated
    assert client.get("/me/").status_code == 302

    confirm_url = link_in(mail.outbox[0])
    assert confirm_url.startswith("/accounts/confirm-email/")
    assert client.get(confirm_url).status_code == 200  # shows the address and a button, confirms on POST
    client.post(confirm_url)
    assert EmailAddress.objects.get(email=email).verified

    client.logout()
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD}, follow=True)
    assert response.wsgi_request.user.email == email
    assert response.redirect_chain[-1][0] == "/me/"
    assert client.get("/dashboard/").status_code == 403

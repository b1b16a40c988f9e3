"""Two-factor authentication (TOTP): asked at login once set up, required of leaders and clerks."""

import base64
import hashlib
import hmac
import struct
import time

import pytest
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.access import mfa_required
from accounts.middleware import CurrentMembershipMiddleware
from tests import factories
from tests.factories import PASSWORD


def totp_code(secret):
    """RFC 6238 code as an authenticator app computes it (30 s steps, 6 digits, HMAC-SHA1)."""
    while time.time() % 30 > 28:  # let the step turn now rather than between typing and checking
        time.sleep(0.05)
    counter = int(time.time() // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


@pytest.fixture
def leader_secret(leader):
    secret = generate_totp_secret()
    TOTP.activate(leader.user, secret)
    return secret


def test_leader_with_totp_must_enter_a_valid_code_after_the_password(client, leader, leader_secret):
    response = client.post("/accounts/login/", {"login": leader.user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/accounts/2fa/authenticate/"
    assert client.get("/dashboard/").status_code == 302  # the password alone does not log in

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(leader_secret)}, follow=True)
    assert response.wsgi_request.user == leader.user
    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_wrong_totp_code_is_refused(client, leader, leader_secret):
    client.post("/accounts/login/", {"login": leader.user.email, "password": PASSWORD})
    wrong = f"{(int(totp_code(leader_secret)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    assert response.context["form"].errors["code"]
    assert client.get("/dashboard/").status_code == 302


def test_a_totp_code_cannot_be_replayed(client, leader, leader_secret):
    code = totp_code(leader_secret)
    client.post("/accounts/login/", {"login": leader.user.email, "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": code})
    client.logout()
    client.post("/accounts/login/", {"login": leader.user.email, "password": PASSWORD})
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert not response.wsgi_request.user.is_authenticated


def test_staff_without_totp_log_in_with_the_password_alone(client, specialist):
    response = client.post("/accounts/login/", {"login": specialist.user.email, "password": PASSWORD}, follow=True)
    assert response.wsgi_request.user == specialist.user


@mfa_required
def sign_something(request):
    return HttpResponse("signed")


def call_guarded(membership):
    """The guarded view, called in a session that has just passed TOTP (as allauth records it)."""
    request = RequestFactory().post("/sign/")
    request.user = membership.user
    request.membership = membership
    request.session = SessionStore()
    record_authentication(request, membership.user, "mfa", type="totp")
    request._messages = FallbackStorage(request)
    return sign_something(request)


@pytest.mark.parametrize("role", ["leader", "clerk"])
def test_leader_or_clerk_without_totp_is_sent_to_activate_it(role, agency):
    membership = factories.make_member(agency, role)
    response = call_guarded(membership)
    assert response.status_code == 302
    assert response.url == "/accounts/2fa/totp/activate/"


@pytest.mark.parametrize("role", ["leader", "clerk"])
def test_leader_or_clerk_with_totp_gets_through(role, agency):
    membership = factories.make_member(agency, role)
    TOTP.activate(membership.user, generate_totp_secret())
    response = call_guarded(membership)
    assert response.status_code == 200 and response.content == b"signed"


def test_specialist_is_not_required_to_use_totp(specialist):
    assert call_guarded(specialist).content == b"signed"


def test_staff_pages_warn_a_leader_without_totp(client_for, leader, specialist):
    assert 'data-testid="mfa-banner"' in client_for(leader).get("/dashboard/").content.decode()
    TOTP.activate(leader.user, generate_totp_secret())
    assert 'data-testid="mfa-banner"' not in client_for(leader).get("/dashboard/").content.decode()
    assert 'data-testid="mfa-banner"' not in client_for(specialist).get("/dashboard/").content.decode()


def test_person_without_a_post_is_not_asked_for_totp(citizen):
    request = RequestFactory().post("/sign/")
    request.user, request.session = citizen, SessionStore()
    request._messages = FallbackStorage(request)
    response = CurrentMembershipMiddleware(sign_something)(request)  # request.membership: a lazy None
    assert response.content == b"signed"

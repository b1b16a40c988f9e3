"""The agency admin's page of API tokens: a key is shown once and kept only as its hash, revoking stops it at
once, and nobody else issues or revokes the agency's tokens."""

import re

import pytest

from api.models import ApiToken
from api.services import key_sha256
from tests import factories
from tests.conftest import login

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db


def test_the_admin_issues_a_key_that_is_shown_once_and_kept_only_as_its_hash(client, admin_member, clerk):
    login(client, admin_member.user)
    page = client.post("/api/tokens/", {"name": "Phần mềm một cửa", "member": clerk.pk, "scope": "read"})
    assert page.status_code == 200
    key = re.search(r'value="(vbapi_[^"]+)"', page.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert (token.agency, token.member, token.scope, token.created_by) == (
        admin_member.agency, clerk, "read", admin_member.user)
    assert token.key_sha256 == key_sha256(key) and key not in str(ApiToken.objects.values().get())
    assert client.get("/api/v1/directory/", **bearer(key)).status_code == 200
    again = client.get("/api/tokens/").content.decode()
    assert key not in again and token.key_prefix in again


def test_issuing_a_key_asks_for_a_two_factor_session(client, admin_member, clerk):
    login(client, admin_member.user, passed_totp=False)
    response = client.post("/api/tokens/", {"name": "Phần mềm một cửa", "member": clerk.pk, "scope": "write"})
    assert response.status_code == 302
    assert not ApiToken.objects.exists()


def test_a_key_acts_only_as_someone_of_the_admins_own_agency(client, admin_member, other_agency):
    stranger = factories.make_member(other_agency, "clerk")
    login(client, admin_member.user)
    response = client.post("/api/tokens/", {"name": "Lạ", "member": stranger.pk, "scope": "write"})
    assert response.status_code == 200 and not ApiToken.objects.exists()


def test_revoking_stops_the_key_at_once_and_the_page_says_who_did_it(client, admin_member, clerk):
    token, key = issue(admin_member, clerk)
    login(client, admin_member.user)
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == admin_member.user and token.revoked_at is not None
    assert client.get("/api/v1/directory/", **bearer(key)).status_code == 401
    assert "Đã thu hồi" in client.get("/api/tokens/").content.decode()


def test_only_the_agencys_own_admin_sees_issues_or_revokes_its_tokens(client, admin_member, clerk, other_agency):
    token, key = issue(admin_member, clerk)
    login(client, clerk.user)
    assert client.get("/api/tokens/").status_code == 403
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 403
    other_admin = factories.make_member(other_agency, "admin")
    factories.totp_enable(other_admin.user)
    login(client, other_admin.user)
    assert token.name not in client.get("/api/tokens/").content.decode()
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.is_active
    assert client.get("/api/v1/directory/", **bearer(key)).status_code == 200

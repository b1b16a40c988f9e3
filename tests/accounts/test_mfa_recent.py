"""Two-factor as "passed in this session, recently": approving, issuing and changing roles ask for a TOTP code
when the session has none from the last MFA_RECENT_MINUTES; links from e-mails never make such a session."""


import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY

from accounts.services import invitation_link
from documents.models import Outgoing
from documents.services import outgoing as outgoing_services
from tests import factories
from tests.conftest import login
from tests.documents.conftest import make_draft, to_agency

REAUTH = "/accounts/2fa/reauthenticate/"
NEW_PASSWORD = "Mật-khẩu-mới-2026!"


@pytest.fixture
def leader_secret(leader):
    return factories.totp_enable(leader.user)


@pytest.fixture
def submitted(specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    factories.signing_ready(leader)
    return outgoing_services.outgoing_submit(membership=specialist, outgoing=outgoing)


def approve(client, outgoing):
    return client.post(f"/outgoing/{outgoing.pk}/action/approve/", {"comment": "Đồng ý", "pin": factories.SIGNING_PIN})


def status_of(outgoing):
    outgoing.refresh_from_db()
    return outgoing.status


def age_the_totp_step(client, minutes):
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {**record, "at": record["at"] - minutes * 60} for record in session[AUTHENTICATION_METHODS_SESSION_KEY]
    ]
    session.save()


def test_invitation_link_session_of_a_leader_with_totp_cannot_approve_until_a_code_is_entered(
        client, leader, leader_secret, submitted):
    link = invitation_link(leader.user).removeprefix("http://127.0.0.1:8000")
    client.get(link)
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and client.get("/dashboard/").status_code == 200  # logged in by the link

    response = approve(client, submitted)
    assert response.status_code == 302 and response.url.startswith(REAUTH)
    assert status_of(submitted) == Outgoing.Status.SUBMITTED

    wrong = f"{(int(factories.totp_code(leader_secret)) + 1) % 1_000_000:06d}"
    assert client.post(response.url, {"code": wrong}).status_code == 200
    assert status_of(submitted) == Outgoing.Status.SUBMITTED

    # The right code lets the suspended request go on, but without the signing PIN: the PIN is never kept in
    # the session, so the leader types it again and signs.
    assert factories.SIGNING_PIN not in str(dict(client.session))
    client.post(response.url, {"code": factories.totp_code(leader_secret)})
    assert status_of(submitted) == Outgoing.Status.SUBMITTED
    approve(client, submitted)
    assert status_of(submitted) == Outgoing.Status.APPROVED


def test_a_stale_totp_step_is_asked_again(client, settings, leader, leader_secret, submitted):
    settings.MFA_RECENT_MINUTES = 30
    login(client, leader.user)
    age_the_totp_step(client, 31)
    response = approve(client, submitted)
    assert response.status_code == 302 and response.url.startswith(REAUTH)
    assert status_of(submitted) == Outgoing.Status.SUBMITTED


def test_a_recent_totp_step_within_the_setting_is_enough(client, settings, leader, leader_secret, submitted):
    settings.MFA_RECENT_MINUTES = 30
    login(client, leader.user)
    age_the_totp_step(client, 29)
    assert approve(client, submitted).url == f"/outgoing/{submitted.pk}/"
    assert status_of(submitted) == Outgoing.Status.APPROVED


def test_a_session_that_passed_totp_at_login_approves(client, leader, leader_secret, submitted):
    client.post("/accounts/login/", {"login": leader.user.email, "password": factories.PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": factories.totp_code(leader_secret)})
    response = approve(client, submitted)
    assert response.status_code == 302 and response.url == f"/outgoing/{submitted.pk}/"
    assert status_of(submitted) == Outgoing.Status.APPROVED


def test_a_password_only_session_of_a_leader_with_totp_is_asked_for_the_code(client, leader, leader_secret,
                                                                            submitted):
    login(client, leader.user, passed_totp=False)
    assert approve(client, submitted).url.startswith(REAUTH)
    assert status_of(submitted) == Outgoing.Status.SUBMITTED


def edit_roles(client, membership, roles):
    return client.post(f"/manage/staff/{membership.pk}/", {
        "unit": membership.unit_id or "", "roles": roles, "position": membership.position,
        "official_email": membership.official_email, "is_active": "on",
    })


def test_changing_roles_needs_a_recent_totp_step(client, admin_member, specialist):
    login(client, admin_member.user, passed_totp=False)
    response = edit_roles(client, specialist, ["specialist", "leader"])
    assert response.status_code == 302 and response.url.startswith(REAUTH)
    specialist.refresh_from_db()
    assert not specialist.is_leader
    # The code entered, the change the admin asked for goes through.
    client.post(response.url, {"code": factories.totp_code(admin_member.user.totp_secret)})
    specialist.refresh_from_db()
    assert specialist.is_leader


def test_an_admin_without_totp_is_sent_to_set_it_up_before_changing_roles(client_for, agency, unit, specialist):
    admin = factories.make_member(agency, "admin", unit=unit)
    response = edit_roles(client_for(admin), specialist, ["specialist", "leader"])
    assert response.status_code == 302 and response.url == "/accounts/2fa/totp/activate/"
    specialist.refresh_from_db()
    assert not specialist.is_leader


@pytest.mark.parametrize("roles", [["admin", "leader"], ["admin", "clerk"], ["specialist"]])
def test_an_admin_cannot_change_their_own_roles(client_for, admin_member, roles):
    response = edit_roles(client_for(admin_member), admin_member, roles)
    assert response.status_code == 200
    assert response.context["form"].errors["roles"]
    admin_member.refresh_from_db()
    assert admin_member.roles == ["admin"]


def test_an_admin_still_edits_their_own_position_and_another_admin_changes_their_roles(
        client_for, client, admin_member, agency, unit):
    response = client_for(admin_member).post(f"/manage/staff/{admin_member.pk}/", {
        "unit": unit.pk, "roles": ["admin"], "position": "Quản trị hệ thống", "official_email": "",
        "is_active": "on",
    })
    assert response.status_code == 302
    other_admin = factories.make_member(agency, "admin", unit=unit)
    factories.totp_enable(other_admin.user)
    client.logout()
    admin_member.refresh_from_db()
    assert edit_roles(login(client, other_admin.user), admin_member, ["admin", "clerk"]).status_code == 302
    admin_member.refresh_from_db()
    assert admin_member.position == "Quản trị hệ thống" and admin_member.roles == ["clerk", "admin"]

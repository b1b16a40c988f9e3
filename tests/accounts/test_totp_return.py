"""After setting up two-factor, a person goes back to the page that asked for it, not to the recovery codes."""

import pytest

from documents.services import outgoing as outgoing_services
from tests import factories
from tests.conftest import login
from tests.documents.conftest import make_draft, to_agency

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture
def submitted(specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader, to_agency(other_agency))
    factories.signing_ready(leader)
    return outgoing_services.outgoing_submit(membership=specialist, outgoing=outgoing)


def activate(client, url):
    """Open the set-up page at `url` (allauth first asks for the password again, as it does for anyone),
    enter the code of its secret; returns the final redirect."""
    page = client.get(url)
    if page.status_code == 302 and page.url.startswith("/accounts/reauthenticate/"):
        back = client.post(page.url, {"password": factories.PASSWORD})
        assert back.status_code == 302 and back.url == url, back
        page = client.get(back.url)
    assert page.status_code == 200
    secret = page.context["form"].secret
    return client.post(ACTIVATE, {"code": factories.totp_code(secret)})


def test_approving_without_totp_sets_it_up_then_returns_to_the_document(client, leader, submitted):
    login(client, leader.user)
    detail = f"/outgoing/{submitted.pk}/"
    asked = client.post(f"/outgoing/{submitted.pk}/action/approve/", HTTP_REFERER=f"http://testserver{detail}")
    assert asked.status_code == 302 and asked.url == f"{ACTIVATE}?next=%2Foutgoing%2F{submitted.pk}%2F"
    done = activate(client, asked.url)
    assert done.status_code == 302 and done.url == detail
    assert "Mã khôi phục dự phòng" in client.get(detail).content.decode()
    leader.user.refresh_from_db()
    # Now the approval goes through.
    client.post(f"/outgoing/{submitted.pk}/action/approve/", {"pin": factories.SIGNING_PIN})
    submitted.refresh_from_db()
    assert submitted.status == "approved"


def test_the_banner_link_returns_to_the_page_it_was_on(client, leader):
    login(client, leader.user)
    html = client.get("/outgoing/").content.decode()
    assert f'href="{ACTIVATE}?next=/outgoing/"' in html
    assert activate(client, f"{ACTIVATE}?next=/outgoing/").url == "/outgoing/"


@pytest.mark.parametrize("target", ["https://evil.example/steal", "//evil.example/", ""])
def test_a_foreign_or_missing_return_address_leads_to_the_recovery_codes_as_before(client, leader, target):
    login(client, leader.user)
    done = activate(client, f"{ACTIVATE}?next={target}" if target else ACTIVATE)
    assert done.status_code == 302 and done.url == "/accounts/2fa/recovery-codes/"


def test_a_post_from_another_site_is_not_a_return_address(client, leader, submitted):
    login(client, leader.user)
    asked = client.post(f"/outgoing/{submitted.pk}/action/approve/", HTTP_REFERER="https://evil.example/x")
    assert asked.status_code == 302 and asked.url == ACTIVATE

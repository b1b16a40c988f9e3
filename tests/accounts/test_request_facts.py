"""Facts about the person that every staff page needs (the memberships, whether TOTP is set up) are read once per
request, however many parts of the page ask: the guard, the menu, the two-factor banner, each card of the desk."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories


def _reads(queries, table):
    return [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"]]


@pytest.mark.parametrize("role", ["clerk", "leader", "specialist"])
def test_the_desk_reads_the_user_the_memberships_and_totp_once(request, client_for, role):
    member = request.getfixturevalue(role)
    client = client_for(member)
    client.get("/dashboard/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/dashboard/")
    assert response.status_code == 200
    assert len(_reads(ctx.captured_queries, "accounts_user")) == 1
    assert len(_reads(ctx.captured_queries, "accounts_membership")) == 1
    assert len(_reads(ctx.captured_queries, "mfa_authenticator")) <= 1


def test_the_totp_banner_follows_the_one_answer(client_for, clerk):
    client = client_for(clerk)
    assert client.get("/dashboard/").context["needs_mfa"] is True
    factories.totp_enable(clerk.user)
    assert client.get("/dashboard/").context["needs_mfa"] is False


def test_a_person_with_two_posts_still_gets_the_agency_switcher(client_for, clerk, other_agency):
    factories.make_member(other_agency, "specialist", user=clerk.user)
    response = client_for(clerk).get("/dashboard/")
    page = response.content.decode()
    assert {m.agency for m in response.context["memberships"]} == {clerk.agency, other_agency}
    assert 'action="/membership/switch/"' in page
    assert clerk.agency.name in page and other_agency.name in page

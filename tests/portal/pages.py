"""The main pages of the portal, by who opens them: shared by the production and security-header tests."""

from allauth.mfa.models import Authenticator

from tests import factories
from tests.conftest import login

ANONYMOUS_PAGES = ["/", "/accounts/login/", "/directory/", "/verify/", "/lookup/"]
PAGES_BY_ROLE = {
    "leader": ["/dashboard/", "/incoming/", "/reports/usage/"],
    "clerk": ["/dashboard/", "/outgoing/", "/incoming/", "/incoming/mailbox/", "/registers/outgoing/",
              "/registers/incoming/", "/reports/traffic/", "/reports/incidents/"],
    "specialist": ["/dashboard/", "/outgoing/", "/outgoing/new/", "/incoming/"],
    "admin": ["/dashboard/", "/manage/staff/", "/manage/units/", "/reports/traffic/"],
}


def main_pages(client, members, citizen):
    """Yield (who, path, response) for every main page, each person logged in with TOTP passed."""
    for path in ANONYMOUS_PAGES:
        yield "anonymous", path, client.get(path, follow=True)
    for role, paths in PAGES_BY_ROLE.items():
        if not Authenticator.objects.filter(user=members[role].user, type=Authenticator.Type.TOTP).exists():
            factories.totp_enable(members[role].user)
        login(client, members[role].user)
        for path in paths:
            yield role, path, client.get(path, follow=True)
        client.logout()
    login(client, citizen)
    yield "citizen", "/me/", client.get("/me/", follow=True)
    client.logout()

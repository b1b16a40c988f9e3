"""The sidebar offers exactly the pages each role opens: both read the one table of roles per page."""

import pytest
from django.urls import reverse

from documents.navigation import PAGE_ROLES
from reports.selectors import PAGE_ROLES as REPORT_PAGE_ROLES
from tests import factories

pytestmark = pytest.mark.django_db
PAGES = [*PAGE_ROLES, *REPORT_PAGE_ROLES]


@pytest.mark.parametrize("roles", [("specialist",), ("clerk",), ("leader",), ("admin",), ("clerk", "leader")])
def test_the_sidebar_links_exactly_the_pages_the_person_may_open(client_for, agency, unit, roles):
    client = client_for(factories.make_member(agency, *roles, unit=unit))
    sidebar = client.get(reverse("dashboard")).content.decode().split('id="sidebar"', 1)[1].split("</nav>", 1)[0]
    for name in PAGES:
        url = reverse(name)
        opens = client.get(url).status_code == 200
        assert (f'href="{url}"' in sidebar) == opens, (roles, name, opens)

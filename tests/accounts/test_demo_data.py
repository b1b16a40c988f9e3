"""`seed_demo` loads the demo agencies, their staff (one per role) and a citizen, and can be run again."""

import pytest
from django.core.management import call_command

from accounts.models import Membership, Role, User
from agencies.models import Agency, RecipientGroup, Unit
from devtools import demo

REQUIRED_AGENCIES = [
    "Văn phòng Chính phủ", "Bộ Nội vụ", "Bộ Thông tin và Truyền thông", "Ủy ban nhân dân tỉnh Kon Tum",
    "Sở Thông tin và Truyền thông tỉnh Kon Tum", "Ủy ban nhân dân tỉnh Quảng Ngãi",
]


def counts():
    return [model.objects.count() for model in (Agency, Unit, User, Membership, RecipientGroup)]


@pytest.fixture
def seeded(db):
    call_command("seed_demo", verbosity=0)


def test_seed_demo_run_twice_changes_nothing_the_second_time(seeded):
    before = counts()
    call_command("seed_demo", verbosity=0)
    assert counts() == before


def test_demo_has_the_required_agencies_each_with_units_and_one_user_per_role(seeded):
    for name in REQUIRED_AGENCIES:
        agency = Agency.objects.get(name=name)
        assert agency.units.exists(), name
        posts = Membership.objects.active().filter(agency=agency)
        for role in Role:
            assert posts.filter(**{Membership.ROLE_FIELDS[role]: True}).count() == 1, (name, role)
    kon_tum_department = Agency.objects.get(name="Sở Thông tin và Truyền thông tỉnh Kon Tum")
    assert kon_tum_department.parent.name == "Ủy ban nhân dân tỉnh Kon Tum"
    assert User.objects.filter(kind=User.Kind.CITIZEN, memberships__isnull=True, email=demo.CITIZEN[0]).exists()


def demo_logins():
    staff = [
        (f"{prefix}@{domain}", "/dashboard/")
        for _code, _name, _short, _parent, domain, uses_portal, _units in demo.AGENCIES if uses_portal
        for prefix, *_rest in demo.STAFF
    ]
    return [*staff, (demo.CITIZEN[0], "/me/")]


def test_every_demo_login_logs_in_with_the_demo_password(seeded, client):
    logins = demo_logins()
    assert len(logins) == 6 * 4 + 1
    for email, landing in logins:
        response = client.post("/accounts/login/", {"login": email, "password": demo.DEMO_PASSWORD}, follow=True)
        assert response.wsgi_request.user.email == email, email
        assert response.redirect_chain[-1][0] == landing, email
        client.logout()

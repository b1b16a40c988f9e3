"""Who may open which page: admins manage only their own agency; other staff, citizens and strangers are kept out."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import services
from accounts.models import Membership
from tests import factories

MANAGE_PAGES = ["/manage/staff/", "/manage/staff/invite/", "/manage/units/", "/manage/groups/", "/manage/agency/"]
STAFF_PAGES = [*MANAGE_PAGES, "/dashboard/"]


def test_agency_admin_opens_every_management_page(client_for, admin_member):
    client = client_for(admin_member)
    for url in STAFF_PAGES:
        assert client.get(url).status_code == 200, url


def test_agency_admin_cannot_add_staff_to_another_agency(admin_member, other_agency):
    with pytest.raises(PermissionDenied):
        services.staff_invite(
            admin=admin_member, agency=other_agency, email="x@quangngai.gov.vn", full_name="Người Lạ", is_specialist=True
        )
    assert not other_agency.memberships.exists()


def test_staff_member_who_is_not_admin_cannot_add_staff(leader, agency):
    with pytest.raises(PermissionDenied):
        services.staff_invite(admin=leader, agency=agency, email="x@moha.gov.vn", full_name="Người Lạ", is_specialist=True)


def test_service_refuses_a_unit_of_another_agency(admin_member, agency, other_agency):
    foreign_unit = factories.make_unit(other_agency, "Văn phòng UBND", "VP")
    with pytest.raises(ValidationError) as error:
        services.staff_invite(
            admin=admin_member, agency=agency, email="x@moha.gov.vn", full_name="Người Lạ",
            unit=foreign_unit, is_specialist=True,
        )
    assert "unit" in error.value.error_dict


def test_invite_form_with_a_unit_of_another_agency_is_refused_with_an_error(client_for, admin_member, other_agency):
    foreign_unit = factories.make_unit(other_agency, "Văn phòng UBND", "VP")
    response = client_for(admin_member).post("/manage/staff/invite/", {
        "full_name": "Người Lạ", "email": "x@moha.gov.vn", "unit": foreign_unit.pk, "roles": ["specialist"],
    })
    assert response.status_code == 200
    assert response.context["form"].errors["unit"]
    assert not Membership.objects.filter(user__email="x@moha.gov.vn").exists()


def test_agency_admin_cannot_open_or_edit_staff_of_another_agency(client_for, admin_member, other_agency):
    foreign = factories.make_member(other_agency, "leader", position="Chủ tịch")
    client = client_for(admin_member)
    assert client.get(f"/manage/staff/{foreign.pk}/").status_code == 404
    response = client.post(f"/manage/staff/{foreign.pk}/", {"roles": ["specialist"], "position": "Bị đổi"})
    assert response.status_code == 404
    assert client.post(f"/manage/staff/{foreign.pk}/resend/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.position == "Chủ tịch" and foreign.is_leader


def test_agency_admin_edits_staff_of_their_own_agency(client_for, admin_member, specialist, unit):
    response = client_for(admin_member).post(f"/manage/staff/{specialist.pk}/", {
        "unit": unit.pk, "roles": ["specialist", "clerk"], "position": "Văn thư kiêm chuyên viên",
        "official_email": "vanthu@moha.gov.vn", "is_active": "on",
    })
    assert response.status_code == 302
    specialist.refresh_from_db()
    assert specialist.is_clerk and specialist.official_email == "vanthu@moha.gov.vn"


def test_service_refuses_to_change_a_post_in_another_agency(admin_member, other_agency):
    foreign = factories.make_member(other_agency, "leader")
    with pytest.raises(PermissionDenied):
        services.staff_update(admin=admin_member, membership=foreign, is_leader=False, is_specialist=True)


@pytest.mark.parametrize("role", ["leader", "clerk", "specialist"])
def test_staff_member_who_is_not_admin_gets_403_on_management_pages(role, agency, unit, client_for):
    client = client_for(factories.make_member(agency, role, unit=unit))
    for url in MANAGE_PAGES:
        assert client.get(url).status_code == 403, url
    assert client.get("/dashboard/").status_code == 200


def test_citizen_reaches_no_staff_page(client_for, citizen):
    client = client_for(citizen)
    for url in STAFF_PAGES:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Không có quyền truy cập" in response.content.decode()
    assert client.post("/membership/switch/", {"membership": "1"}).status_code == 403
    assert client.get("/me/").status_code == 200


def test_staff_member_whose_post_ended_is_treated_as_having_none(client_for, admin_member):
    admin_member.is_active = False
    admin_member.save()
    client = client_for(admin_member)
    assert client.get("/dashboard/").status_code == 403
    assert client.get("/manage/staff/").status_code == 403


def test_anonymous_visitor_is_sent_to_login(client, db):
    for url in [*STAFF_PAGES, "/me/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/?next="), url

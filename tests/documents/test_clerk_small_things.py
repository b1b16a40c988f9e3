"""Small things that cost a clerk minutes: the register form knows the sending agency from its official domain,
and routing picks co-operating and for-information units and people from searchable lists of boxes."""

import itertools

import pytest
from django.core.files.base import ContentFile

from documents.models import Incoming
from tests import factories

pytestmark = pytest.mark.django_db
_uids = itertools.count(1)


@pytest.fixture
def kontum(db):
    return factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")


@pytest.fixture
def kontum_clerk(kontum):
    return factories.make_member(kontum, "clerk", unit=factories.make_unit(kontum, "Văn phòng", "VP"))


def mail_from(kontum, address):
    from intake.models import InboundMessage, Mailbox

    mailbox, _created = Mailbox.objects.get_or_create(agency=kontum, defaults={
        "host": "127.0.0.1", "port": 143, "security": Mailbox.Security.NONE, "username": "vt"})
    uid = next(_uids)
    message = InboundMessage(agency=kontum, mailbox=mailbox, uidvalidity=1, uid=uid, raw_sha256=f"{uid:064x}",
                             sender_name="Nguyễn Văn A", sender_email=address, subject="Về việc báo cáo")
    message.raw.save("m.eml", ContentFile(b"From: x\r\n\r\nbody"), save=False)
    message.save()
    return message


def register_form(client, message):
    response = client.get(f"/incoming/mailbox/{message.pk}/register/")
    assert response.status_code == 200
    return response.context["form"]


@pytest.mark.parametrize("address", ["nguyenvana@moha.gov.vn", "Chuyenvien@VP.Moha.gov.vn"])
def test_mail_from_an_agencys_official_domain_prefills_that_agency(client_for, kontum, kontum_clerk, agency, address):
    form = register_form(client_for(kontum_clerk), mail_from(kontum, address))
    assert form.initial["sender_agency"] == agency
    assert form.initial["sender_name"] == "Bộ Nội vụ"


@pytest.mark.parametrize("address", ["nguyenvana@gmail.com", "a@khac.gov.vn", "a@gov.vn", "moha.gov.vn@evil.com"])
def test_mail_from_elsewhere_prefills_no_agency(client_for, kontum, kontum_clerk, agency, address):
    form = register_form(client_for(kontum_clerk), mail_from(kontum, address))
    assert form.initial["sender_agency"] is None
    assert form.initial["sender_name"] == "Nguyễn Văn A"


def test_a_domain_two_agencies_share_prefills_neither(client_for, kontum, kontum_clerk, agency):
    factories.make_agency("Cục Văn thư và Lưu trữ nhà nước", official_email="vanthu@moha.gov.vn")
    form = register_form(client_for(kontum_clerk), mail_from(kontum, "a@moha.gov.vn"))
    assert form.initial["sender_agency"] is None


def test_routing_offers_lead_first_then_searchable_lists_of_boxes(client_for, kontum, kontum_clerk):
    leader = factories.make_member(kontum, "leader", position="Chủ tịch")
    helper = factories.make_member(kontum, "specialist", position="Chuyên viên")
    unit = kontum_clerk.unit
    incoming = Incoming.objects.create(agency=kontum, source="paper", doc_type="CV", sender_name="Bộ Nội vụ",
                                       summary="Về việc báo cáo", notation="1/BNV-VP",
                                       status=Incoming.Status.ACCEPTED, arrival_number=1)
    client = client_for(leader)
    html = client.get(f"/incoming/{incoming.pk}/").content.decode()
    route = html.split('id="route"', 1)[1]
    assert route.index('name="lead"') < route.index('name="cooperate"') < route.index('name="inform"')
    assert "<select multiple" not in route and 'select name="cooperate"' not in route
    assert f'type="checkbox" name="cooperate" value="u{unit.pk}"' in route
    assert f'type="checkbox" name="inform" value="m{helper.pk}"' in route
    assert 'data-portal-filter="#id_cooperate"' in route and 'data-portal-filter="#id_inform"' in route
    response = client.post(f"/incoming/{incoming.pk}/route/", {
        "lead": f"u{unit.pk}", "cooperate": [f"m{helper.pk}"], "inform": [f"m{kontum_clerk.pk}", f"u{unit.pk}"]})
    assert response.status_code == 302
    roles = {(a.role, a.unit_id, a.member_id) for a in incoming.assignments.filter(is_current=True)}
    assert roles == {("lead", unit.pk, None), ("cooperate", None, helper.pk),
                     ("inform", None, kontum_clerk.pk), ("inform", unit.pk, None)}

"""Every incoming page and action through the request, and every denial: anonymous → login, a person of another
agency → 404, a wrong role → 403. The services behind them are tested in test_incoming.py."""

import pytest
from django.urls import reverse

from documents.models import Incoming, Recipient
from documents.services import incoming as services
from documents.services import outgoing as outgoing_services
from tests import factories
from tests.documents.conftest import approved, pdf_upload, to_agency

pytestmark = pytest.mark.django_db
S = Incoming.Status


@pytest.fixture
def arrived(certified, specialist, leader, clerk, kontum, django_capture_on_commit_callbacks):
    """A công văn of Bộ Nội vụ that arrived in Kon Tum through the portal."""
    outgoing = approved(specialist, leader, to_agency(kontum, role=Recipient.Role.KINH_GUI))
    with django_capture_on_commit_callbacks(execute=True):
        outgoing_services.outgoing_issue(membership=clerk, outgoing=outgoing)
    return Incoming.objects.get(agency=kontum)


@pytest.fixture
def routed(arrived, kontum_staff):
    incoming = services.incoming_register(membership=kontum_staff["clerk"], incoming=arrived)
    return services.incoming_route(membership=kontum_staff["leader"], incoming=incoming, lead_member=kontum_staff["lead"])


def status_of(incoming):
    incoming.refresh_from_db()
    return incoming.status


def urls_of(incoming):
    file = incoming.files.first()
    pk = incoming.pk
    return [
        ("get", reverse("incoming_detail", args=[pk])),
        ("get", reverse("incoming_file", args=[pk, file.pk])),
        ("post", reverse("incoming_register", args=[pk])),
        ("post", reverse("incoming_route", args=[pk])),
        *[("post", reverse("incoming_action", args=[pk, action]))
          for action in ("refuse", "progress", "input", "complete")],
    ]


def rows(response):
    return [row.record for row in response.context["table"].page.object_list]


# --- Lists ---------------------------------------------------------------------------------------------------

def test_the_clerk_lists_and_filters_the_agencys_incoming_documents(client_for, arrived, kontum_staff):
    paper = services.incoming_from_paper(membership=kontum_staff["clerk"], scans=[pdf_upload("scan.pdf")],
                                         sender_name="Sở Nội vụ", notation="12/SNV-TCBC", summary="V/v tuyển dụng",
                                         doc_type="CV")
    client = client_for(kontum_staff["clerk"])
    assert {i.pk for i in rows(client.get("/incoming/"))} == {arrived.pk, paper.pk}
    assert [i.pk for i in rows(client.get("/incoming/", {"source": "paper"}))] == [paper.pk]
    assert [i.pk for i in rows(client.get("/incoming/", {"q": "tuyển dụng"}))] == [paper.pk]
    assert [i.pk for i in rows(client.get("/incoming/", {"status": S.ARRIVED}))] == [arrived.pk]


def test_a_specialist_lists_only_what_was_routed_to_them(client_for, routed, kontum_staff):
    assert [i.pk for i in rows(client_for(kontum_staff["lead"]).get("/incoming/"))] == [routed.pk]
    assert rows(client_for(kontum_staff["bystander"]).get("/incoming/")) == []


def test_another_agencys_list_never_shows_the_document(client_for, arrived, agency):
    outsider = factories.make_member(agency, "clerk", "leader")
    assert arrived.pk not in {i.pk for i in rows(client_for(outsider).get("/incoming/"))}


# --- Registering, routing, handling --------------------------------------------------------------------------

def test_the_clerk_registers_an_arrived_document(client_for, arrived, kontum_staff, agency):
    response = client_for(kontum_staff["clerk"]).post(f"/incoming/{arrived.pk}/register/", {
        "sender_agency": agency.pk, "sender_name": "Bộ Nội vụ", "notation": arrived.notation, "doc_type": "CV",
        "summary": arrived.summary, "secrecy": "", "urgency": ""})
    assert response.status_code == 302 and status_of(arrived) == S.ACCEPTED
    assert arrived.arrival_number == 1


def test_registering_is_the_clerks(client_for, arrived, kontum_staff):
    for who in ("leader", "lead"):
        assert client_for(kontum_staff[who]).post(f"/incoming/{arrived.pk}/register/", {
            "sender_name": "Bộ Nội vụ", "doc_type": "CV", "summary": "x"}).status_code == 403, who
    assert status_of(arrived) == S.ARRIVED


def test_the_leader_routes_a_registered_document(client_for, arrived, kontum_staff):
    incoming = services.incoming_register(membership=kontum_staff["clerk"], incoming=arrived)
    response = client_for(kontum_staff["leader"]).post(f"/incoming/{incoming.pk}/route/", {
        "lead": f"m{kontum_staff['lead'].pk}", "cooperate": [f"u{kontum_staff['office'].pk}"], "instructions": "Tham mưu trả lời",
        "due_date": ""})
    assert response.status_code == 302 and status_of(incoming) == S.ASSIGNED
    assert incoming.assignments.get(is_current=True, role="lead").member == kontum_staff["lead"]


def test_routing_without_a_lead_is_explained_on_the_page(client_for, arrived, kontum_staff):
    incoming = services.incoming_register(membership=kontum_staff["clerk"], incoming=arrived)
    response = client_for(kontum_staff["leader"]).post(f"/incoming/{incoming.pk}/route/", {"lead": ""})
    assert response.status_code == 200 and status_of(incoming) == S.ACCEPTED


def test_routing_is_the_leaders(client_for, arrived, kontum_staff):
    incoming = services.incoming_register(membership=kontum_staff["clerk"], incoming=arrived)
    response = client_for(kontum_staff["clerk"]).post(f"/incoming/{incoming.pk}/route/", {"lead": f"m{kontum_staff['lead'].pk}"})
    assert response.status_code == 403 and status_of(incoming) == S.ACCEPTED


def test_the_lead_reports_progress_and_completes(client_for, routed, kontum_staff):
    client = client_for(kontum_staff["lead"])
    assert client.post(f"/incoming/{routed.pk}/action/progress/", {"text": "Đang tổng hợp"}).status_code == 302
    assert status_of(routed) == S.IN_PROGRESS
    assert client.post(f"/incoming/{routed.pk}/action/complete/", {"text": "Đã trả lời"}).status_code == 302
    assert status_of(routed) == S.DONE


def test_someone_not_routed_cannot_complete_or_see_it(client_for, routed, kontum_staff):
    assert client_for(kontum_staff["bystander"]).post(f"/incoming/{routed.pk}/action/complete/",
                                               {"text": "x"}).status_code == 404
    assert status_of(routed) == S.ASSIGNED


def test_completing_needs_a_result(client_for, routed, kontum_staff):
    response = client_for(kontum_staff["lead"]).post(f"/incoming/{routed.pk}/action/complete/", {"text": ""}, follow=True)
    assert response.status_code == 200 and status_of(routed) == S.ASSIGNED


def test_the_clerk_refuses_a_misdirected_document_with_a_reason(client_for, arrived, kontum_staff):
    client = client_for(kontum_staff["clerk"])
    client.post(f"/incoming/{arrived.pk}/action/refuse/", {"reason": ""})
    assert status_of(arrived) == S.ARRIVED
    assert client.post(f"/incoming/{arrived.pk}/action/refuse/", {"reason": "Gửi nhầm cơ quan"}).status_code == 302
    assert status_of(arrived) == S.REFUSED


def test_a_specialist_cannot_refuse(client_for, routed, kontum_staff):
    response = client_for(kontum_staff["lead"]).post(f"/incoming/{routed.pk}/action/refuse/", {"reason": "không phải"},
                                              follow=True)
    assert "Đã từ chối nhận văn bản" not in response.content.decode() and status_of(routed) == S.ASSIGNED


def test_an_unknown_action_is_404_and_actions_answer_only_post(client_for, arrived, kontum_staff):
    client = client_for(kontum_staff["clerk"])
    assert client.post(f"/incoming/{arrived.pk}/action/archive/").status_code == 404
    assert client.get(f"/incoming/{arrived.pk}/action/refuse/").status_code == 405


def test_the_paper_form_registers_a_scan_for_the_clerk_only(client_for, kontum_staff):
    data = {"sender_name": "Sở Nội vụ", "notation": "12/SNV-TCBC", "summary": "V/v tuyển dụng", "doc_type": "CV",
            "secrecy": "", "urgency": ""}
    assert client_for(kontum_staff["leader"]).post("/incoming/paper/new/", {**data, "scans": pdf_upload()}).status_code == 403
    assert not Incoming.objects.exists()
    client = client_for(kontum_staff["clerk"])
    assert client.get("/incoming/paper/new/").status_code == 200
    response = client.post("/incoming/paper/new/", {**data, "scans": pdf_upload()})
    paper = Incoming.objects.get()
    assert response.status_code == 302 and paper.source == "paper" and paper.arrival_number == 1


def test_the_file_opens_for_those_who_see_the_document(client_for, routed, kontum_staff):
    file = routed.files.first()
    response = client_for(kontum_staff["lead"]).get(f"/incoming/{routed.pk}/files/{file.pk}/")
    assert response.status_code == 200
    assert client_for(kontum_staff["bystander"]).get(f"/incoming/{routed.pk}/files/{file.pk}/").status_code == 404


# --- Denials, page by page -----------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_log_in_from_every_page(client, arrived):
    for method, url in [("get", "/incoming/"), ("get", "/incoming/paper/new/"), *urls_of(arrived)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url
    assert status_of(arrived) == S.ARRIVED


def test_another_agency_gets_404_on_every_page_and_action(client_for, arrived, other_agency):
    outsider = factories.make_member(other_agency, "clerk", "leader", "specialist")
    client = client_for(outsider)
    for method, url in urls_of(arrived):
        assert getattr(client, method)(url, {"reason": "x", "text": "x"}).status_code == 404, url
    assert status_of(arrived) == S.ARRIVED


def test_a_citizen_and_an_agency_admin_get_403_on_every_page_and_action(client_for, arrived, citizen, kontum):
    admin = factories.make_member(kontum, "admin", position="Quản trị")
    for person in (citizen, admin):
        client = client_for(person)
        for method, url in [("get", "/incoming/"), ("get", "/incoming/paper/new/"), *urls_of(arrived)]:
            assert getattr(client, method)(url).status_code == 403, url
    assert status_of(arrived) == S.ARRIVED

"""The API shows and does what the pages show and do for the staff post a token acts as, never secret documents,
and refuses everything else: for every endpoint, no token, a revoked token, another agency's token and a read
token that writes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from api.models import ApiToken
from documents.models import Delivery, EdxmlStatus, Incoming, Outgoing, Recipient
from tests import factories

from .conftest import arrived, bearer, make_draft, pdf_bytes, to_agency

pytestmark = pytest.mark.django_db


def pdf_file(name="van-ban.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


@pytest.fixture
def docs(agency, specialist, leader, other_agency):
    """A draft and a secret draft of the agency, a draft of another agency, and an incoming document each."""
    other_unit = factories.make_unit(other_agency, "Phòng Tổng hợp", "TH")
    other_drafter = factories.make_member(other_agency, "specialist", unit=other_unit)
    other_leader = factories.make_member(other_agency, "leader", unit=other_unit, position="Chủ tịch")
    return {
        "draft": make_draft(specialist, leader, to_agency(other_agency), summary="V/v cải cách hành chính"),
        "secret": make_draft(specialist, leader, secrecy="mat", summary="V/v bảo vệ bí mật"),
        "foreign": make_draft(other_drafter, other_leader, summary="V/v của tỉnh bạn"),
        "incoming": arrived(agency, summary="V/v số liệu thống kê"),
        "secret_incoming": arrived(agency, summary="V/v tài liệu mật", secrecy="mat"),
        "foreign_incoming": arrived(other_agency, summary="V/v của tỉnh bạn đến"),
    }


def test_outgoing_list_and_detail_show_what_the_post_sees_and_never_secret_documents(client, keys, docs):
    listed = client.get("/api/v1/outgoing/", **bearer(keys["clerk"])).json()
    assert [row["id"] for row in listed["results"]] == [docs["draft"].pk]
    detail = client.get(f"/api/v1/outgoing/{docs['draft'].pk}/", **bearer(keys["clerk"])).json()
    assert detail["summary"] == "V/v cải cách hành chính"
    assert detail["recipients"][0]["agency_code"] == docs["draft"].recipients.get().agency.code
    assert detail["files"][0]["kind"] == "main"
    for pk in (docs["secret"].pk, docs["foreign"].pk):
        assert client.get(f"/api/v1/outgoing/{pk}/", **bearer(keys["clerk"])).status_code == 404
    other = client.get("/api/v1/outgoing/", **bearer(keys["other"])).json()["results"]
    assert [row["id"] for row in other] == [docs["foreign"].pk]


def test_outgoing_list_filters_as_the_page_does_and_refuses_an_unknown_status(client, keys, docs):
    found = client.get("/api/v1/outgoing/", {"q": "cải cách"}, **bearer(keys["clerk"])).json()
    assert [row["id"] for row in found["results"]] == [docs["draft"].pk]
    assert client.get("/api/v1/outgoing/", {"status": "issued"}, **bearer(keys["clerk"])).json()["count"] == 0
    assert client.get("/api/v1/outgoing/", {"status": "nonsense"}, **bearer(keys["clerk"])).status_code == 400


def test_a_specialist_token_sees_only_what_the_specialist_sees(client, agency, unit, agency_admin, leader, docs):
    from .conftest import issue

    colleague = factories.make_member(agency, "specialist", unit=unit)
    _token, key = issue(agency_admin, colleague)
    assert client.get("/api/v1/outgoing/", **bearer(key)).json()["results"] == []
    assert client.get(f"/api/v1/outgoing/{docs['draft'].pk}/", **bearer(key)).status_code == 404
    assert client.get("/api/v1/incoming/", **bearer(key)).json()["results"] == []


def test_a_write_token_creates_a_draft_with_its_files_through_the_drafting_service(
        client, keys, specialist, leader, unit, other_agency):
    response = client.post("/api/v1/outgoing/", {
        "doc_type": "CV", "summary": "V/v thử nghiệm API", "drafting_unit": unit.pk, "signer": leader.pk,
        "main_file": pdf_file(), "attachments": [pdf_file("phu-luc.pdf")],
        "recipient_agencies": [other_agency.code], "noi_nhan_text": "Nơi nhận:\n- Như trên;\n- Lưu: VT, VP.",
    }, **bearer(keys["specialist"]))
    assert response.status_code == 201, response.content
    outgoing = Outgoing.objects.get(pk=response.json()["id"])
    assert (outgoing.status, outgoing.created_by, outgoing.secrecy) == ("draft", specialist.user, "")
    assert outgoing.events.get().action == "create"
    assert sorted(f.kind for f in outgoing.files.all()) == ["attachment", "main"]
    assert outgoing.recipients.filter(kind=Recipient.Kind.AGENCY, agency=other_agency).exists()


def test_a_draft_is_refused_with_the_services_reasons_and_nothing_is_written(client, keys, leader, unit,
                                                                              other_agency):
    foreign_unit = factories.make_unit(other_agency, "Phòng Nội chính", "NC")
    response = client.post("/api/v1/outgoing/", {
        "summary": "V/v sai", "drafting_unit": foreign_unit.pk, "signer": leader.pk, "main_file": pdf_file(),
    }, **bearer(keys["specialist"]))
    assert response.status_code == 400 and "drafting_unit" in response.json()
    not_pdf = SimpleUploadedFile("x.pdf", b"not a pdf", content_type="application/pdf")
    response = client.post("/api/v1/outgoing/", {
        "summary": "V/v sai", "drafting_unit": unit.pk, "signer": leader.pk, "main_file": not_pdf,
    }, **bearer(keys["specialist"]))
    assert response.status_code == 400
    assert not Outgoing.objects.filter(summary="V/v sai").exists()


def test_deliveries_give_each_recipients_delivery_and_edxml_status(client, keys, docs, other_agency):
    draft = docs["draft"]
    portal = Delivery.objects.create(outgoing=draft, channel=Delivery.Channel.PORTAL, agency=other_agency,
                                     name=other_agency.name)
    Incoming.objects.create(agency=other_agency, source=Incoming.Source.PORTAL, delivery=portal, sender_name="BNV",
                            summary=draft.summary, status=Incoming.Status.REFUSED, status_reason="Gửi nhầm")
    peer_agency = factories.make_agency("Ủy ban nhân dân tỉnh Nghệ An", code="000.00.00.H40")
    Delivery.objects.create(outgoing=draft, channel=Delivery.Channel.PEER, agency=peer_agency,
                            name=peer_agency.name, remote_status=EdxmlStatus.ASSIGNED)
    Delivery.objects.create(outgoing=draft, channel=Delivery.Channel.EMAIL, name="Công ty A", email="a@example.com")
    rows = {row["channel"]: row for row in
            client.get(f"/api/v1/outgoing/{draft.pk}/deliveries/", **bearer(keys["clerk_read"])).json()}
    assert (rows["portal"]["edxml_status"], rows["portal"]["edxml_status_reason"]) == ("02", "Gửi nhầm")
    assert (rows["peer"]["edxml_status"], rows["peer"]["edxml_status_label"]) == ("04", "Đã phân công")
    assert rows["email"]["edxml_status"] == "" and rows["email"]["status"] == "pending"


def test_incoming_list_and_detail_never_show_secret_or_another_agencys(client, keys, docs):
    listed = client.get("/api/v1/incoming/", **bearer(keys["clerk"])).json()
    assert [row["id"] for row in listed["results"]] == [docs["incoming"].pk]
    assert client.get(f"/api/v1/incoming/{docs['incoming'].pk}/", **bearer(keys["clerk"])).json()["status"] == "01"
    for pk in (docs["secret_incoming"].pk, docs["foreign_incoming"].pk):
        assert client.get(f"/api/v1/incoming/{pk}/", **bearer(keys["clerk"])).status_code == 404


def test_the_clerks_token_registers_an_arrived_document_with_the_next_arrival_number(client, keys, docs, clerk):
    pk = docs["incoming"].pk
    response = client.post(f"/api/v1/incoming/{pk}/register/", {"notation": "12/BTC-VP"},
                           content_type="application/json", **bearer(keys["clerk"]))
    assert response.status_code == 200, response.content
    incoming = Incoming.objects.get(pk=pk)
    assert (incoming.status, incoming.arrival_number, incoming.registered_by) == ("03", 1, clerk.user)
    again = client.post(f"/api/v1/incoming/{pk}/register/", {}, content_type="application/json",
                        **bearer(keys["clerk"]))
    assert again.status_code == 400


def test_a_specialists_token_may_not_register_what_a_specialist_may_not(client, keys, docs, specialist):
    incoming = docs["incoming"]
    incoming.assignments.create(role="lead", member=specialist)  # so that the specialist sees it
    assert client.get(f"/api/v1/incoming/{incoming.pk}/", **bearer(keys["specialist"])).status_code == 200
    response = client.post(f"/api/v1/incoming/{incoming.pk}/register/", {}, content_type="application/json",
                           **bearer(keys["specialist"]))
    assert response.status_code == 403
    assert Incoming.objects.get(pk=incoming.pk).arrival_number is None


def test_a_paper_document_is_registered_from_its_scans(client, keys, clerk):
    response = client.post("/api/v1/incoming/paper/", {
        "scans": [pdf_file("scan.pdf")], "sender_name": "Sở Tài chính", "summary": "V/v dự toán",
        "notation": "5/STC", "doc_type": "CV",
    }, **bearer(keys["clerk"]))
    assert response.status_code == 201, response.content
    incoming = Incoming.objects.get(pk=response.json()["id"])
    assert (incoming.source, incoming.status, incoming.arrival_number) == ("paper", "03", 1)
    assert incoming.files.get().name == "scan.pdf"
    duplicate = client.post("/api/v1/incoming/paper/", {
        "scans": [pdf_file("scan.pdf")], "sender_name": "Sở Tài chính", "summary": "V/v dự toán",
        "notation": "5/STC"}, **bearer(keys["clerk"]))
    assert duplicate.status_code == 400 and duplicate.json()["code"] == "duplicate"
    assert Incoming.objects.filter(notation="5/STC").count() == 1
    confirmed = client.post("/api/v1/incoming/paper/", {
        "scans": [pdf_file("scan.pdf")], "sender_name": "Sở Tài chính", "summary": "V/v dự toán",
        "notation": "5/STC", "confirm_duplicate": "true"}, **bearer(keys["clerk"]))
    assert confirmed.status_code == 201 and confirmed.json()["arrival_number"] == 2


def test_files_are_served_as_stored_and_a_recalled_copys_no_longer(client, keys, docs):
    draft = docs["draft"]
    main = draft.files.get()
    response = client.get(f"/api/v1/outgoing/{draft.pk}/files/{main.pk}/", **bearer(keys["clerk_read"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    with main.draft.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()
    incoming = docs["incoming"]
    scan = incoming.files.create(kind="main", name="scan.pdf", file=pdf_file("scan.pdf"))
    url = f"/api/v1/incoming/{incoming.pk}/files/{scan.pk}/"
    assert client.get(url, **bearer(keys["clerk_read"])).status_code == 200
    Incoming.objects.filter(pk=incoming.pk).update(withdrawn_at=timezone.now(), status=Incoming.Status.RECALLED)
    assert client.get(url, **bearer(keys["clerk_read"])).status_code == 410


def test_the_directory_lists_agencies_with_their_codes(client, keys, agency, other_agency):
    rows = client.get("/api/v1/directory/", **bearer(keys["clerk_read"])).json()["results"]
    assert {agency.code, other_agency.code} <= {row["code"] for row in rows}
    found = client.get("/api/v1/directory/", {"q": "quang ngai"}, **bearer(keys["clerk_read"])).json()["results"]
    assert [row["code"] for row in found] == [other_agency.code]


# Every endpoint, refused: (method, url, what the request carries).
def _endpoints(docs, unit, leader):
    draft, incoming = docs["draft"].pk, docs["incoming"].pk
    main = docs["draft"].files.get().pk
    scan = (docs["incoming"].files.first() or docs["incoming"].files.create(
        kind="main", name="scan.pdf", file=pdf_file("scan.pdf"))).pk
    return [
        ("get", "/api/v1/outgoing/", None),
        ("post", "/api/v1/outgoing/", "draft"),
        ("get", f"/api/v1/outgoing/{draft}/", None),
        ("get", f"/api/v1/outgoing/{draft}/deliveries/", None),
        ("get", f"/api/v1/outgoing/{draft}/files/{main}/", None),
        ("get", f"/api/v1/incoming/{incoming}/files/{scan}/", None),
        ("get", "/api/v1/incoming/", None),
        ("get", f"/api/v1/incoming/{incoming}/", None),
        ("post", "/api/v1/incoming/paper/", "paper"),
        ("post", f"/api/v1/incoming/{incoming}/register/", "register"),
        ("get", "/api/v1/directory/", None),
    ]


def _body(kind, unit, leader):
    if kind == "draft":
        return {"summary": "V/v bị từ chối", "drafting_unit": unit.pk, "signer": leader.pk, "main_file": pdf_file()}
    if kind == "paper":
        return {"scans": [pdf_file()], "sender_name": "Sở Tài chính", "summary": "V/v bị từ chối"}
    return {}


def _call(client, method, url, kind, unit, leader, headers):
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, _body(kind, unit, leader), **headers)


def _nothing_written(docs):
    agency = docs["draft"].agency
    assert not Outgoing.objects.filter(agency=agency, summary="V/v bị từ chối").exists()
    assert not Incoming.objects.filter(agency=agency, summary="V/v bị từ chối").exists()
    assert Incoming.objects.get(pk=docs["incoming"].pk).arrival_number is None


@pytest.mark.parametrize("who, expected", [("none", 401), ("garbage", 401), ("revoked", 401)])
def test_every_endpoint_refuses_a_missing_wrong_or_revoked_token(client, keys, docs, unit, leader, who, expected):
    headers = {} if who == "none" else bearer("vbapi_not-a-key" if who == "garbage" else keys[who])
    for method, url, kind in _endpoints(docs, unit, leader):
        response = _call(client, method, url, kind, unit, leader, headers)
        assert response.status_code == expected, (method, url)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    _nothing_written(docs)


def test_every_write_endpoint_refuses_a_read_token(client, keys, docs, unit, leader):
    for method, url, kind in _endpoints(docs, unit, leader):
        response = _call(client, method, url, kind, unit, leader, bearer(keys["clerk_read"]))
        assert response.status_code == (403 if method == "post" else 200), (method, url)
    _nothing_written(docs)


def test_another_agencys_token_sees_and_changes_nothing_of_this_agency(client, keys, docs, unit, leader):
    for method, url, kind in _endpoints(docs, unit, leader):
        response = _call(client, method, url, kind, unit, leader, bearer(keys["other"]))
        body = response.json() if response.status_code != 200 or "/files/" not in url else None
        if "/outgoing/" in url and method == "get" and url.endswith("/outgoing/"):
            assert [row["id"] for row in body["results"]] == [docs["foreign"].pk]
        elif url.endswith("/incoming/"):
            assert [row["id"] for row in body["results"]] == [docs["foreign_incoming"].pk]
        elif url.endswith("/directory/"):
            assert response.status_code == 200  # the public directory: the same for everyone
        elif kind == "draft":
            assert response.status_code == 400  # this agency's unit and signer are not theirs to pick
        elif kind == "paper":  # a paper document they hold goes into their own register, never this agency's
            assert Incoming.objects.get(pk=body["id"]).agency == keys_agency(keys["other"])
        else:
            assert response.status_code == 404, (method, url)
    _nothing_written(docs)


def keys_agency(key):
    from api.services import token_for_key

    return token_for_key(key).agency


def test_a_token_stops_working_when_its_staff_post_ends(client, keys, clerk):
    assert client.get("/api/v1/incoming/", **bearer(keys["clerk"])).status_code == 200
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    assert client.get("/api/v1/incoming/", **bearer(keys["clerk"])).status_code == 401


def test_each_request_is_recorded_on_its_token(client, keys):
    client.get("/api/v1/directory/", **bearer(keys["clerk_read"]))
    client.post("/api/v1/incoming/paper/", {}, **bearer(keys["clerk_read"]))
    token = ApiToken.objects.get(scope=ApiToken.Scope.READ)
    assert [(u.method, u.path, u.status) for u in token.uses.order_by("pk")] == [
        ("GET", "/api/v1/directory/", 200), ("POST", "/api/v1/incoming/paper/", 403)]
    assert token.last_used_at is not None


def test_each_token_has_its_own_rate(client, keys, settings):
    settings.API_TOKEN_RATE = "3/min"
    answers = [client.get("/api/v1/directory/", **bearer(keys["clerk"])).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert client.get("/api/v1/directory/", **bearer(keys["clerk_read"])).status_code == 200

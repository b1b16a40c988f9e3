"""Every outgoing page and action through the request, and every denial: anonymous → login, a person of another
agency → 404, a wrong role → 403. The services behind them are tested in their own modules."""

import pytest
from django.urls import reverse

from documents.models import Delivery, Outgoing, Recipient
from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import approved, enable_totp, make_draft, pdf_upload, to_agency, to_email

pytestmark = pytest.mark.django_db
S = Outgoing.Status


@pytest.fixture
def draft(specialist, leader, other_agency):
    return make_draft(specialist, leader, to_agency(other_agency))


@pytest.fixture
def submitted(draft, specialist):
    return services.outgoing_submit(membership=specialist, outgoing=draft)


@pytest.fixture
def outsider(other_agency):
    """A clerk and leader of another agency: every role, none of the documents."""
    return factories.make_member(other_agency, "clerk", "leader", "specialist")


def status_of(outgoing):
    outgoing.refresh_from_db()
    return outgoing.status


def urls_of(outgoing):
    """(method, url) of every page and action of one document."""
    file = outgoing.files.first()
    recipient = outgoing.recipients.first()
    pk = outgoing.pk
    return [
        ("get", reverse("outgoing_detail", args=[pk])),
        ("get", reverse("outgoing_edit", args=[pk])),
        ("get", reverse("outgoing_file", args=[pk, file.pk])),
        ("get", reverse("deliveries_panel", args=[pk])),
        *[("post", reverse("outgoing_action", args=[pk, action]))
          for action in ("submit", "withdraw", "approve", "return", "issue")],
        ("post", reverse("recipient_add", args=[pk])),
        ("post", reverse("recipients_paste", args=[pk])),
        ("post", reverse("recipient_remove", args=[pk, recipient.pk])),
        ("post", reverse("deliveries_resend_failed", args=[pk])),
    ]


# --- Lists and the form ---------------------------------------------------------------------------------------

def test_the_list_shows_what_the_person_may_see_and_filters_by_status_and_words(client_for, specialist, leader,
                                                                                 other_agency):
    make_draft(specialist, leader, to_agency(other_agency), summary="V/v họp giao ban")
    services.outgoing_submit(membership=specialist, outgoing=make_draft(specialist, leader, to_agency(other_agency),
                                                                        summary="V/v tập huấn"))
    client = client_for(specialist)
    assert {row.record.summary for row in client.get("/outgoing/").context["table"].page.object_list} == {
        "V/v họp giao ban", "V/v tập huấn"}
    by_status = client.get("/outgoing/", {"status": S.SUBMITTED}).context["table"].page.object_list
    assert [row.record.summary for row in by_status] == ["V/v tập huấn"]
    by_word = client.get("/outgoing/", {"q": "giao ban"}).context["table"].page.object_list
    assert [row.record.summary for row in by_word] == ["V/v họp giao ban"]


def test_the_list_never_shows_another_agencys_documents(client_for, draft, outsider):
    response = client_for(outsider).get("/outgoing/")
    assert response.status_code == 200 and draft.summary not in response.content.decode()


def test_the_new_draft_form_opens_for_specialists_and_clerks_not_for_leaders(client_for, specialist, clerk, leader):
    assert client_for(specialist).get("/outgoing/new/").status_code == 200
    assert client_for(clerk).get("/outgoing/new/").status_code == 200
    assert client_for(leader).get("/outgoing/new/").status_code == 403


def test_a_draft_is_edited_by_its_drafter_and_no_longer_once_submitted(client_for, draft, specialist, leader, unit):
    client = client_for(specialist)
    assert client.get(f"/outgoing/{draft.pk}/edit/").status_code == 200
    response = client.post(f"/outgoing/{draft.pk}/edit/", {
        "doc_type": "CV", "summary": "V/v sửa trích yếu", "drafting_unit": unit.pk, "signer": leader.pk,
        "archive_copies": 2})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.summary == "V/v sửa trích yếu"
    services.outgoing_submit(membership=specialist, outgoing=draft)
    assert client.get(f"/outgoing/{draft.pk}/edit/").status_code == 403


def test_the_signer_cannot_edit_the_draft(client_for, draft, leader):
    assert client_for(leader).get(f"/outgoing/{draft.pk}/edit/").status_code == 403


# --- The workflow's actions --------------------------------------------------------------------------------

def test_the_drafter_submits_and_withdraws(client_for, draft, specialist):
    client = client_for(specialist)
    assert client.post(f"/outgoing/{draft.pk}/action/submit/", {"comment": "Kính trình"}).status_code == 302
    assert status_of(draft) == S.SUBMITTED
    assert client.post(f"/outgoing/{draft.pk}/action/withdraw/").status_code == 302
    assert status_of(draft) == S.DRAFT


def test_the_signer_returns_with_a_comment_and_is_refused_without_one(client_for, submitted, leader):
    enable_totp(leader.user)
    client = client_for(leader)
    response = client.post(f"/outgoing/{submitted.pk}/action/return/", follow=True)
    assert "Hãy ghi ý kiến khi trả lại dự thảo." in response.content.decode()
    assert status_of(submitted) == S.SUBMITTED
    client.post(f"/outgoing/{submitted.pk}/action/return/", {"comment": "Sửa phần căn cứ"})
    assert status_of(submitted) == S.RETURNED
    assert submitted.events.filter(action="return", comment="Sửa phần căn cứ").exists()


def test_the_page_offers_a_comment_box_where_the_workflow_takes_one(client_for, submitted, leader):
    page = client_for(leader).get(f"/outgoing/{submitted.pk}/").content.decode()
    assert 'id="comment-approve"' in page and 'id="comment-return"' in page
    assert '<label class="visually-hidden" for="comment-return">' in page


def test_the_signer_approves(client_for, submitted, leader):
    enable_totp(leader.user)
    factories.signing_ready(leader)
    assert client_for(leader).post(f"/outgoing/{submitted.pk}/action/approve/",
                                   {"pin": factories.SIGNING_PIN}).status_code == 302
    assert status_of(submitted) == S.APPROVED


def test_an_unknown_action_is_404(client_for, draft, specialist):
    assert client_for(specialist).post(f"/outgoing/{draft.pk}/action/publish/").status_code == 404


def test_actions_answer_only_post(client_for, draft, specialist):
    assert client_for(specialist).get(f"/outgoing/{draft.pk}/action/submit/").status_code == 405
    assert status_of(draft) == S.DRAFT


@pytest.mark.parametrize("action", ["approve", "return"])
def test_the_drafter_cannot_act_for_the_signer(client_for, submitted, specialist, action):
    enable_totp(specialist.user)
    assert client_for(specialist).post(f"/outgoing/{submitted.pk}/action/{action}/",
                                       {"comment": "x"}).status_code == 403
    assert status_of(submitted) == S.SUBMITTED


def test_a_clerk_cannot_approve(client_for, submitted, clerk):
    enable_totp(clerk.user)
    assert client_for(clerk).post(f"/outgoing/{submitted.pk}/action/approve/").status_code == 403
    assert status_of(submitted) == S.SUBMITTED


def test_a_leader_who_is_not_the_signer_cannot_return(client_for, submitted, agency, unit):
    deputy = factories.make_member(agency, "leader", unit=unit, position="Thứ trưởng")
    enable_totp(deputy.user)
    assert client_for(deputy).post(f"/outgoing/{submitted.pk}/action/return/",
                                   {"comment": "x"}).status_code == 403
    assert status_of(submitted) == S.SUBMITTED


def test_an_action_in_the_wrong_state_is_explained_not_performed(client_for, draft, leader):
    enable_totp(leader.user)
    response = client_for(leader).post(f"/outgoing/{draft.pk}/action/approve/", follow=True)
    assert response.status_code == 200 and "Không thể “Duyệt ký”" in response.content.decode()
    assert status_of(draft) == S.DRAFT


# --- Recipients ----------------------------------------------------------------------------------------------

def test_the_drafter_adds_and_removes_recipients(client_for, draft, specialist):
    client = client_for(specialist)
    response = client.post(f"/outgoing/{draft.pk}/recipients/add/", {
        "role": Recipient.Role.NOI_NHAN, "kind": Recipient.Kind.EMAIL, "name": "Công ty TNHH Minh Long",
        "email": "vanthu@minhlong.vn"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Công ty TNHH Minh Long" in response.content.decode()
    added = draft.recipients.get(email="vanthu@minhlong.vn")
    response = client.post(f"/outgoing/{draft.pk}/recipients/{added.pk}/remove/")
    assert response.status_code == 302 and not draft.recipients.filter(pk=added.pk).exists()


def test_a_recipient_without_an_address_is_explained(client_for, draft, specialist):
    response = client_for(specialist).post(f"/outgoing/{draft.pk}/recipients/add/", {
        "role": Recipient.Role.NOI_NHAN, "kind": Recipient.Kind.EMAIL, "name": "Công ty"}, HTTP_HX_REQUEST="true")
    assert "Hãy chọn hoặc nhập nơi nhận." in response.content.decode()
    assert draft.recipients.count() == 1


def test_the_signer_cannot_change_the_recipients(client_for, draft, leader):
    client = client_for(leader)
    assert client.post(f"/outgoing/{draft.pk}/recipients/add/", {
        "kind": Recipient.Kind.EMAIL, "name": "X", "email": "x@example.vn"}).status_code == 403
    assert client.post(f"/outgoing/{draft.pk}/recipients/paste/", {"text": "Nơi nhận:\n- Bộ Nội vụ;"}).status_code == 403
    recipient = draft.recipients.get()
    assert client.post(f"/outgoing/{draft.pk}/recipients/{recipient.pk}/remove/").status_code == 403
    assert draft.recipients.count() == 1


def test_a_recipient_of_another_document_cannot_be_removed_through_this_one(client_for, draft, specialist, leader,
                                                                            other_agency):
    other = make_draft(specialist, leader, to_email("vanthu@congty.vn"))
    stranger = other.recipients.get()
    assert client_for(specialist).post(f"/outgoing/{draft.pk}/recipients/{stranger.pk}/remove/").status_code == 404
    assert other.recipients.filter(pk=stranger.pk).exists()


# --- Delivery, files -----------------------------------------------------------------------------------------

@pytest.fixture
def issued(certified, specialist, leader, clerk, other_agency, django_capture_on_commit_callbacks):
    outgoing = approved(specialist, leader, to_agency(other_agency), to_email("vanthu@congty.vn"))
    with django_capture_on_commit_callbacks(execute=True):
        return services.outgoing_issue(membership=clerk, outgoing=outgoing)


def test_the_clerk_resends_a_failed_delivery_to_a_corrected_address(client_for, issued, clerk):
    delivery = issued.deliveries.get(channel=Delivery.Channel.EMAIL)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED)
    page = client_for(clerk).get(f"/outgoing/{issued.pk}/").content.decode()
    assert f'action="/outgoing/{issued.pk}/deliveries/{delivery.pk}/resend/"' in page
    response = client_for(clerk).post(f"/outgoing/{issued.pk}/deliveries/{delivery.pk}/resend/",
                                      {"email": "vanthu2@congty.vn"})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.email == "vanthu2@congty.vn" and delivery.status != Delivery.Status.FAILED


def test_a_sent_delivery_offers_no_resend_and_refuses_one(client_for, issued, clerk):
    delivery = issued.deliveries.get(channel=Delivery.Channel.EMAIL)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SENT)
    client = client_for(clerk)
    assert f"/deliveries/{delivery.pk}/resend/" not in client.get(f"/outgoing/{issued.pk}/").content.decode()
    response = client.post(f"/outgoing/{issued.pk}/deliveries/{delivery.pk}/resend/", {"email": "a@congty.vn"},
                           follow=True)
    assert "Chỉ gửi lại được lượt gửi thư điện tử" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.email == "vanthu@congty.vn"


def test_resending_all_failed_deliveries_is_the_clerks(client_for, issued, clerk, specialist):
    Delivery.objects.filter(outgoing=issued, channel=Delivery.Channel.EMAIL).update(status=Delivery.Status.FAILED)
    assert client_for(specialist).post(f"/outgoing/{issued.pk}/deliveries/resend-failed/").status_code == 403
    assert issued.deliveries.filter(status=Delivery.Status.FAILED).count() == 1
    assert client_for(clerk).post(f"/outgoing/{issued.pk}/deliveries/resend-failed/").status_code == 302
    assert not issued.deliveries.filter(status=Delivery.Status.FAILED).exists()


def test_a_delivery_of_another_document_cannot_be_resent_through_this_one(client_for, issued, draft, clerk):
    delivery = issued.deliveries.get(channel=Delivery.Channel.EMAIL)
    assert client_for(clerk).post(f"/outgoing/{draft.pk}/deliveries/{delivery.pk}/resend/",
                                  {"email": "x@congty.vn"}).status_code == 404


def test_the_delivery_panel_is_a_live_region(client_for, issued, clerk):
    page = client_for(clerk).get(f"/outgoing/{issued.pk}/").content.decode()
    assert 'aria-live="polite" data-testid="deliveries-panel"' in page


def test_the_draft_file_opens_for_the_drafter(client_for, draft, specialist):
    file = draft.files.get()
    response = client_for(specialist).get(f"/outgoing/{file.outgoing_id}/files/{file.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


# --- Denials, page by page -----------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_log_in_from_every_page(client, draft):
    for method, url in [("get", "/outgoing/"), ("get", "/outgoing/new/"), *urls_of(draft)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/"), url
    assert status_of(draft) == S.DRAFT


def test_another_agency_gets_404_on_every_page_and_action(client_for, draft, outsider):
    enable_totp(outsider.user)
    client = client_for(outsider)
    for method, url in urls_of(draft):
        assert getattr(client, method)(url, {"comment": "x"}).status_code == 404, url
    assert status_of(draft) == S.DRAFT and draft.recipients.count() == 1


def test_a_citizen_gets_403_on_every_page_and_action(client_for, draft, citizen):
    client = client_for(citizen)
    for method, url in [("get", "/outgoing/"), ("get", "/outgoing/new/"), *urls_of(draft)]:
        assert getattr(client, method)(url).status_code == 403, url
    assert status_of(draft) == S.DRAFT


def test_an_agency_admin_without_a_document_role_gets_403(client_for, draft, agency):
    admin = factories.make_member(agency, "admin")
    client = client_for(admin)
    for method, url in [("get", "/outgoing/"), *urls_of(draft)]:
        assert getattr(client, method)(url).status_code == 403, url


def test_a_new_draft_needs_a_main_file(client_for, specialist, leader, unit):
    response = client_for(specialist).post("/outgoing/new/", {
        "doc_type": "CV", "summary": "V/v thiếu tệp", "drafting_unit": unit.pk, "signer": leader.pk,
        "archive_copies": 2})
    assert response.status_code == 200 and not Outgoing.objects.exists()
    response = client_for(specialist).post("/outgoing/new/", {
        "doc_type": "CV", "summary": "V/v đủ tệp", "drafting_unit": unit.pk, "signer": leader.pk,
        "archive_copies": 2, "main_file": pdf_upload()})
    assert response.status_code == 302 and Outgoing.objects.get().summary == "V/v đủ tệp"

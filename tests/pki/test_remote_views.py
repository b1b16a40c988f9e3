"""The live state of a remote signing request (/pki/remote/<id>/) and its cancellation: the owner only."""

import pytest
from django.urls import reverse

from pki.models import RemoteSigningRequest
from pki.remote import selectors, services
from tests import factories
from tests.csc import csc_server_fixture  # noqa: F401 - the csc_server fixture

from .test_remote import PURPOSE, enrol, start

Status = RemoteSigningRequest.Status


@pytest.fixture
def request_of_leader(csc_server, leader):
    record, _ = enrol(csc_server, leader)
    return start(record)


@pytest.fixture
def colleague(agency):
    return factories.make_member(agency, "leader", position="Thứ trưởng")


def test_the_owner_sees_the_wait_with_the_time_left_and_a_cancel_button(client_for, leader, request_of_leader):
    response = client_for(leader).get(reverse("remote_request_panel", args=[request_of_leader.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Đang chờ xác nhận trên điện thoại" in html and 'hx-trigger="every 2s"' in html
    assert "Còn 299 giây" in html or "Còn 300 giây" in html
    assert 'data-testid="remote-cancel"' in html and "HX-Trigger" not in response.headers


def test_the_owner_cancels_from_the_panel(client_for, leader, csc_server, request_of_leader,
                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(leader).post(reverse("remote_request_cancel", args=[request_of_leader.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and 'data-status="cancelled"' in html and "every 2s" not in html
    assert response.headers["HX-Trigger"] == "remote-signing-finished"
    assert csc_server.phone("lanh.dao@moha.gov.vn") == []
    again = client_for(leader).post(reverse("remote_request_cancel", args=[request_of_leader.pk]))
    assert "không hủy được nữa" in again.content.decode()


def test_the_final_state_is_shown_without_polling(client_for, leader, csc_server, request_of_leader):
    csc_server.answer(request_of_leader.provider_request_id, "refuse")
    services.remote_poll(request_of_leader)
    html = client_for(leader).get(reverse("remote_request_panel", args=[request_of_leader.pk])).content.decode()
    assert "Người ký đã từ chối" in html and "every 2s" not in html and "remote-cancel" not in html


def test_another_person_can_neither_read_nor_cancel(client_for, colleague, request_of_leader):
    client = client_for(colleague)
    assert client.get(reverse("remote_request_panel", args=[request_of_leader.pk])).status_code == 404
    assert client.post(reverse("remote_request_cancel", args=[request_of_leader.pk])).status_code == 404
    request_of_leader.refresh_from_db()
    assert request_of_leader.status == Status.PENDING


def test_a_reader_the_hook_admits_reads_but_cannot_cancel(client_for, colleague, request_of_leader):
    selectors.remote_readers(PURPOSE)(lambda user, request: user == colleague.user)
    try:
        client = client_for(colleague)
        page = client.get(reverse("remote_request_panel", args=[request_of_leader.pk]))
        assert page.status_code == 200 and "remote-cancel" not in page.content.decode()
        assert client.post(reverse("remote_request_cancel", args=[request_of_leader.pk])).status_code == 403
    finally:
        selectors._readers.pop(PURPOSE, None)
    request_of_leader.refresh_from_db()
    assert request_of_leader.status == Status.PENDING


def test_citizens_and_visitors_are_kept_out(client, citizen, request_of_leader):
    url = reverse("remote_request_panel", args=[request_of_leader.pk])
    assert client.get(url).status_code == 302
    client.force_login(citizen)
    assert client.get(url).status_code == 403

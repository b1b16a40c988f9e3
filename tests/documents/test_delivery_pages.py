"""The delivery card of a document sent to hundreds (issue 17): a page of rows, those that need the clerk first,
a count of each state that filters by it, and the page the 2-second poll keeps asking for."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents import selectors
from documents.models import Delivery
from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import approved, to_agency

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_to_many(certified, specialist, leader, clerk, other_agency, monkeypatch):
    monkeypatch.setattr(selectors, "DELIVERIES_PER_PAGE", 4)
    outgoing = services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader,
                                                                           to_agency(other_agency)))
    Delivery.objects.bulk_create(
        [Delivery(outgoing=outgoing, channel=Delivery.Channel.EMAIL, name=f"Nơi nhận {i:02d}",
                  email=f"noi.nhan{i}@example.com", status=Delivery.Status.SENT) for i in range(6)]
        + [Delivery(outgoing=outgoing, channel=Delivery.Channel.EMAIL, name=f"Lỗi {i}",
                    email=f"loi{i}@example.com", status=Delivery.Status.FAILED) for i in range(2)]
        + [Delivery(outgoing=outgoing, channel=Delivery.Channel.EMAIL, name="Đang chờ",
                    email="cho@example.com", status=Delivery.Status.PENDING)])
    return outgoing


def _rows(page):
    return re.findall(r'<tr data-delivery="\d+" data-status="([a-z_]+)"', page)


def test_a_page_of_deliveries_shows_the_failed_first_and_counts_each_state(client_for, clerk, sent_to_many):
    page = client_for(clerk).get(f"/outgoing/{sent_to_many.pk}/").content.decode()
    # 6 sent + 2 failed + 1 pending + the portal delivery of the issue, still waiting (its task runs on commit,
    # which a test's transaction never reaches) = 10: the first 4, failed ones first, then those on their way.
    assert _rows(page) == ["failed", "failed", "pending", "pending"]
    counts = page.split('data-testid="delivery-status-counts"')[1].split("</nav>")[0]
    assert "Tất cả 10" in counts and "Gửi không thành công 2" in counts and "Đã gửi 6" in counts
    assert counts.index("Gửi không thành công 2") < counts.index("Đã gửi 6")
    assert "Lượt 1–4 trên 10" in page
    # The resend form of a failed row is still there for the clerk.
    assert page.count('data-testid="resend-all-failed"') == 1 and "Sửa và gửi lại" in page


def test_the_other_deliveries_are_a_page_away(client_for, clerk, sent_to_many):
    client = client_for(clerk)
    seen = []
    for number in (1, 2, 3):
        fragment = client.get(f"/outgoing/{sent_to_many.pk}/deliveries/?delivery_page={number}").content.decode()
        seen += re.findall(r'<tr data-delivery="(\d+)"', fragment)
    assert sorted(map(int, seen)) == sorted(sent_to_many.deliveries.values_list("pk", flat=True))
    assert "Lượt 9–10 trên 10" in fragment and 'data-testid="delivery-next"' not in fragment
    assert client.get(f"/outgoing/{sent_to_many.pk}/?delivery_page=0").status_code == 404


def test_a_page_the_rows_left_while_polling_shows_the_last_page(client_for, clerk, sent_to_many):
    # The clerk looks at the third page of the failed ones; they are resent and leave it.
    url = f"/outgoing/{sent_to_many.pk}/deliveries/?delivery_status=failed&delivery_page=3"
    fragment = client_for(clerk).get(url).content.decode()
    assert _rows(fragment) == ["failed", "failed"]
    assert '?delivery_status=failed&amp;delivery_page=1"' in fragment


def test_a_state_filters_the_rows_and_the_poll_keeps_the_filter(client_for, clerk, sent_to_many):
    fragment = client_for(clerk).get(
        f"/outgoing/{sent_to_many.pk}/deliveries/?delivery_status=failed").content.decode()
    assert _rows(fragment) == ["failed", "failed"]
    # Still sending (one pending): the card polls for the same filtered page.
    assert f'hx-get="/outgoing/{sent_to_many.pk}/deliveries/?delivery_status=failed&amp;delivery_page=1"' in fragment
    assert 'data-testid="delivery-pages"' not in fragment
    # An unknown state is no filter.
    everything = client_for(clerk).get(f"/outgoing/{sent_to_many.pk}/deliveries/?delivery_status=x").content.decode()
    assert len(_rows(everything)) == 4


def test_the_card_of_a_document_the_person_may_not_see_is_a_404(client_for, sent_to_many, other_agency):
    outsider = factories.make_member(other_agency, "clerk", position="Văn thư")
    assert client_for(outsider).get(f"/outgoing/{sent_to_many.pk}/deliveries/?delivery_page=2").status_code == 404


def test_the_document_page_asks_once_whether_the_clerk_has_totp(client_for, clerk, sent_to_many):
    client = client_for(clerk)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/outgoing/{sent_to_many.pk}/").status_code == 200
    assert sum('"mfa_authenticator"' in q["sql"] for q in queries.captured_queries) == 1

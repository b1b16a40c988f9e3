"""In headless Chromium: the clerk of a document sent to many picks the failed deliveries by their count, and the
card polled while sending keeps showing them; the next page of deliveries is a click away."""

import re

import pytest
from playwright.sync_api import expect

from documents import selectors
from documents.models import Delivery
from tests.browsing import log_in
from tests.documents.conftest import issued_by_bnv_clerk

pytestmark = pytest.mark.browser


def test_the_clerk_filters_the_failed_deliveries_and_the_poll_keeps_them(page, monkeypatch):
    monkeypatch.setattr(selectors, "DELIVERIES_PER_PAGE", 3)
    clerk, secret, outgoing = issued_by_bnv_clerk()
    Delivery.objects.bulk_create(
        [Delivery(outgoing=outgoing, channel=Delivery.Channel.EMAIL, name=f"Lỗi {i}", email=f"loi{i}@example.com",
                  status=Delivery.Status.FAILED) for i in range(2)]
        # Still on its way: the card keeps polling.
        + [Delivery(outgoing=outgoing, channel=Delivery.Channel.EMAIL, name="Đang chờ", email="cho@example.com",
                    status=Delivery.Status.RETRY)])

    log_in(page, clerk.user.email, secret)
    page.goto(f"/outgoing/{outgoing.pk}/")
    card = page.get_by_test_id("deliveries")
    expect(card.locator("tr[data-delivery]")).to_have_count(3)
    expect(card.get_by_test_id("delivery-range")).to_contain_text("Lượt 1–3 trên 4")

    card.locator("[data-delivery-filter=failed]").click()
    expect(card.locator("tr[data-delivery]")).to_have_count(2)
    expect(card.locator("tr[data-status=failed]")).to_have_count(2)
    page.wait_for_timeout(2500)  # a poll went by
    expect(card.locator("tr[data-delivery]")).to_have_count(2)
    expect(card.locator("strong[data-delivery-filter=failed]")).to_be_visible()

    card.get_by_role("link", name=re.compile("Tất cả")).click()
    card.get_by_test_id("delivery-next").click()
    expect(card.get_by_test_id("delivery-range")).to_contain_text("Lượt 4–4 trên 4")
    expect(card.locator("tr[data-delivery]")).to_have_count(1)

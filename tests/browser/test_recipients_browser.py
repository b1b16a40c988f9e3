"""In headless Chromium: pasted “Nơi nhận” lines that match nothing stay with the draft across reloads, mapping
one leaves the others, and the draft is submitted only once every line is mapped or dismissed with a reason."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browsing import log_in
from tests.documents.conftest import make_draft

pytestmark = pytest.mark.browser

BLOCK = """Nơi nhận:
- UBND tỉnh Quảng Ngãi;
- Ban Quản lý Khu kinh tế Dung Quất;
- Ông Nguyễn Văn Dân (hồ sơ 123/HS);
- Báo Nhân Dân (để đưa tin);
- Lưu: VT, VP (2b)."""


def test_unknown_lines_stay_until_each_is_mapped_or_dismissed_and_only_then_the_draft_is_submitted(
        page, specialist, leader, other_agency):
    outgoing = make_draft(specialist, leader)
    log_in(page, specialist.user.email)
    page.goto(f"/outgoing/{outgoing.pk}/")

    page.get_by_label("Dán khối “Nơi nhận:” có sẵn").fill(BLOCK)
    page.get_by_test_id("paste-submit").click()
    expect(page.get_by_test_id("recipient-list")).to_contain_text("Ủy ban nhân dân tỉnh Quảng Ngãi")
    forms = page.get_by_test_id("line-forms")
    expect(forms).to_have_count(3)
    # The agency joins the directory only now (the paste did not know it); the line is mapped to it by hand.
    dungquat = factories.make_agency("Ban Quản lý Khu kinh tế Dung Quất", code="000.00.20.H55")

    # A reload keeps every line that matched nothing.
    page.reload()
    expect(forms).to_have_count(3)
    expect(page.get_by_test_id("open-lines-warning")).to_contain_text("Còn 3 dòng")

    # Mapping one line to an agency leaves the other two open, also after a reload.
    first = page.get_by_role("group", name="Ban Quản lý Khu kinh tế Dung Quất")
    expect(first.get_by_label("Cơ quan:", exact=True)).to_be_visible()
    expect(first.get_by_label("Tên người nhận")).to_be_hidden()  # only the fields the chosen kind needs
    first.get_by_label("Ghép thành").select_option("agency")
    first.get_by_label("Cơ quan:", exact=True).select_option(str(dungquat.pk))
    first.get_by_test_id("line-map").click()
    expect(forms).to_have_count(2)
    expect(page.get_by_test_id("recipient-list")).to_contain_text("Ban Quản lý Khu kinh tế Dung Quất")
    page.reload()
    expect(forms).to_have_count(2)
    expect(page.get_by_test_id("unresolved-lines")).to_contain_text("Đã ghép nơi nhận")

    # Submitting is refused while lines are open, and the refusal names them.
    page.get_by_test_id("action-submit").click()
    expect(page.get_by_role("alert").filter(has_text="còn 2 dòng")).to_contain_text("Báo Nhân Dân (để đưa tin)")
    expect(page.get_by_test_id("status")).to_have_text("Dự thảo")

    # A citizen with the dossier number, then a dismissal with its reason.
    citizen = page.get_by_role("group", name="Ông Nguyễn Văn Dân")
    citizen.get_by_label("Ghép thành").select_option("citizen")
    expect(citizen.get_by_label("Cơ quan:", exact=True)).to_be_hidden()
    citizen.get_by_label("Tên người nhận").fill("Nguyễn Văn Dân")
    citizen.get_by_label("Thư điện tử").fill("dan@example.com")
    citizen.get_by_label("Số hồ sơ (nếu có)").fill("123/HS")
    citizen.get_by_test_id("line-map").click()
    expect(forms).to_have_count(1)
    dismiss = page.get_by_role("group", name="Báo Nhân Dân")
    dismiss.get_by_test_id("line-dismiss").click()  # without a reason: refused, the line stays
    expect(forms).to_have_count(1)
    dismiss.get_by_label("Lý do bỏ qua").fill("Gửi bản giấy qua bưu điện")
    dismiss.get_by_test_id("line-dismiss").click()
    expect(forms).to_have_count(0)
    expect(page.get_by_test_id("open-lines-warning")).to_have_count(0)
    expect(page.get_by_test_id("unresolved-lines")).to_contain_text("Gửi bản giấy qua bưu điện")

    page.get_by_test_id("action-submit").click()
    expect(page.get_by_test_id("status")).to_have_text("Chờ duyệt")
    expect(page.get_by_test_id("recipient-list")).to_contain_text("Nguyễn Văn Dân")

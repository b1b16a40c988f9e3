"""Small things a clerk or a leader clicks through every day, in headless Chromium: back from setting up
two-factor to the page that asked for it, routing from searchable lists of boxes, and the phone layout."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from documents.models import Delivery, Incoming, Outgoing
from documents.services import outgoing as outgoing_services
from tests import factories
from tests.browsing import log_in
from tests.documents.conftest import approved, make_draft, pdf_bytes, to_agency

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def ministry(db):
    agency = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    factories.make_unit(agency, "Văn phòng Bộ", "VP")
    return agency


def test_a_leader_sets_up_two_factor_when_approving_and_comes_back_to_the_draft(page, ministry):
    office = ministry.units.get()
    drafter = factories.make_member(ministry, "specialist", unit=office)
    leader = factories.make_member(ministry, "leader", unit=office, position="Bộ trưởng",
                                   user=factories.make_user("lanhdao@moha.gov.vn"))
    draft = make_draft(drafter, leader, to_agency(factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum")))
    outgoing_services.outgoing_submit(membership=drafter, outgoing=draft)

    log_in(page, leader.user.email)
    page.goto(f"/outgoing/{draft.pk}/")
    page.get_by_test_id("action-approve").click()
    # allauth asks for the password again before any two-factor change, then shows the set-up.
    expect(page).to_have_url(re.compile(r"/accounts/(reauthenticate|2fa/totp/activate)/"))
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", factories.PASSWORD)
        page.locator("form.portal-form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", factories.totp_code(secret))
    page.locator("form.portal-form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(rf"/outgoing/{draft.pk}/$"))
    expect(page.get_by_test_id("action-approve")).to_be_visible()


def test_routing_filters_the_lists_of_boxes_and_sends_what_was_ticked(page, ministry):
    office = ministry.units.get()
    culture = factories.make_unit(ministry, "Phòng Khoa giáo – Văn xã", "KGVX")
    finance = factories.make_unit(ministry, "Phòng Kế hoạch – Tài chính", "KHTC")
    leader = factories.make_member(ministry, "leader", unit=office, position="Bộ trưởng")
    secret = factories.totp_enable(leader.user)
    helper = factories.make_member(ministry, "specialist", unit=culture, position="Chuyên viên",
                                   user=factories.make_user("dung@moha.gov.vn", full_name="Đặng Thị Dung"))
    incoming = Incoming.objects.create(agency=ministry, source="paper", doc_type="CV", sender_name="Văn phòng Chính phủ",
                                       summary="Về việc báo cáo", notation="1/VPCP-HC", arrival_number=1,
                                       status=Incoming.Status.ACCEPTED)

    log_in(page, leader.user.email, secret)
    page.goto(f"/incoming/{incoming.pk}/#route")
    page.select_option("select[name=lead]", f"u{culture.pk}")
    cooperate = page.locator("#id_cooperate")
    page.get_by_test_id("filter-cooperate").fill("ke hoach")  # without diacritics
    expect(cooperate.get_by_text("Phòng Kế hoạch – Tài chính")).to_be_visible()
    expect(cooperate.get_by_text("Văn phòng Bộ")).to_be_hidden()
    cooperate.get_by_label("Phòng Kế hoạch – Tài chính").check()
    page.get_by_test_id("filter-cooperate").fill("")
    expect(cooperate.get_by_text("Văn phòng Bộ")).to_be_visible()
    page.get_by_test_id("filter-inform").fill("dung")
    page.locator("#id_inform").get_by_label(re.compile("Đặng Thị Dung")).check()
    page.get_by_test_id("route-submit").click()
    expect(page.get_by_test_id("incoming-status")).to_contain_text("04")
    roles = {(a.role, a.unit_id, a.member_id) for a in incoming.assignments.filter(is_current=True)}
    assert roles == {("lead", culture.pk, None), ("cooperate", finance.pk, None), ("inform", None, helper.pk)}


def test_on_a_phone_one_menu_button_and_the_delivery_table_fits(page, ministry):
    office = ministry.units.get()
    clerk = factories.make_member(ministry, "clerk", unit=office, user=factories.make_user("vanthu@moha.gov.vn"))
    leader = factories.make_member(ministry, "leader", unit=office, position="Bộ trưởng")
    outgoing = approved(factories.make_member(ministry, "specialist", unit=office), leader,
                        to_agency(factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum")))
    # Issued (as the clerk's issue would leave it) with three deliveries of long names and addresses.
    Outgoing.objects.filter(pk=outgoing.pk).update(status=Outgoing.Status.ISSUED, number=1, year=2026,
                                                   notation="01/BNV-VP", issued_at=timezone.now())
    for n, (channel, status) in enumerate([("portal", "sent"), ("email", "sent"), ("email", "failed")]):
        Delivery.objects.create(
            outgoing=outgoing, channel=channel, status=status, name=f"Ủy ban nhân dân tỉnh thành phố số {n}",
            email="" if channel == "portal" else f"van-phong-uy-ban-nhan-dan-{n}@mot-ten-mien-rat-dai.gov.vn",
            sent_at=timezone.now(), attempts=1, response="250 2.0.0 Ok: queued as 4F2A81C2B3 " * 3)

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, clerk.user.email, lands_on=None)
    page.goto(f"/outgoing/{outgoing.pk}/")
    toggles = page.get_by_test_id("menu-toggle")
    expect(toggles.locator("visible=true")).to_have_count(1)
    deliveries = page.get_by_test_id("deliveries")
    expect(deliveries).to_contain_text("Ủy ban nhân dân tỉnh thành phố số 2")
    expect(deliveries.locator("tr[data-status=failed]").get_by_text(re.compile(r"\d\d/\d\d/\d{4}"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for table in deliveries.locator("table").all():
        assert table.evaluate("t => t.scrollWidth <= t.parentElement.clientWidth + 1")

    toggles.locator("visible=true").click()
    expect(page.locator("#sidebar")).to_be_visible()
    expect(page.locator("#topnav").get_by_role("link", name=re.compile("Danh bạ"))).to_be_visible()
    # On a wide screen the button is not needed.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.get_by_test_id("menu-toggle").locator("visible=true")).to_have_count(0)


def test_a_refused_attachment_keeps_the_main_file_and_the_recipients_ticked_on_the_new_draft(page, ministry,
                                                                                              tmp_path):
    office = ministry.units.get()
    drafter = factories.make_member(ministry, "specialist", unit=office, user=factories.make_user("cv@moha.gov.vn"))
    leader = factories.make_member(ministry, "leader", unit=office, position="Bộ trưởng")
    kontum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum")
    main, bad, good = tmp_path / "cong-van.pdf", tmp_path / "phu-luc.pdf", tmp_path / "phu-luc-dung.pdf"
    main.write_bytes(pdf_bytes(text="Văn bản chính"))
    bad.write_bytes(b"GIF89a not a pdf")
    good.write_bytes(pdf_bytes(text="Phụ lục"))

    log_in(page, drafter.user.email)
    page.goto("/outgoing/new/")
    page.fill("textarea[name=summary]", "V/v báo cáo tình hình sử dụng thư điện tử")
    page.select_option("select[name=signer]", str(leader.pk))
    page.set_input_files("input[name=main_file]", str(main))
    page.set_input_files("input[name=attachments]", str(bad))
    page.get_by_test_id("filter-to-agencies").fill("kon tum")
    page.locator("#id_to-agencies").get_by_label("Ủy ban nhân dân tỉnh Kon Tum").check()
    page.get_by_test_id("save-draft").click()

    expect(page.get_by_text("không phải tệp PDF")).to_be_visible()
    expect(page.get_by_test_id("kept-main-file")).to_contain_text("cong-van.pdf")
    expect(page.locator("#id_to-agencies").get_by_label("Ủy ban nhân dân tỉnh Kon Tum")).to_be_checked()
    page.set_input_files("input[name=attachments]", str(good))
    page.get_by_test_id("save-draft").click()

    expect(page).to_have_url(re.compile(r"/outgoing/\d+/$"))
    draft = Outgoing.objects.get()
    assert draft.files.get(kind="main").name == "cong-van.pdf"
    assert [r.agency for r in draft.recipients.all()] == [kontum]

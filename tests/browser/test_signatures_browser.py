"""Issue 11 in headless Chromium: a leader signs with their PIN (a wrong one first: the draft stays clean), a second
leader signs through the remote signing service and confirms on the test "phone" page, the clerk issues both
(number, date, the agency's seal), and the recipient agency sees both signatures valid (Decree 30 Art. 5)."""


import pytest
from playwright.sync_api import expect

from documents.models import Incoming
from documents.services import outgoing as services
from pki import demo
from pki.demo import issue_certificate
from pki.remote import services as remote_services
from tests import factories
from tests.browser.test_accessibility import axe_page, findings  # noqa: F401 - the axe_page fixture
from tests.browsing import log_in
from tests.csc import csc_server_fixture  # noqa: F401 - the csc_server fixture
from tests.documents.conftest import make_draft, to_agency

pytestmark = pytest.mark.browser
PHONE_ACCOUNT = "thutruong@moha.gov.vn"


@pytest.fixture
def people(transactional_db, csc_server):
    ministry = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    office = factories.make_unit(ministry, "Văn phòng Bộ", "VP")
    kontum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")
    factories.make_unit(kontum, "Văn phòng", "VP")
    issue_certificate(ministry)
    minister = factories.make_member(ministry, "leader", unit=office, position="Bộ trưởng",
                                     user=factories.make_user("botruong@moha.gov.vn", full_name="Phạm Thị Ký"))
    deputy = factories.make_member(ministry, "leader", unit=office, position="Thứ trưởng",
                                   user=factories.make_user(PHONE_ACCOUNT, full_name="Lê Văn Điện"))
    factories.signing_ready(minister)
    cert, key, chain = demo.issue_personal_keypair(deputy.user.full_name, agency_name=ministry.name)
    csc_server.add_credential(PHONE_ACCOUNT, cert, key, chain)
    remote_services.remote_certificate_register(user=deputy.user, provider_name="csc", account=PHONE_ACCOUNT)
    return {
        "kontum": kontum, "minister": minister, "deputy": deputy,
        "specialist": factories.make_member(ministry, "specialist", unit=office),
        "clerk": factories.make_member(ministry, "clerk", unit=office, position="Văn thư",
                                       user=factories.make_user("vanthu@moha.gov.vn", full_name="Đỗ Văn Thư")),
        "receiver": factories.make_member(kontum, "clerk", position="Văn thư",
                                          user=factories.make_user("vanthu@kontum.gov.vn", full_name="Hà Thị Nhận")),
    }


def drafted(people, summary, signer):
    return make_draft(people["specialist"], signer, to_agency(people["kontum"]), summary=summary, pages=2)


def submit(people, draft):
    return services.outgoing_submit(membership=people["specialist"], outgoing=draft)


def test_two_leaders_sign_one_with_a_pin_one_on_the_phone_and_the_recipient_sees_both_signatures(
        page, browser, people, csc_server):
    first = drafted(people, "V/v ký số bằng mã PIN", people["minister"])
    second = submit(people, drafted(people, "V/v ký số trên điện thoại", people["deputy"]))

    # The drafter clicks the signer's place on the last page's preview; the box moves there.
    log_in(page, people["specialist"].user.email)
    page.goto(f"/outgoing/{first.pk}/place/")
    expect(page.get_by_test_id("box-signer")).to_be_visible()
    page.get_by_test_id("page-image").click(position={"x": 200, "y": 600})
    expect(page.get_by_test_id("place-status")).to_contain_text("vị trí đã chọn, trang 2")
    first.refresh_from_db()
    assert first.signature_places["signer"]["page"] == 1
    submit(people, first)

    # The minister types a wrong PIN: refused, the draft still waits for the signature.
    log_in(page, people["minister"].user.email, factories.totp_enable(people["minister"].user))
    page.goto(f"/outgoing/{first.pk}/")
    page.get_by_test_id("signing-pin").fill("000000")
    page.get_by_test_id("action-approve").click()
    expect(page.locator(".alert-danger, .alert-error").first).to_contain_text("Mã PIN ký không đúng")
    expect(page.get_by_test_id("status")).to_have_text("Chờ duyệt")
    expect(page.get_by_test_id("signer-signature")).to_contain_text("Chưa ký")
    page.get_by_test_id("signing-pin").fill(factories.SIGNING_PIN)
    page.get_by_test_id("action-approve").click()
    expect(page.get_by_test_id("status")).to_have_text("Đã duyệt, chờ phát hành")
    expect(page.get_by_test_id("signer-signature")).to_contain_text("Phạm Thị Ký")

    # The deputy signs on the phone: the page waits, the phone page confirms, the page shows it approved.
    log_in(page, people["deputy"].user.email, factories.totp_enable(people["deputy"].user))
    page.goto(f"/outgoing/{second.pk}/")
    page.get_by_test_id("action-approve").click()
    expect(page.get_by_test_id("remote-pending")).to_contain_text("Đang chờ xác nhận trên điện thoại")
    phone = browser.new_page()
    phone.goto(f"{csc_server.url}/phone/{PHONE_ACCOUNT}")
    phone.get_by_role("button", name="Xác nhận").click()
    expect(phone.locator("body")).to_contain_text("Không có yêu cầu nào")
    phone.close()
    expect(page.get_by_test_id("status")).to_have_text("Đã duyệt, chờ phát hành", timeout=30000)

    # The clerk issues both.
    log_in(page, people["clerk"].user.email, factories.totp_enable(people["clerk"].user))
    for outgoing, notation in ((first, "01/BNV-VP"), (second, "02/BNV-VP")):
        page.goto(f"/outgoing/{outgoing.pk}/")
        page.get_by_test_id("action-issue").click()
        expect(page.get_by_test_id("notation")).to_have_text(notation)
        expect(page.get_by_test_id("agency-signature")).to_contain_text("Đã ký")

    # Kon Tum's clerk sees, for each, the signer's and the agency's signatures valid: Art. 5 is met.
    log_in(page, people["receiver"].user.email, factories.totp_enable(people["receiver"].user))
    for outgoing, signer in ((first, "Phạm Thị Ký"), (second, "Lê Văn Điện")):
        arrived = Incoming.objects.get(agency=people["kontum"], summary=outgoing.summary)
        page.goto(f"/incoming/{arrived.pk}/")
        report = page.get_by_test_id("incoming-files").get_by_test_id("signature-report").first
        expect(report.get_by_test_id("article-5")).to_have_attribute("data-meets", "yes")
        person = report.locator("[data-testid=signature][data-kind=person]")
        agency = report.locator("[data-testid=signature][data-kind=agency]")
        expect(person).to_have_count(1)
        expect(agency).to_have_count(1)
        expect(person).to_contain_text(signer)
        for signature in (person, agency):
            expect(signature).to_have_attribute("data-status", "valid")


def test_the_signature_pages_have_no_serious_accessibility_violation(axe_page, people, csc_server):  # noqa: F811
    from documents.models import Outgoing

    draft = drafted(people, "V/v kiểm tra trợ năng", people["minister"])
    log_in(axe_page, people["specialist"].user.email)
    found = findings(axe_page, [f"/outgoing/{draft.pk}/place/", f"/outgoing/{draft.pk}/place/?page=0"])
    submit(people, draft)
    log_in(axe_page, people["minister"].user.email, factories.totp_enable(people["minister"].user))
    found |= findings(axe_page, [f"/outgoing/{draft.pk}/"])  # the PIN field
    Outgoing.objects.filter(pk=draft.pk).update(status="approved")  # approved without the signer's signature
    log_in(axe_page, people["clerk"].user.email, factories.totp_enable(people["clerk"].user))
    axe_page.goto(f"/outgoing/{draft.pk}/")
    expect(axe_page.get_by_test_id("issue-blockers")).to_contain_text("Thiếu chữ ký số của người có thẩm quyền")
    found |= findings(axe_page, [f"/outgoing/{draft.pk}/"])
    assert found == {}

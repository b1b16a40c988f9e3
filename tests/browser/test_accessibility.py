"""axe-core, run inside the page in headless Chromium, finds no serious or critical violation on the main pages.

axe-core comes from npm (package.json, `npm ci` in `make setup-dev`), so nothing is downloaded at test time. Its
script is injected inline, which the pages' Content-Security-Policy forbids: the context bypasses CSP for it.
"""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from documents.models import Incoming
from documents.services import incoming as incoming_services
from documents.services import outgoing as outgoing_services
from tests import factories
from tests.browsing import log_in
from tests.documents.conftest import approved, make_draft, to_agency, to_email

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


@pytest.fixture
def axe_page(browser, live_server):
    if not AXE.exists():
        pytest.fail("axe-core is missing: `make setup-dev` installs it (npm ci).")
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url,
                                  bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def serious_violations(page):
    """axe's serious and critical findings on the page as it is now, one line each."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact,
                                            targets: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
    }""")
    found = [f"{v['id']} ({v['impact']}): {', '.join(v['targets'])}" for v in violations if v["impact"] in SERIOUS]
    # axe 4.10 no longer reports repeated ids by themselves; a label's `for` finds only the first of them.
    repeated = page.evaluate("""() => {
        const seen = new Set(), repeated = new Set();
        for (const element of document.querySelectorAll("[id]")) {
            (seen.has(element.id) ? repeated : seen).add(element.id);
        }
        return [...repeated];
    }""")
    return found + ([f"duplicate ids: {', '.join(sorted(repeated))}"] if repeated else [])


def findings(page, urls):
    """{url: serious violations} for every page that has any."""
    found = {}
    for url in urls:
        page.goto(url)
        expect(page.locator("main")).to_be_visible()
        found.update({url: violations} if (violations := serious_violations(page)) else {})
    return found


@pytest.fixture
def people(certified, unit, portal_agency_for_axe):
    specialist = factories.make_member(certified, "specialist", unit=unit,
                                       user=factories.make_user("chuyenvien@moha.gov.vn", full_name="Lê Văn Soạn"))
    leader = factories.make_member(certified, "leader", unit=unit, position="Bộ trưởng",
                                   user=factories.make_user("botruong@moha.gov.vn", full_name="Phạm Thị Ký"))
    clerk = factories.make_member(certified, "clerk", unit=unit, position="Văn thư",
                                  user=factories.make_user("vanthu@moha.gov.vn", full_name="Đỗ Văn Thư"))
    return specialist, leader, clerk


@pytest.fixture
def portal_agency_for_axe(db):
    return factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")


def test_the_main_pages_have_no_serious_accessibility_violation(axe_page, people, portal_agency_for_axe):
    specialist, leader, clerk = people
    draft = make_draft(specialist, leader, to_agency(portal_agency_for_axe), to_email("vanthu@congty.vn"))
    # Two pasted lines that match nothing: the draft shows a mapping form for each, whose ids must not repeat.
    outgoing_services.recipients_paste(membership=specialist, outgoing=draft,
                                       text="Nơi nhận:\n- Sở Không Có Thật;\n- Ban Không Tồn Tại;\n- Lưu: VT.")
    assert draft.unresolved_lines.count() == 2
    issued = outgoing_services.outgoing_issue(
        membership=clerk, outgoing=approved(specialist, leader, to_agency(portal_agency_for_axe),
                                            to_email("vanthu@congty.vn")))
    clerk_secret = factories.totp_enable(clerk.user)

    found = findings(axe_page, ["/accounts/login/", "/directory/", "/lookup/", "/verify/"])
    log_in(axe_page, specialist.user.email)
    found |= findings(axe_page, [reverse("dashboard"), reverse("outgoing_list"), reverse("outgoing_create"),
                                 reverse("outgoing_detail", args=[draft.pk])])
    log_in(axe_page, clerk.user.email, clerk_secret)
    found |= findings(axe_page, [reverse("incoming_list"), reverse("incoming_paper"), reverse("outgoing_register"),
                                 reverse("incoming_register_book"), reverse("inbound_list"),
                                 reverse("outgoing_detail", args=[issued.pk])])
    # The receiving agency: the clerk's registration form, then the leader's routing form.
    arrived = Incoming.objects.get(agency=portal_agency_for_axe)
    receiver = factories.make_member(portal_agency_for_axe, "clerk", position="Văn thư",
                                     user=factories.make_user("vanthu@kontum.gov.vn", full_name="Hà Thị Nhận"))
    chair = factories.make_member(portal_agency_for_axe, "leader", position="Chủ tịch",
                                  user=factories.make_user("chutich@kontum.gov.vn", full_name="Y Chủ Tịch"))
    log_in(axe_page, receiver.user.email, factories.totp_enable(receiver.user))
    found |= findings(axe_page, [reverse("incoming_detail", args=[arrived.pk])])
    incoming_services.incoming_register(membership=receiver, incoming=arrived)
    log_in(axe_page, chair.user.email, factories.totp_enable(chair.user))
    found |= findings(axe_page, [reverse("incoming_detail", args=[arrived.pk])])
    assert found == {}, "\n".join(f"{url}: {violations}" for url, violations in found.items())


def test_pages_start_with_a_skip_link_to_the_main_content_and_the_delivery_panel_is_live(axe_page, people,
                                                                                        portal_agency_for_axe):
    specialist, leader, clerk = people
    issued = outgoing_services.outgoing_issue(
        membership=clerk, outgoing=approved(specialist, leader, to_agency(portal_agency_for_axe)))
    log_in(axe_page, clerk.user.email, factories.totp_enable(clerk.user))
    axe_page.goto(reverse("outgoing_detail", args=[issued.pk]))

    axe_page.keyboard.press("Tab")
    skip = axe_page.locator(":focus")
    expect(skip).to_have_attribute("href", "#main")
    skip.press("Enter")
    expect(axe_page.locator("main#main")).to_be_visible()
    panel = axe_page.get_by_test_id("deliveries-panel")
    expect(panel).to_have_attribute("aria-live", "polite")

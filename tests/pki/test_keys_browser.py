"""In the browser: a leader sets up their own signature (PKCS#12 + PIN, signature image) from the sidebar, and an
agency admin uploads the seal; both pages have no serious accessibility violation (axe-core)."""

import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from playwright.sync_api import expect

from pki import demo, demo_images, keystores
from pki.models import PersonalCertificate, SealImage
from tests import factories
from tests.browser.test_accessibility import axe_page, serious_violations  # noqa: F401 - fixture
from tests.browsing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

SHOTS = os.environ.get("KEYS_SCREENSHOTS")  # a directory to keep screenshots in, when looking at the pages


def shot(page, name):
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_a_leader_sets_up_their_signature_from_the_sidebar(axe_page, agency, unit, tmp_path):  # noqa: F811
    page = axe_page
    leader = factories.make_member(agency, "leader", unit=unit, position="Bộ trưởng",
                                   user=factories.make_user("botruong@moha.gov.vn", full_name="Phạm Thị Ký"))
    secret = factories.totp_enable(leader.user)
    certificate, key, chain = demo.issue_personal_keypair("Phạm Thị Ký", agency_name=agency.name, title="Bộ trưởng")
    p12 = tmp_path / "toi.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"me", key, certificate, chain, serialization.BestAvailableEncryption(b"tep-2026")))
    image = tmp_path / "chu-ky.png"
    image.write_bytes(demo_images.signature_png("Phạm Thị Ký"))

    log_in(page, leader.user.email, secret)
    page.get_by_role("link", name="Chữ ký số của tôi").click()
    expect(page.get_by_test_id("no-certificate")).to_be_visible()
    assert serious_violations(page) == []

    upload = page.locator("form", has=page.locator("input[name=action][value=upload]"))
    upload.get_by_label("Tệp chứng thư số cá nhân (.p12, .pfx)").set_input_files(str(p12))
    upload.get_by_label("Mật khẩu của tệp").fill("tep-2026")
    upload.get_by_label("Mã PIN ký mới").fill("864200")
    upload.get_by_label("Nhập lại mã PIN ký").fill("864200")
    upload.get_by_role("button", name="Tải lên và đặt mã PIN").click()
    expect(page.get_by_test_id("certificate-in-words")).to_contain_text("Phạm Thị Ký")

    form = page.locator("form", has=page.locator("input[name=action][value=image]"))
    form.get_by_label("Ảnh chữ ký (PNG nền trong suốt)").set_input_files(str(image))
    form.get_by_role("button", name="Tải lên ảnh chữ ký").click()
    expect(page.get_by_test_id("signature-preview")).to_be_visible()
    assert page.get_by_test_id("signature-preview").evaluate("img => img.naturalWidth") > 100
    assert serious_violations(page) == []
    shot(page, "my_signing")

    record = PersonalCertificate.objects.get(user=leader.user, is_active=True)
    assert keystores.personal_signer(record, "864200") is not None


def test_an_admin_uploads_the_seal_and_sees_it_at_actual_size(axe_page, certified, unit, tmp_path):  # noqa: F811
    page = axe_page
    admin = factories.make_member(certified, "admin", unit=unit,
                                  user=factories.make_user("quantri@moha.gov.vn", full_name="Vũ Quản Trị"))
    secret = factories.totp_enable(admin.user)
    seal = tmp_path / "con-dau.png"
    seal.write_bytes(demo_images.seal_png(certified.name))

    log_in(page, admin.user.email, secret)
    page.get_by_role("link", name="Chứng thư số").click()
    form = page.locator("form", has=page.locator("input[name=action][value=seal]"))
    form.get_by_label("Ảnh con dấu (PNG nền trong suốt)").set_input_files(str(seal))
    form.get_by_label("Đường kính con dấu (mm)").fill("40")
    form.get_by_role("button", name="Tải lên ảnh con dấu").click()

    preview = page.get_by_test_id("seal-preview")
    expect(preview).to_be_visible()
    # 40 mm at CSS's 96 px per inch.
    assert abs(preview.evaluate("img => img.getBoundingClientRect().width") - 40 / 25.4 * 96) < 1
    assert SealImage.objects.get(agency=certified).diameter_mm == 40
    assert serious_violations(page) == []
    shot(page, "certificate_manage")

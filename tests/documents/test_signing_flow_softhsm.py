"""The same path with keys that never leave a PKCS#11 token (SoftHSM2, the real thing): the leader's own key on
their token opened with the PIN they type, the agency's seal key on the agency's token (settings.PKCS11_PINS)."""

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageDraw

from documents.models import Outgoing
from documents.services import outgoing as services
from pki import services as pki_services
from pki.models import KeyStore
from tests.documents.conftest import make_draft, pdf_upload, to_agency
from tests.documents.test_signing_flow import assert_issued_with_both_signatures, read, signatures_of
from tests.pki.softhsm import softhsm, softhsm_settings  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
S = Outgoing.Status


def png(colour, size=(300, 150), ellipse=False):
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if ellipse:
        draw.ellipse((5, 5, size[0] - 5, size[1] - 5), outline=colour, width=8)
    else:
        draw.line((10, size[1] - 20, size[0] - 10, 20), fill=colour, width=6)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def on_tokens(softhsm_settings, agency, admin_member, leader):  # noqa: F811 (fixture)
    """The agency seals with its token, the leader signs with theirs; both have their images."""
    pki_services.agency_token_register(admin=admin_member, token_label=softhsm_settings.agency.label,
                                       key_label=softhsm_settings.agency.key_label)
    pki_services.personal_token_register(user=leader.user, token_label=softhsm_settings.person.label,
                                         key_label=softhsm_settings.person.key_label, pin=softhsm_settings.person.pin)
    pki_services.signature_image_set(user=leader.user, png_bytes=png((20, 40, 200, 255)))
    pki_services.seal_image_set(admin=admin_member, png_bytes=png((210, 20, 30, 255), (300, 300), ellipse=True),
                                diameter_mm=36)
    return softhsm_settings


def test_the_leader_signs_on_their_token_and_the_clerk_seals_on_the_agencys(
        on_tokens, agency, specialist, leader, clerk, portal_agency, tmp_path, django_capture_on_commit_callbacks):
    draft = make_draft(specialist, leader, to_agency(portal_agency), attachments=[pdf_upload("phu-luc.pdf")])
    services.outgoing_submit(membership=specialist, outgoing=draft)
    outgoing = services.outgoing_approve(membership=leader, outgoing=draft, pin=on_tokens.person.pin)
    assert outgoing.status == S.APPROVED and outgoing.signer_certificate.store == KeyStore.PKCS11
    assert agency.certificates.get(is_active=True).store == KeyStore.PKCS11
    with django_capture_on_commit_callbacks(execute=True):
        outgoing = services.outgoing_issue(membership=clerk, outgoing=outgoing)
    issued = assert_issued_with_both_signatures(outgoing, tmp_path, person_name="Nguyễn Văn Khóa",
                                                agency_name="Bộ Nội vụ")
    assert b"/Subtype /Image" in issued or b"/Subtype/Image" in issued  # the signature and seal images
    attachment = read(outgoing.files.get(kind="attachment").signed)
    [stamp] = signatures_of(attachment).values()
    assert stamp.signing_cert.subject.native["common_name"] == "Bộ Nội vụ" and stamp.valid and stamp.trusted


def test_a_wrong_token_pin_leaves_the_draft_submitted(on_tokens, specialist, leader, portal_agency):
    draft = make_draft(specialist, leader, to_agency(portal_agency))
    services.outgoing_submit(membership=specialist, outgoing=draft)
    with pytest.raises(ValidationError) as caught:
        services.outgoing_approve(membership=leader, outgoing=draft, pin=on_tokens.person.wrong_pin)
    assert "PIN" in " ".join(caught.value.messages)
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED and not draft.files.get(kind="main").approved

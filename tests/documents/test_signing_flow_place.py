"""The signer's block on the draft (authority prefix and title) and the signer's place, marked on page images
that poppler renders on the server (issue 11, docs/signatures.md "Places on the page")."""

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from documents import previews
from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import make_draft, pdf_upload, to_agency

pytestmark = pytest.mark.django_db
A4_WIDTH, A4_HEIGHT = 595.28, 841.89


@pytest.fixture
def draft(specialist, leader, other_agency):
    return make_draft(specialist, leader, to_agency(other_agency), pages=2)


def edit(client, draft, **changes):
    data = {"doc_type": draft.doc_type, "summary": draft.summary, "drafting_unit": draft.drafting_unit_id,
            "signer": draft.signer_id, "archive_copies": 2, "signer_authority": "", "signer_position": ""}
    return client.post(f"/outgoing/{draft.pk}/edit/", {**data, **changes})


def test_the_draft_form_keeps_the_signer_block_and_the_page_prints_it(client_for, draft, specialist, agency, unit):
    deputy = factories.make_member(agency, "leader", unit=unit, position="Thứ trưởng")
    response = edit(client_for(specialist), draft, signer=deputy.pk, signer_authority="KT",
                    signer_position="Bộ trưởng")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.signer, draft.signer_authority, draft.signer_position) == (deputy, "KT", "Bộ trưởng")
    page = client_for(specialist).get(f"/outgoing/{draft.pk}/")
    block = page.context["signer_block"]  # as typed, shown in capitals by style
    assert (block.authority, block.authority_of, block.position) == ("KT", "Bộ trưởng", "Thứ trưởng")
    printed = services.signer_block(draft)
    assert (printed.authority_of, printed.position, printed.name) == ("BỘ TRƯỞNG", "THỨ TRƯỞNG", deputy.user.full_name)


def test_a_prefix_needs_the_title_signed_for(client_for, draft, specialist):
    response = edit(client_for(specialist), draft, signer_authority="TL", signer_position="  ")
    assert response.status_code == 200
    assert "CHỦ TỊCH" in str(response.context["form"].errors["signer_position"])
    draft.refresh_from_db()
    assert draft.signer_authority == ""


def test_a_deputy_signs_for_the_head_with_a_prefix(specialist, agency, unit, other_agency):
    deputy = factories.make_member(agency, "leader", unit=unit, position="Phó Chủ tịch")
    with pytest.raises(ValidationError) as caught:
        make_draft(specialist, deputy, to_agency(other_agency))
    assert "KT." in str(caught.value.message_dict["signer_authority"])
    draft = services.outgoing_create(
        membership=specialist, main_file=pdf_upload(), summary="V/v thử", drafting_unit=specialist.unit,
        signer=deputy, signer_authority="KT", signer_position="Chủ tịch")
    assert services.signer_block(draft).position == "PHÓ CHỦ TỊCH"


def test_q_prints_the_title_alone(specialist, leader, other_agency):
    draft = make_draft(specialist, leader, to_agency(other_agency))
    draft.signer_authority, draft.signer_position = "Q", "Bộ trưởng"
    block = services.signer_block(draft)
    assert (block.authority, block.authority_of, block.position) == ("Q", "BỘ TRƯỞNG", "")


def test_page_images_are_rendered_once_per_file_and_served_only_to_who_may_see_the_draft(
        client_for, draft, specialist, leader, other_agency):
    client = client_for(specialist)
    response = client.get(f"/outgoing/{draft.pk}/pages/1.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    main = draft.files.get(kind="main")
    sha256 = hashlib.sha256(main.draft.read()).hexdigest()
    cached = Path(settings.VAR_DIR) / "cache" / "previews" / sha256[:2] / sha256 / f"page-1-{previews.PREVIEW_WIDTH}.png"
    assert cached.read_bytes() == response.content
    cached.write_bytes(b"\x89PNG cached")  # a second request reads the cache, poppler is not run again
    assert client.get(f"/outgoing/{draft.pk}/pages/1.png").content == b"\x89PNG cached"
    assert client.get(f"/outgoing/{draft.pk}/pages/2.png").status_code == 404  # the draft has two pages
    outsider = factories.make_member(other_agency, "clerk", "leader", "specialist")
    assert client_for(outsider).get(f"/outgoing/{draft.pk}/pages/0.png").status_code == 404
    assert client_for(outsider).get(f"/outgoing/{draft.pk}/place/").status_code == 404


def test_the_preview_draws_the_default_place_the_seal_and_the_qr_code(client_for, draft, specialist):
    response = client_for(specialist).get(f"/outgoing/{draft.pk}/place/")
    assert response.status_code == 200
    html = response.content.decode()
    # The default place is on the last page, in the right column; the seal overlaps it on the left.
    assert response.context["page"].index == 1 and response.context["form"]["page"].value() == 1
    kinds = {box["kind"]: box["box"] for box in response.context["overlays"]}
    assert set(kinds) == {"signer", "seal"}
    assert kinds["seal"]["left"] < kinds["signer"]["left"] < kinds["seal"]["left"] + kinds["seal"]["width"]
    assert 'data-testid="box-signer"' in html and 'type="image"' in html
    first = client_for(specialist).get(f"/outgoing/{draft.pk}/place/?page=0")
    assert {box["kind"] for box in first.context["overlays"]} == {"qr", "number", "date"}


def test_a_click_on_the_page_image_sets_the_signers_place(client_for, draft, specialist):
    response = client_for(specialist).post(f"/outgoing/{draft.pk}/place/",
                                           {"page": 0, "place.x": 310, "place.y": 200})
    assert response.status_code == 302
    draft.refresh_from_db()
    scale = A4_WIDTH / previews.PREVIEW_WIDTH
    place = draft.signature_places["signer"]
    assert place["page"] == 0
    assert place["x"] == pytest.approx(310 * scale, abs=0.2)
    assert place["y"] == pytest.approx(A4_HEIGHT - 200 * scale, abs=0.2)
    assert draft.events.last().comment == "Vị trí chữ ký: trang 1"
    # The preview now draws the signer where the click was.
    page = client_for(specialist).get(f"/outgoing/{draft.pk}/place/?page=0")
    signer = next(box["box"] for box in page.context["overlays"] if box["kind"] == "signer")
    assert signer["left"] + signer["width"] / 2 == pytest.approx(100 * 310 / previews.PREVIEW_WIDTH, abs=0.1)


def test_the_keyboard_sets_the_place_and_the_default_comes_back(client_for, draft, specialist):
    client = client_for(specialist)
    assert client.post(f"/outgoing/{draft.pk}/place/", {"page": 0, "position": "left-low"}).status_code == 302
    draft.refresh_from_db()
    assert draft.signature_places["signer"] == {"page": 0, "x": pytest.approx(0.28 * A4_WIDTH, abs=0.1),
                                                "y": pytest.approx(65 * 72 / 25.4, abs=0.1)}
    client.post(f"/outgoing/{draft.pk}/place/", {"page": 0, "reset": "1"})
    draft.refresh_from_db()
    assert "signer" not in draft.signature_places


def test_nobody_moves_the_place_once_the_draft_is_submitted(client_for, draft, specialist, leader):
    services.outgoing_submit(membership=specialist, outgoing=draft)
    for member in (specialist, leader):
        response = client_for(member).post(f"/outgoing/{draft.pk}/place/", {"page": 0, "position": "left-low"})
        assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.signature_places == {}
    # The signer still sees where they will sign.
    assert client_for(leader).get(f"/outgoing/{draft.pk}/place/").status_code == 200


def test_page_images_nobody_looked_at_for_a_week_are_purged(client_for, draft, specialist):
    import os
    import time

    from documents.tasks import page_previews_purge

    client_for(specialist).get(f"/outgoing/{draft.pk}/pages/0.png")
    sha256 = hashlib.sha256(draft.files.get(kind="main").draft.read()).hexdigest()
    directory = Path(settings.VAR_DIR) / "cache" / "previews" / sha256[:2] / sha256
    page_previews_purge.delay().get()
    assert directory.exists()  # used just now
    week_ago = time.time() - 8 * 86400
    os.utime(directory, (week_ago, week_ago))
    assert page_previews_purge.delay().get() >= 1 and not directory.exists()
    assert client_for(specialist).get(f"/outgoing/{draft.pk}/pages/0.png").status_code == 200  # made again

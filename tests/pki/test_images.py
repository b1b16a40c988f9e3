"""Signature and seal images: only transparent PNGs of sane size, judged by their bytes; ink colour warned about;
only the agency's admin changes the seal; the demo makes a blue signature and a red round seal."""

from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from PIL import Image

from pki import demo_images, keystores, selectors, services
from pki.models import PersonalCertificate, SealImage, SignatureImage
from tests import factories


def png(colour=(20, 50, 170, 255), *, size=(300, 120), mode="RGBA", transparent=True, fmt="PNG"):
    image = Image.new(mode, size, (0, 0, 0, 0) if transparent and mode == "RGBA" else (255, 255, 255))
    for x in range(20, size[0] - 20):
        for y in range(size[1] // 2 - 4, size[1] // 2 + 4):
            image.putpixel((x, y), colour if mode == "RGBA" else colour[:3])
    buffer = BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_blue_transparent_png_becomes_the_persons_signature_without_warning(leader):
    record, warnings = services.signature_image_set(user=leader.user, png_bytes=png())
    assert warnings == []
    assert record.image.read() == png()
    assert selectors.signature_image_of(leader.user) == record


@pytest.mark.django_db
def test_a_new_signature_replaces_the_old_one_and_its_file(leader, django_capture_on_commit_callbacks):
    first, _ = services.signature_image_set(user=leader.user, png_bytes=png())
    storage, old_name = first.image.storage, first.image.name
    with django_capture_on_commit_callbacks(execute=True):
        second, _ = services.signature_image_set(user=leader.user, png_bytes=png((10, 20, 200, 255)))
    assert SignatureImage.objects.filter(user=leader.user).count() == 1
    assert second.image.name != old_name and not storage.exists(old_name)


@pytest.mark.django_db
def test_a_black_signature_is_kept_with_a_warning(leader):
    _record, warnings = services.signature_image_set(user=leader.user, png_bytes=png((0, 0, 0, 255)))
    assert "màu xanh" in str(warnings[0])


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "code"), [
    (png(fmt="JPEG", mode="RGB"), "not_png"),
    (b"%PDF-1.7 pretending", "not_png"),
    (png(mode="RGB"), "no_alpha"),
    (png(transparent=False), "opaque"),
    (png(size=(2400, 100)), "bad_size"),
    (png(size=(30, 30)), "bad_size"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "broken"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024), "too_large"),
])
def test_anything_but_a_sane_transparent_png_is_refused(leader, data, code):
    with pytest.raises(ValidationError) as refused:
        services.signature_image_set(user=leader.user, png_bytes=data)
    assert refused.value.code == code
    assert not SignatureImage.objects.exists()


@pytest.mark.django_db
def test_the_admin_sets_a_red_seal_with_its_diameter(admin_member):
    record, warnings = services.seal_image_set(
        admin=admin_member, png_bytes=demo_images.seal_png(admin_member.agency.name), diameter_mm=36
    )
    assert warnings == []
    assert (record.agency, record.diameter_mm, record.uploaded_by) == (admin_member.agency, 36, admin_member.user)


@pytest.mark.django_db
def test_a_blue_seal_is_warned_about_and_a_silly_diameter_refused(admin_member):
    _record, warnings = services.seal_image_set(admin=admin_member, png_bytes=png(size=(200, 200)), diameter_mm=40)
    assert "màu đỏ" in str(warnings[0])
    with pytest.raises(ValidationError):
        services.seal_image_set(admin=admin_member, png_bytes=png(size=(200, 200)), diameter_mm=200)


@pytest.mark.django_db
def test_only_the_agency_admin_changes_the_seal(leader, clerk):
    for member in (leader, clerk):
        with pytest.raises(PermissionDenied):
            services.seal_image_set(admin=member, png_bytes=demo_images.seal_png("X"), diameter_mm=36)
    assert not SealImage.objects.exists()


def test_demo_images_are_transparent_and_of_the_right_ink():
    signature = Image.open(BytesIO(demo_images.signature_png("Trần Thị Bình")))
    seal = Image.open(BytesIO(demo_images.seal_png("Bộ Nội vụ")))
    for image in (signature, seal):
        assert image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 0
    r, g, b = services.ink_colour(signature)
    assert b > 2 * r
    r, g, b = services.ink_colour(seal)
    assert r > 3 * g and r > 3 * b
    assert seal.width == seal.height


@pytest.mark.django_db
def test_pki_demo_gives_each_leader_a_certificate_with_the_demo_pin_and_images_once(agency, other_agency, unit):
    leader = factories.make_member(agency, "leader", user=factories.make_user("lanhdao@moha.gov.vn"), unit=unit)
    clerk = factories.make_member(agency, "clerk", user=factories.make_user("vanthu@moha.gov.vn"), unit=unit)

    call_command("pki_demo", verbosity=0)
    call_command("pki_demo", verbosity=0)

    [certificate] = PersonalCertificate.objects.filter(user=leader.user)
    assert keystores.personal_signer(certificate, "246810") is not None
    assert not PersonalCertificate.objects.filter(user=clerk.user).exists()
    assert SignatureImage.objects.filter(user=leader.user).count() == 1
    assert set(SealImage.objects.values_list("agency", flat=True)) == {agency.pk, other_agency.pk}

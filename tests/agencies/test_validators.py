"""Agency codes follow QCVN 102; official addresses must sit on the official domain (Directive 34)."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Membership
from agencies.models import Agency, Unit
from agencies.validators import validate_agency_code
from core.validators import validate_official_email
from tests import factories

OFFICIAL_RULE = "không phải địa chỉ thư điện tử công vụ"


@pytest.mark.parametrize("code", ["000.00.00.G22", "000.00.00.H41", "000.00.18.G12", "999.99.99.Z99"])
def test_agency_code_in_the_national_format_is_accepted(code):
    validate_agency_code(code)


@pytest.mark.parametrize("code", [
    "", "000.00.00.g22", "000.00.00.G2", "000.00.00.G222", "00.00.00.G22", "000.000.00.G2", "000-00-00-G22",
    "000.00.00.22G", "000.00.00.GG2", "000 00 00 G22", " 000.00.00.G22", "000.00.00.G22 ", "000.00.00.G22\n",
    "000.00.00.Đ22", "０００.00.00.G22",
])
def test_agency_code_not_in_the_national_format_is_refused(code):
    with pytest.raises(ValidationError) as error:
        validate_agency_code(code)
    assert "000.00.00.G22" in error.value.messages[0]


def test_agency_with_a_bad_code_does_not_pass_model_validation(db):
    agency = Agency(code="G22", name="Văn phòng Chính phủ", short_name="VPCP", official_email="vp@chinhphu.gov.vn")
    with pytest.raises(ValidationError) as error:
        agency.full_clean()
    assert list(error.value.error_dict) == ["code"]


@pytest.mark.parametrize("email", ["vanphong@gov.vn", "vanphong@moha.gov.vn", "vp@stttt.kontum.gov.vn", "VP@MOHA.GOV.VN"])
def test_address_on_gov_vn_or_a_subdomain_is_official(email):
    validate_official_email(email)


@pytest.mark.parametrize("email", [
    "nguyenvanan@gmail.com", "bonoivu@yahoo.com.vn", "vanphong@evilgov.vn", "vanphong@moha-gov.vn",
    "vanphong@gov.vn.evil.com", "vanphong@govvn.com", "vanphong@moha.gov.vn.com",
])
def test_free_webmail_and_look_alike_domains_are_refused_with_a_clear_message(email):
    with pytest.raises(ValidationError) as error:
        validate_official_email(email)
    message = error.value.messages[0]
    assert email in message and OFFICIAL_RULE in message and "gov.vn" in message


def test_membership_official_email_must_be_official(agency):
    membership = Membership(
        user=factories.make_user("an.nguyen@gmail.com"), agency=agency, is_specialist=True,
        official_email="an.nguyen@gmail.com",
    )
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert OFFICIAL_RULE in error.value.message_dict["official_email"][0]
    membership.official_email = "an.nguyen@moha.gov.vn"
    membership.full_clean()


def test_agency_official_email_must_be_official(db):
    agency = Agency(code="000.00.00.G09", name="Bộ Nội vụ", short_name="BNV", official_email="bonoivu@evilgov.vn")
    with pytest.raises(ValidationError) as error:
        agency.full_clean()
    assert OFFICIAL_RULE in error.value.message_dict["official_email"][0]
    agency.official_email = "vanphong@moha.gov.vn"
    agency.full_clean()


def test_unit_official_email_must_be_official_but_may_be_empty(agency):
    Unit(agency=agency, name="Văn phòng Bộ", abbreviation="VP", official_email="").full_clean()
    with pytest.raises(ValidationError):
        Unit(agency=agency, name="Văn phòng Bộ", abbreviation="VP", official_email="vp@gmail.com").full_clean()


def test_official_email_domains_setting_changes_the_rule(settings):
    settings.OFFICIAL_EMAIL_DOMAINS = ["chinhphu.vn", "dangcongsan.vn"]
    validate_official_email("vanphong@chinhphu.vn")
    validate_official_email("banbientap@tw.dangcongsan.vn")
    with pytest.raises(ValidationError) as error:
        validate_official_email("vanphong@moha.gov.vn")
    assert "chinhphu.vn, dangcongsan.vn" in error.value.messages[0]


def test_personal_login_address_is_allowed_for_login(client, agency):
    member = factories.make_member(
        agency, "specialist", user=factories.make_user("an.nguyen@gmail.com"), official_email="an.nguyen@moha.gov.vn"
    )
    member.full_clean()
    response = client.post("/accounts/login/", {"login": "an.nguyen@gmail.com", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/dashboard/").wsgi_request.user == member.user


def test_fold_drops_accents_case_and_punctuation_but_keeps_codes_and_addresses():
    from core.text import fold

    assert fold("Phòng Khoa giáo – Văn xã") == "phong khoa giao van xa"
    assert fold("TP. Hồ Chí Minh; Bưu chính, Viễn thông") == "tp ho chi minh buu chinh vien thong"
    assert fold("000.00.00.G22 vanphong@moha.gov.vn") == "000.00.00.g22 vanphong@moha.gov.vn"
    assert fold("Sở KH&ĐT") == "so kh&dt"

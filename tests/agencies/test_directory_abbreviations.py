"""Issue 12: the directory search understands what the “Nơi nhận” paste understands (“tt&tt”, “UBND”)."""

import pytest

from agencies.selectors import directory_search
from tests import factories


@pytest.fixture
def agencies(db):
    kontum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", short_name="UBND")
    stttt = factories.make_agency("Sở Thông tin và Truyền thông tỉnh Kon Tum", code="000.01.00.H34",
                                  short_name="STTTT", parent=kontum)
    health = factories.make_agency("Sở Y tế tỉnh Kon Tum", code="000.02.00.H34", short_name="SYT", parent=kontum)
    factories.make_unit(health, "Phòng Kế hoạch và Đầu tư", "KHĐT")
    return kontum, stttt, health


def names(query):
    return {node.agency.name for node in directory_search(query).entries}


@pytest.mark.parametrize("query", ["tt&tt", "TT&TT", "Sở TT&TT", "sở tt&tt tỉnh kon tum"])
def test_directory_search_expands_tt_and_tt(agencies, query):
    assert names(query) == {"Sở Thông tin và Truyền thông tỉnh Kon Tum"}


def test_directory_search_expands_ubnd_and_unit_abbreviations(agencies):
    # The departments below come with their province, as for the name written out.
    assert names("UBND tỉnh Kon Tum") == names("uy ban nhan dan tinh kon tum") == {
        "Ủy ban nhân dân tỉnh Kon Tum", "Sở Thông tin và Truyền thông tỉnh Kon Tum", "Sở Y tế tỉnh Kon Tum"}
    assert names("kh&đt") == {"Sở Y tế tỉnh Kon Tum"}  # through its unit
    # An abbreviation finds only what it stands for.
    assert names("gd&dt") == set()
    assert names("tt&tt y te") == set()


def test_abbreviations_in_stored_names_match_the_written_out_query(db):
    factories.make_agency("Sở TT&TT tỉnh Gia Lai", code="000.01.00.H21", short_name="STTTT")
    assert names("thong tin va truyen thong tinh gia lai") == {"Sở TT&TT tỉnh Gia Lai"}


def test_the_public_page_searches_the_same_way(client, agencies):
    html = client.get("/directory/", {"q": "Sở TT&TT"}).content.decode()
    assert "Sở Thông tin và Truyền thông tỉnh Kon Tum" in html
    assert "Sở Y tế tỉnh Kon Tum" not in html.split("Tìm thấy", 1)[-1]

"""The public directory of official addresses (Directive 34): a tree, searchable without diacritics."""

from html.parser import HTMLParser

import pytest

from tests import factories


class DirectoryTree(HTMLParser):
    """Maps each agency code on the page to the codes of the agencies it is nested under."""

    def __init__(self, html):
        super().__init__()
        self.open_items, self.ancestors = [], {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "li":
            self.open_items.append("directory-agency" in (attrs.get("class") or "") and [None])
        elif "data-agency-code" in attrs:
            self.open_items[-1][0] = attrs["data-agency-code"]
            self.ancestors[attrs["data-agency-code"]] = [item[0] for item in self.open_items[:-1] if item]

    def handle_endtag(self, tag):
        if tag == "li":
            self.open_items.pop()


@pytest.fixture
def directory(db):
    """Kon Tum with a department under it, Hà Tĩnh, Đà Nẵng, and officials public and not."""
    kon_tum = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")
    department = factories.make_agency(
        "Sở Thông tin và Truyền thông tỉnh Kon Tum", short_name="STTTT", code="000.00.15.H34",
        parent=kon_tum, domain="stttt.kontum.gov.vn",
    )
    ha_tinh = factories.make_agency("Ủy ban nhân dân tỉnh Hà Tĩnh", code="000.00.00.H42", domain="hatinh.gov.vn")
    da_nang = factories.make_agency("Ủy ban nhân dân thành phố Đà Nẵng", code="000.00.00.H17", domain="danang.gov.vn")
    office = factories.make_unit(kon_tum, "Văn phòng UBND tỉnh", "VP", official_email="vp@kontum.gov.vn")
    factories.make_unit(department, "Phòng Bưu chính, Viễn thông", "BCVT", official_email="bcvt@stttt.kontum.gov.vn")
    factories.make_unit(ha_tinh, "Phòng Khoa giáo – Văn xã", "KGVX")
    factories.make_unit(ha_tinh, "Phòng đã giải thể", "GT", is_active=False)
    public = factories.make_member(
        kon_tum, "leader", user=factories.make_user("chutich.kontum@gmail.com", full_name="Nguyễn Văn Đức"),
        unit=office, position="Chủ tịch", official_email="chutich@kontum.gov.vn", is_public=True,
    )
    hidden = factories.make_member(
        kon_tum, "clerk", user=factories.make_user("vanthu.kontum@yahoo.com", full_name="Trần Thị Ẩn"),
        position="Văn thư", official_email="vanthu@kontum.gov.vn", is_public=False,
    )
    retired = factories.make_member(
        da_nang, "leader", user=factories.make_user(full_name="Lê Văn Hưu"),
        position="Nguyên Chủ tịch", official_email="huu@danang.gov.vn", is_public=True, is_active=False,
    )
    return {"kon_tum": kon_tum, "department": department, "ha_tinh": ha_tinh, "da_nang": da_nang,
            "public": public, "hidden": hidden, "retired": retired}


def names_found(client, query):
    response = client.get("/directory/", {"q": query})
    assert response.status_code == 200
    return {node.agency.name for node in response.context["entries"]}


def test_directory_is_open_without_login_and_nests_child_agencies_under_their_parent(client, directory):
    response = client.get("/directory/")
    assert response.status_code == 200
    tree = DirectoryTree(response.content.decode())
    assert tree.ancestors["000.00.15.H34"] == ["000.00.00.H34"]
    assert tree.ancestors["000.00.00.H34"] == [] and tree.ancestors["000.00.00.H42"] == []


def test_directory_shows_agencies_and_active_units_with_their_official_addresses(client, directory):
    html = client.get("/directory/").content.decode()
    for text in ["Ủy ban nhân dân tỉnh Kon Tum", "vanphong@kontum.gov.vn", "Văn phòng UBND tỉnh (VP)",
                 "vp@kontum.gov.vn", "Phòng Bưu chính, Viễn thông", "Phòng Khoa giáo – Văn xã"]:
        assert text in html, text
    assert "Phòng đã giải thể" not in html


def test_directory_shows_only_public_active_officials_and_only_their_official_address(client, directory):
    html = client.get("/directory/").content.decode()
    assert "Nguyễn Văn Đức" in html and "chutich@kontum.gov.vn" in html and "Chủ tịch" in html
    assert "chutich.kontum@gmail.com" not in html  # the personal login address is never published
    assert "Trần Thị Ẩn" not in html and "vanthu@kontum.gov.vn" not in html
    assert "Lê Văn Hưu" not in html and "huu@danang.gov.vn" not in html


def test_public_official_without_an_official_address_is_not_listed(client, directory, agency):
    factories.make_member(
        agency, "specialist", user=factories.make_user("ca.nhan@gmail.com", full_name="Đinh Văn Riêng"),
        official_email="", is_public=True,
    )
    html = client.get("/directory/").content.decode()
    assert "Đinh Văn Riêng" not in html and "ca.nhan@gmail.com" not in html


@pytest.mark.parametrize("query", ["ha tinh", "HA TINH", "Hà Tĩnh", "hà tĩnh", "  ha   tinh "])
def test_search_ignores_diacritics_case_and_spacing(client, directory, query):
    assert names_found(client, query) == {"Ủy ban nhân dân tỉnh Hà Tĩnh"}


@pytest.mark.parametrize("query", ["kon tum", "KON TUM", "Kon Tum"])
def test_search_for_kon_tum_finds_the_province_and_its_department(client, directory, query):
    assert names_found(client, query) == {"Ủy ban nhân dân tỉnh Kon Tum", "Sở Thông tin và Truyền thông tỉnh Kon Tum"}


@pytest.mark.parametrize("query", ["đà nẵng", "da nang", "ĐÀ NẴNG", "Da Nang"])
def test_search_treats_d_with_stroke_as_d(client, directory, query):
    assert names_found(client, query) == {"Ủy ban nhân dân thành phố Đà Nẵng"}


def test_search_by_unit_name_finds_its_agency(client, directory):
    assert names_found(client, "khoa giao") == {"Ủy ban nhân dân tỉnh Hà Tĩnh"}
    assert names_found(client, "buu chinh") == {"Sở Thông tin và Truyền thông tỉnh Kon Tum"}


def test_search_ignores_punctuation_between_words(client, directory):
    assert names_found(client, "khoa giao van xa") == {"Ủy ban nhân dân tỉnh Hà Tĩnh"}
    assert names_found(client, "buu chinh vien thong") == {"Sở Thông tin và Truyền thông tỉnh Kon Tum"}


def test_search_by_public_officials_name_finds_their_agency_but_hidden_officials_stay_hidden(client, directory):
    assert names_found(client, "nguyen van duc") == {"Ủy ban nhân dân tỉnh Kon Tum"}
    assert names_found(client, "tran thi an") == set()
    assert names_found(client, "le van huu") == set()


def test_search_results_show_the_agencies_above_and_a_count(client, directory):
    response = client.get("/directory/", {"q": "so thong tin"})
    html = response.content.decode()
    assert "Tìm thấy 1 cơ quan khớp với “so thong tin”." in html
    assert "Ủy ban nhân dân tỉnh Kon Tum" in html  # the path above the department


def test_search_without_a_match_says_so(client, directory):
    assert "Không tìm thấy cơ quan nào." in client.get("/directory/", {"q": "cà mau"}).content.decode()


def test_inactive_agencies_are_left_out(client, directory):
    directory["ha_tinh"].is_active = False
    directory["ha_tinh"].save()
    assert "Ủy ban nhân dân tỉnh Hà Tĩnh" not in client.get("/directory/").content.decode()

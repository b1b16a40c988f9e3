"""The directory exported as CSV for Excel and as vCards for address books."""

import csv
import io

import pytest
import vobject

from tests import factories


@pytest.fixture
def entries(db):
    kon_tum = factories.make_agency(
        "Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn",
        phone="0260 3862 345", website="https://kontum.gov.vn", address="Số 1 Trần Hưng Đạo, TP Kon Tum",
    )
    department = factories.make_agency(
        "Sở Thông tin và Truyền thông tỉnh Kon Tum", short_name="STTTT", code="000.00.15.H34", parent=kon_tum,
        domain="stttt.kontum.gov.vn",
    )
    office = factories.make_unit(kon_tum, "Văn phòng UBND tỉnh", "VP", official_email="vp@kontum.gov.vn")
    factories.make_member(
        kon_tum, "leader", user=factories.make_user("duc.nguyen@gmail.com", full_name="Nguyễn Văn Đức"),
        unit=office, position="Chủ tịch", official_email="chutich@kontum.gov.vn", is_public=True,
    )
    factories.make_member(
        department, "clerk", user=factories.make_user(full_name="Trần Thị Ẩn"),
        official_email="vanthu@stttt.kontum.gov.vn", is_public=False,
    )
    return kon_tum, department


def test_csv_export_opens_in_excel_with_a_header_and_a_row_per_entry(client, entries):
    response = client.get("/directory/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    content = response.getvalue()  # streamed: read once
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM makes Excel read UTF-8

    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Mã định danh", "Cơ quan"] and "Thư điện tử chính thức" in rows[0]
    body = rows[1:]
    assert len(body) == 4  # two agencies, one unit, one public official
    email = rows[0].index("Thư điện tử chính thức")
    assert {row[email] for row in body} == {
        "vanphong@kontum.gov.vn", "vanphong@stttt.kontum.gov.vn", "vp@kontum.gov.vn", "chutich@kontum.gov.vn"
    }
    official = next(row for row in body if row[email] == "chutich@kontum.gov.vn")
    assert official[:6] == ["000.00.00.H34", "Ủy ban nhân dân tỉnh Kon Tum", "", "Văn phòng UBND tỉnh",
                            "Nguyễn Văn Đức", "Chủ tịch"]
    department = next(row for row in body if row[0] == "000.00.15.H34")
    assert department[1:3] == ["Sở Thông tin và Truyền thông tỉnh Kon Tum", "Ủy ban nhân dân tỉnh Kon Tum"]
    text = content.decode("utf-8-sig")
    assert "Trần Thị Ẩn" not in text and "duc.nguyen@gmail.com" not in text


def test_csv_export_follows_the_search(client, entries):
    rows = list(csv.reader(io.StringIO(client.get("/directory/export.csv", {"q": "so thong tin"}).getvalue().decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["000.00.15.H34"]


def test_vcard_export_parses_into_cards_with_name_organisation_and_email(client, entries):
    response = client.get("/directory/export.vcf")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    content = response.getvalue().decode("utf-8")
    cards = list(vobject.readComponents(content))
    assert len(cards) == 4
    by_email = {card.email.value: card for card in cards}
    assert set(by_email) == {
        "vanphong@kontum.gov.vn", "vanphong@stttt.kontum.gov.vn", "vp@kontum.gov.vn", "chutich@kontum.gov.vn"
    }
    for card in cards:
        assert card.fn.value and card.org.value

    leader = by_email["chutich@kontum.gov.vn"]
    assert leader.fn.value == "Nguyễn Văn Đức" and leader.title.value == "Chủ tịch"
    assert leader.org.value == ["Ủy ban nhân dân tỉnh Kon Tum", "Văn phòng UBND tỉnh"]
    assert leader.n.value.family == "Nguyễn Văn" and leader.n.value.given == "Đức"
    agency = by_email["vanphong@kontum.gov.vn"]
    assert agency.fn.value == "Ủy ban nhân dân tỉnh Kon Tum"
    assert agency.tel.value == "0260 3862 345" and agency.url.value == "https://kontum.gov.vn"
    assert by_email["vp@kontum.gov.vn"].org.value == ["Ủy ban nhân dân tỉnh Kon Tum", "Văn phòng UBND tỉnh"]
    assert "Trần Thị Ẩn" not in content


def tree_names():
    """A small tree (two roots, children out of name order) and the agencies of its whole export, in order."""
    from agencies.selectors import directory_flat

    root_b = factories.make_agency("Ủy ban nhân dân tỉnh Bình Định", code="000.00.00.H08")
    root_a = factories.make_agency("Bộ Nội vụ", code="000.00.00.G09")
    for name, code, parent in (("Sở Y tế Bình Định", "000.00.20.H08", root_b),
                               ("Sở Nội vụ Bình Định", "000.00.10.H08", root_b),
                               ("Vụ Pháp chế", "000.00.02.G09", root_a), ("Cục Văn thư", "000.00.01.G09", root_a)):
        factories.make_agency(name, code=code, parent=parent)
    return list(dict.fromkeys(node.agency.name for node, _unit, _official in directory_flat("")))


SQLITE_SCRIPT = """
import json, sys
from django.db import transaction
from tests.agencies.test_exports import tree_names
with transaction.atomic():
    names = tree_names()
    transaction.set_rollback(True)
sys.stdout.write("NAMES" + json.dumps(names))
"""


@pytest.mark.django_db
def test_the_whole_export_on_sqlite_lists_the_tree_in_postgresql_s_order(sqlite_env):
    """make run's SQLite has no row values for the tree's sort key: the export orders its agencies in Python."""
    import json
    import os
    import subprocess
    import sys

    from django.db import connection

    assert connection.vendor == "postgresql"
    expected = tree_names()
    assert expected[:3] == ["Bộ Nội vụ", "Cục Văn thư", "Vụ Pháp chế"]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    manage = [sys.executable, os.path.join(root, "manage.py")]
    shell = subprocess.run([*manage, "shell", "-c", SQLITE_SCRIPT], cwd=root, env=sqlite_env, check=True, timeout=300,
                           capture_output=True, text=True)
    assert json.loads(shell.stdout.split("NAMES", 1)[1]) == expected

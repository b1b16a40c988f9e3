"""The six-monthly report counts exchanges with other installations (liên thông) and the recalls, updates and
replacements of issued documents; rows made directly over the small province of tests/reports/data.py."""

import io
import json
import re
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from openpyxl import load_workbook

from documents.models import Delivery
from reports.exchange_figures import RevisionFigures, revision_figures
from reports.figures import usage_report
from reports.models import FactMonth
from reports.periods import half_year
from reports.selectors import traffic_list
from tests.reports import data

pytestmark = pytest.mark.django_db
H1 = half_year(2026, 1)
ROOT = Path(__file__).resolve().parents[2]
SENT = Delivery.Status.SENT


def report(province, *agencies, **kwargs):
    ids = [a.pk for a in agencies] if agencies else province["p"].descendant_ids()
    return usage_report(ids, H1, today=data.TODAY, **kwargs)


def test_exchanges_with_other_installations_are_counted_in_the_period(province, exchange):
    result = report(province)
    now, before = result.current, result.previous
    # o10's two deliveries and o11's; not o12's (H2 2025) nor the other province's o13.
    assert (now.peer_deliveries, now.peer_delivered) == (3, 2)
    assert now.peer_success_rate == pytest.approx(200 / 3)
    assert now.received_peer == 2  # i10, i11; not i12 (2025) nor i13 (another province)
    assert (before.peer_deliveries, before.peer_delivered, before.received_peer) == (1, 1, 1)
    # A delivery to another installation is electronic: the province's 7 deliveries, 6 sent, become 10 and 8.
    assert (now.issued, now.electronic, now.deliveries, now.delivered) == (7, 6, 10, 8)
    assert (now.received, now.received_electronic) == (7, 6)


def test_revisions_count_by_kind_once_sent_and_in_the_period_they_were_asked_for(province, exchange):
    result = report(province)
    assert result.revisions == RevisionFigures(recalls=1, updates=1, replacements=1)
    assert result.revisions_previous == RevisionFigures(recalls=1)
    assert result.revisions.total == 3
    # The child alone: its replaced o4.
    assert report(province, province["c"]).revisions == RevisionFigures(replacements=1)
    assert revision_figures([province["other"].pk], H1, H1.previous())[0] == RevisionFigures(recalls=1)


def test_only_the_agencies_in_scope_count(province, exchange):
    child = report(province, province["c"]).current
    assert (child.peer_deliveries, child.peer_delivered, child.received_peer) == (1, 1, 1)
    other = report(province, province["other"]).current
    assert (other.peer_deliveries, other.received_peer) == (1, 1)


def test_month_facts_and_counting_from_the_documents_agree(province, exchange):
    with_facts, without = report(province), report(province, use_month_facts=False)
    assert with_facts.current == without.current and with_facts.previous == without.previous
    for name in ("months", "by_agency", "by_unit", "by_type"):
        assert getattr(with_facts, name) == getattr(without, name), name


def test_a_peer_delivery_that_is_sent_at_last_is_counted_by_the_next_report(province, exchange):
    assert report(province).current.peer_delivered == 2
    february = FactMonth.objects.get(agency=province["p"], month=data.at(2026, 2, 1).date())
    assert not february.stale
    Delivery.objects.filter(outgoing=exchange["o10"], agency=exchange["y"]).update(status=SENT)
    february.refresh_from_db()
    assert february.stale  # the trigger saw the delivery become sent
    now = report(province).current
    assert (now.peer_delivered, now.peer_success_rate) == (3, 100.0)
    assert now == report(province, use_month_facts=False).current


def usage(client, **params):
    return client.get("/reports/usage/", {"year": 2026, "half": 1, **params})


def test_the_page_the_xlsx_and_the_pdf_have_the_section(province, exchange, client_for, tmp_path):
    leader = client_for(province["people"]["p"])
    html = usage(leader).content.decode()
    section = html[html.index('id="exchange"'):html.index('id="evaluation"')]
    assert "Liên thông giữa các hệ thống; thu hồi, cập nhật, thay thế văn bản" in section
    assert "Tỷ lệ gửi liên thông thành công" in section and "66,7 %" in section
    assert "Văn bản đi bị thu hồi" in section and "Văn bản đi được thay thế" in section
    assert "tính theo ngày đề nghị" in section

    book = load_workbook(io.BytesIO(usage(leader, export="xlsx").content))
    rows = {row[0]: row[1:] for row in book["Liên thông, thu hồi"].iter_rows(min_row=2, values_only=True)}
    assert rows["Lượt gửi liên thông tới cơ quan dùng hệ thống khác"] == (3, 1, 2)
    assert rows["Lượt gửi liên thông thành công"] == (2, 1, 1)
    assert rows["Văn bản đến nhận qua liên thông"] == (2, 1, 1)
    assert rows["Văn bản đi bị thu hồi"] == (1, 1, 0)
    assert rows["Văn bản đi được cập nhật, đính chính"] == (1, 0, 1)
    assert rows["Văn bản đi được thay thế"] == (1, 0, 1)
    assert rows["Tỷ lệ gửi liên thông thành công"][0] == pytest.approx(66.67)

    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(usage(leader, export="pdf").content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "VII. Liên thông giữa các hệ thống" in text
    line = next(line for line in text.splitlines() if "Lượt gửi liên thông tới cơ quan" in line)
    assert line.split()[-5:] == ["3", "1", "+2", "(+200,0", "%)"]
    line = next(line for line in text.splitlines() if "Văn bản đi bị thu hồi" in line)
    assert line.split()[-5:] == ["1", "1", "0", "(0,0", "%)"]


def section_rows(html):
    """{label: this period's figure} of the page's exchange section."""
    section = html[html.index('data-testid="exchange-indicators"'):html.index('id="evaluation"')]
    return dict(re.findall(r'<tr><td>([^<]+)</td><td class="text-end fw-semibold">([^<]+)</td>', section))


def test_another_province_leader_sees_only_their_own(province, exchange, client_for):
    other = client_for(province["people"]["other"])
    rows = section_rows(usage(other).content.decode())
    # The other province's own: one peer delivery (o13), one peer incoming (i13), one recall (o9).
    assert rows["Lượt gửi liên thông tới cơ quan dùng hệ thống khác"] == "1"
    assert rows["Văn bản đến nhận qua liên thông"] == "1"
    assert (rows["Văn bản đi bị thu hồi"], rows["Văn bản đi được thay thế"]) == ("1", "0")
    assert usage(other, agency=str(province["p"].pk)).status_code == 404
    child = section_rows(usage(client_for(province["people"]["c"])).content.decode())
    assert child["Văn bản đi được thay thế"] == "1" and child["Văn bản đi bị thu hồi"] == "0"


SQLITE_SCRIPT = """
import json, django
from dataclasses import asdict
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from reports.figures import usage_report
from reports.periods import half_year
from reports.selectors import traffic_list
from tests.reports import data, exchange_data
p = data.province()
exchange_data.exchange(p)
r = usage_report(p["p"].descendant_ids(), half_year(2026, 1), today=data.TODAY)
clerk = p["people"]["p"]
log = traffic_list(membership=clerk, filters={"channel": "peer"})
from django.test import Client
client = Client()
client.force_login(clerk.user, backend="django.contrib.auth.backends.ModelBackend")
page = client.get("/reports/usage/?year=2026&half=1")
print(json.dumps({"page": page.status_code, "section": 'id="exchange"' in page.content.decode(),
                  "peer": [r.current.peer_deliveries, r.current.peer_delivered, r.current.received_peer],
                  "revisions": asdict(r.revisions), "previous": asdict(r.revisions_previous),
                  "log": sorted([row["log_direction"], row["log_status"], row["log_remote"]] for row in log)}))
"""


def test_sqlite_gives_the_same_figures_and_log(province, exchange, sqlite_env):
    output = subprocess.run([sys.executable, "-c", SQLITE_SCRIPT], cwd=ROOT, env=sqlite_env, capture_output=True,
                            text=True, timeout=300, check=True).stdout
    sqlite = json.loads(output.strip().splitlines()[-1])
    assert (sqlite["page"], sqlite["section"]) == (200, True)
    postgres = report(province)
    now = postgres.current
    assert sqlite["peer"] == [now.peer_deliveries, now.peer_delivered, now.received_peer] == [3, 2, 2]
    assert sqlite["revisions"] == asdict(postgres.revisions) and sqlite["previous"] == asdict(postgres.revisions_previous)
    log = traffic_list(membership=province["people"]["p"], filters={"channel": "peer"})
    assert sqlite["log"] == sorted([row["log_direction"], row["log_status"], row["log_remote"]] for row in log)

"""A year's register as XLSX and as PDF, at the pages bench's volume: memory stays bounded whatever the number of rows.

Data: the pages bench's database (bench/gen_pages.py, 1 M documents; PAGES_SCALE=10m for 10 M), generated if
missing. Each export runs in a fresh Python process (so that its peak resident memory is its own) as
`documents.register_exports.register_export_file` runs in the worker: the outgoing register of the latest full year,
for the clerk of the largest agency (≈ 25,000 rows at 1 M, 250,000 at 10 M) and, as the baseline, for the clerk of
the fourth (≈ 3.7 times fewer rows, still many chunks). Figure: growth of the peak resident memory during the big
export / the same for the baseline. A streamed export holds a bounded number of rows at a time, so the ratio stays
near 1 however large the register; one that builds the file in memory grows with the rows (≈ 3.7 here).
Target ≤ 1.5, and the big export's own peak growth ≤ MEMORY_BOUND_MB.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from bench.common import Result

TARGET = 1.5
MEMORY_BOUND_MB = 64

CHILD = r"""
import json, os, resource, sys, time
import django
django.setup()
from accounts.models import Membership
from documents import register_exports
from documents.models import Register

email, year, export = sys.argv[1], int(sys.argv[2]), sys.argv[3]
membership = Membership.objects.select_related("agency", "user").get(user__email=email)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rows = [0]
start = time.perf_counter()
file, name, _type = register_exports.register_export_file(
    membership=membership, kind=Register.Kind.OUTGOING, year=year, filters={}, export=export,
    progress=lambda done: rows.__setitem__(0, done))
file.seek(0, 2)
size = file.tell()
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth_kb": peak - before, "peak_kb": peak, "size": size, "seconds": seconds, "rows": rows[0]}))
"""


def _export(db_name, email, year, export):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tests.settings")}
    env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + "/" + db_name
    out = subprocess.run([sys.executable, "-c", CHILD, email, str(year), export], env=env, check=True,
                         capture_output=True, text=True, cwd=Path(settings.BASE_DIR)).stdout
    return json.loads(out.strip().splitlines()[-1])


def run():
    from bench.bench_pages import _generate
    from bench.gen_pages import CLERK_EMAIL
    from documents.models import Outgoing

    scale = os.environ.get("PAGES_SCALE", "1m").lower()
    db_name, agencies, _timings, _generated = _generate(scale)
    big, small = agencies[0], agencies[3]
    year = (Outgoing.objects.filter(agency=big, status="issued").order_by("-issued_at")
            .values_list("year", flat=True)[0]) - 1
    small_clerk = "cb1@a3.p17.bench.gov.vn"
    counts = {a.pk: Outgoing.objects.filter(agency=a, year=year, status="issued", secrecy="").count()
              for a in (big, small)}
    results = []
    for export in ("xlsx", "pdf"):
        small_run = _export(db_name, small_clerk, year, export)
        big_run = _export(db_name, CLERK_EMAIL, year, export)
        ratio = max(big_run["growth_kb"], 1) / max(small_run["growth_kb"], 1)
        within = big_run["growth_kb"] / 1024 <= MEMORY_BOUND_MB
        results.append(Result(f"register_{export}_memory", ratio if within else float("inf"), TARGET, {
            "rows": counts[big.pk], "baseline_rows": counts[small.pk],
            "growth_MB": f"{big_run['growth_kb'] / 1024:.1f}", "baseline_growth_MB": f"{small_run['growth_kb'] / 1024:.1f}",
            "bound_MB": MEMORY_BOUND_MB, "peak_rss_MB": f"{big_run['peak_kb'] / 1024:.0f}",
            "seconds": f"{big_run['seconds']:.1f}", "file_MB": f"{big_run['size'] / 1e6:.1f}", "scale": scale}))
    return results

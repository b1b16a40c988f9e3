"""The six-monthly usage report over 1,000,000 documents of a province (1 province + 99 agencies under it).

Data: 500,000 outgoing documents (with about 1.5 million deliveries) and 500,000 incoming documents (with the
lead unit of those routed) spread over the last two years, generated in SQL with generate_series and kept
between runs (generated again only when the count is not right).

Exchanges with other installations and revisions (issue 15) are added on top, and kept the same way: 1 in 20
issued outgoing documents also goes to an agency of another installation (channel peer), 1 in 20 portal incoming
documents came from one, and 1 in 500 issued documents was recalled, updated or replaced.

Measured in the same run, on the last complete half-year for the province and its children:
(a) bare `SELECT count(*)` over that half-year's outgoing and incoming rows,
(b) the whole report computed by reports.figures.usage_report (every figure, the previous period included),
(c) the report page answering a GET of the province's leader through Django's test Client (rendering included).
Figures: report_query = b / a (target <= 3), report_page = c / b (target <= 1.5).
"""

import time

from django.db import connection

from bench.common import Result, median_time
from bench.common_env import ensure_database

PROVINCE_CODE = "000.00.00.R01"
AGENCIES = 100
UNITS = (("Văn phòng", "VP"), ("Phòng Tổng hợp", "TH"), ("Phòng Kinh tế", "KT"), ("Phòng Văn xã", "VX"),
         ("Phòng Nội chính", "NC"))
OUTGOING = 500_000
INCOMING = 500_000
LEADER_EMAIL = "lanhdao@baocao.bench.gov.vn"

GENERATE = """
SELECT setseed(0.34);
CREATE TEMP TABLE bench_agency AS
    SELECT row_number() OVER (ORDER BY code) - 1 AS idx, id FROM agencies_agency
    WHERE code = %(province)s OR parent_id = (SELECT id FROM agencies_agency WHERE code = %(province)s);
CREATE TEMP TABLE bench_unit AS
    SELECT a.idx, row_number() OVER (PARTITION BY u.agency_id ORDER BY u.abbreviation) - 1 AS uidx, u.id
    FROM agencies_unit u JOIN bench_agency a ON a.id = u.agency_id;
-- Numbered in time order, as rows are in a real database, where ids grow with time.
CREATE TEMP TABLE bench_when AS
    SELECT row_number() OVER (ORDER BY at) AS g, at, r
    FROM (SELECT now() - random() * interval '730 days' AS at, random() AS r FROM generate_series(1, %(outgoing)s)) s;

INSERT INTO documents_outgoing (agency_id, drafting_unit_id, created_by_id, signer_id, doc_type, summary, secrecy,
    urgency, archive_copies, status, created_at, updated_at, year, number, notation, issued_at, issued_by_id,
    signed_sha256, verify_code, also_on_paper, archive_text, nhu_tren, signer_authority, signer_position,
    signature_places)
SELECT a.id, u.id, %(user)s, %(signer)s,
    (ARRAY['CV','CV','CV','CV','QĐ','BC','KH','TB','GM','TTr'])[1 + (w.g * 7) %% 10],
    'Văn bản đi số ' || w.g, CASE WHEN w.g %% 97 = 0 THEN 'mat' ELSE '' END, '', 2,
    CASE WHEN w.r < 0.98 THEN 'issued' ELSE 'draft' END,
    w.at - interval '2 hours', w.at,
    CASE WHEN w.r < 0.98 THEN extract(year FROM w.at)::int END, CASE WHEN w.r < 0.98 THEN w.g END,
    CASE WHEN w.r < 0.98 THEN w.g || '/UBND-VP' ELSE '' END,
    CASE WHEN w.r < 0.98 THEN w.at END, CASE WHEN w.r < 0.98 THEN %(user)s END, '', '', w.g %% 10 = 0, '', false,
    '', '', '{}'::jsonb
FROM bench_when w
JOIN bench_agency a ON a.idx = w.g %% %(agencies)s
JOIN bench_unit u ON u.idx = a.idx AND u.uidx = (w.g / %(agencies)s) %% %(units)s
ORDER BY w.g;

INSERT INTO documents_delivery (outgoing_id, channel, agency_id, name, email, is_citizen, dossier, status, attempts,
    claim_token, last_attempt_at, sent_at, response, note, message_id, remote_status, remote_status_reason, created_at)
SELECT o.id,
    CASE WHEN o.secrecy <> '' THEN 'paper' WHEN (o.id + k) %% 10 < 5 THEN 'portal' ELSE 'email' END,
    CASE WHEN o.secrecy = '' AND (o.id + k) %% 10 < 5 THEN r.id END,
    'Nơi nhận ' || k,
    CASE WHEN o.secrecy = '' AND (o.id + k) %% 10 < 5 THEN '' ELSE 'noinhan' || k || '@bench.gov.vn' END,
    o.secrecy = '' AND (o.id + k) %% 10 >= 5 AND (o.id + k) %% 20 = 19, '',
    CASE WHEN o.secrecy <> '' THEN 'not_electronic' WHEN (o.id * 31 + k) %% 50 = 0 THEN 'failed'
         WHEN (o.id * 31 + k) %% 200 = 1 THEN 'uncertain' ELSE 'sent' END,
    1, '', o.issued_at, o.issued_at + interval '1 minute', '', '', '', '', '', o.issued_at
FROM documents_outgoing o
JOIN bench_agency a ON a.id = o.agency_id
CROSS JOIN LATERAL generate_series(1, 1 + o.id %% 5) k
JOIN bench_agency r ON r.idx = (a.idx + k) %% %(agencies)s
WHERE o.status = 'issued'
ORDER BY o.id, k;

TRUNCATE bench_when;
INSERT INTO bench_when SELECT row_number() OVER (ORDER BY at), at, r
    FROM (SELECT now() - random() * interval '730 days' AS at, random() AS r FROM generate_series(1, %(incoming)s)) s;
INSERT INTO documents_incoming (agency_id, target_unit_id, source, sender_name, notation, doc_date, doc_type, summary,
    secrecy, urgency, signer_name, signer_position, status, status_reason, arrived_at, year, arrival_number,
    registered_at, note, instructions, due_date, routed_at, completed_at, result, edxml_document_id)
SELECT a.id, u.id, (ARRAY['portal','portal','portal','portal','portal','email','email','email','paper','paper'])[1 + w.g %% 10],
    'Cơ quan gửi ' || (w.g %% 300), w.g || '/UBND', w.at::date,
    (ARRAY['CV','CV','CV','CV','QĐ','BC','KH','TB','GM','TTr'])[1 + (w.g * 3) %% 10], 'Văn bản đến số ' || w.g,
    '', '', '', '', s.status, '', w.at, extract(year FROM w.at)::int, CASE WHEN s.status >= '03' THEN w.g END,
    CASE WHEN s.status >= '03' THEN w.at + s.register END, '', '',
    CASE WHEN s.status >= '04' THEN ((w.at + s.register + s.route) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date + 10 END,
    CASE WHEN s.status >= '04' THEN w.at + s.register + s.route END,
    CASE WHEN s.status = '06' THEN w.at + s.register + s.route + s.handle END, '', ''
FROM bench_when w
JOIN bench_agency a ON a.idx = w.g %% %(agencies)s
JOIN bench_unit u ON u.idx = a.idx AND u.uidx = (w.g / %(agencies)s) %% %(units)s
-- Documents of the last two months are still being handled; older ones are nearly all done.
CROSS JOIN LATERAL (SELECT
    CASE WHEN w.at > now() - interval '60 days' THEN
             CASE WHEN w.r < 0.05 THEN '01' WHEN w.r < 0.07 THEN '02' WHEN w.r < 0.15 THEN '03'
                  WHEN w.r < 0.35 THEN '04' WHEN w.r < 0.5 THEN '05' ELSE '06' END
         ELSE CASE WHEN w.r < 0.002 THEN '01' WHEN w.r < 0.02 THEN '02' WHEN w.r < 0.023 THEN '03'
                   WHEN w.r < 0.026 THEN '04' WHEN w.r < 0.028 THEN '05' ELSE '06' END
    END AS status,
    random() * interval '30 hours' AS register, random() * interval '20 hours' AS route,
    random() * interval '14 days' AS handle) s
ORDER BY w.g;

INSERT INTO documents_assignment (incoming_id, role, unit_id, is_current, created_at)
SELECT i.id, 'lead', i.target_unit_id, true, i.routed_at
FROM documents_incoming i JOIN bench_agency a ON a.id = i.agency_id
WHERE i.routed_at IS NOT NULL
ORDER BY i.id;
"""


def _province():
    """The province, its 99 agencies with five units each, and the province's leader (who signs everything)."""
    from accounts.models import Membership, User
    from agencies.models import Agency, Unit

    province, _ = Agency.objects.get_or_create(code=PROVINCE_CODE, defaults={
        "name": "Ủy ban nhân dân tỉnh Đo Hiệu Năng", "short_name": "UBND", "official_email": "vanphong@dhn.gov.vn"})
    existing = set(Agency.objects.filter(parent=province).values_list("code", flat=True))
    Agency.objects.bulk_create([
        Agency(code=f"000.00.{n:02d}.R01", name=f"Sở số {n} tỉnh Đo Hiệu Năng", short_name=f"S{n:02d}",
               official_email=f"vanphong@so{n:02d}.dhn.gov.vn", parent=province, search_text=f"so {n}")
        for n in range(1, AGENCIES) if f"000.00.{n:02d}.R01" not in existing
    ])
    agencies = list(Agency.objects.filter(pk__in=[province.pk, *province.children.values_list("pk", flat=True)]))
    have = set(Unit.objects.filter(agency__in=agencies).values_list("agency_id", "abbreviation"))
    Unit.objects.bulk_create([Unit(agency=a, name=name, abbreviation=abbr) for a in agencies for name, abbr in UNITS
                              if (a.pk, abbr) not in have])
    user = User.objects.filter(email=LEADER_EMAIL).first() or User.objects.create_user(
        email=LEADER_EMAIL, password=None, full_name="Lãnh đạo tỉnh", kind="staff")
    leader, _ = Membership.objects.get_or_create(user=user, agency=province,
                                                 defaults={"is_leader": True, "position": "Chủ tịch"})
    return province, [a.pk for a in agencies], leader


def _document_count(agency_ids):
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM documents_outgoing WHERE agency_id = ANY(%s))"
                       " + (SELECT count(*) FROM documents_incoming WHERE agency_id = ANY(%s))",
                       [agency_ids, agency_ids])
        return cursor.fetchone()[0]


def _wipe(cursor, agency_ids):
    statements = [
        "DELETE FROM documents_revision WHERE outgoing_id IN (SELECT id FROM documents_outgoing WHERE agency_id = ANY(%s))",
        "DELETE FROM documents_assignment WHERE incoming_id IN (SELECT id FROM documents_incoming WHERE agency_id = ANY(%s))",
        "DELETE FROM documents_incoming WHERE agency_id = ANY(%s)",
        "DELETE FROM documents_delivery WHERE outgoing_id IN (SELECT id FROM documents_outgoing WHERE agency_id = ANY(%s))",
        "DELETE FROM documents_outgoing WHERE agency_id = ANY(%s)",
    ]
    for statement in statements:
        cursor.execute(statement, [agency_ids])


def ensure_data():
    """Generate the documents unless exactly the right number is there; returns (province, ids, leader, seconds)."""
    province, agency_ids, leader = _province()
    if _document_count(agency_ids) == OUTGOING + INCOMING:
        return province, agency_ids, leader, 0.0
    start = time.perf_counter()
    with connection.cursor() as cursor:
        # Loading is one bulk job: no per-row trigger (foreign keys hold by construction, and the report's
        # months are marked stale below instead of one by one).
        cursor.execute("SET session_replication_role = replica")
        _wipe(cursor, agency_ids)
        cursor.execute(GENERATE, {"province": PROVINCE_CODE, "outgoing": OUTGOING, "incoming": INCOMING,
                                  "agencies": AGENCIES, "units": len(UNITS), "user": leader.user_id,
                                  "signer": leader.pk})
        cursor.execute("DROP TABLE bench_agency, bench_unit, bench_when")
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("UPDATE reports_factmonth SET stale = true WHERE agency_id = ANY(%s)", [agency_ids])
        for table in ("documents_outgoing", "documents_delivery", "documents_incoming", "documents_assignment"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return province, agency_ids, leader, time.perf_counter() - start


PEER_AGENCY_CODE = "000.00.00.P99"
EXCHANGE = """
INSERT INTO documents_delivery (outgoing_id, channel, agency_id, name, email, is_citizen, dossier, status, attempts,
    claim_token, last_attempt_at, sent_at, response, note, message_id, remote_status, remote_status_reason,
    created_at)
SELECT o.id, 'peer', %(peer)s, 'Bộ Đo Hiệu Năng', '', false, '', CASE WHEN o.id %% 50 = 0 THEN 'failed' ELSE 'sent' END,
    1, '', o.issued_at, o.issued_at + interval '1 minute', '', '', '', CASE WHEN o.id %% 50 = 0 THEN '' ELSE '03' END,
    '', o.issued_at
FROM documents_outgoing o
WHERE o.agency_id = ANY(%(ids)s) AND o.status = 'issued' AND o.secrecy = '' AND o.id %% 20 = 0
ORDER BY o.id;

UPDATE documents_incoming SET source = 'peer' WHERE agency_id = ANY(%(ids)s) AND source = 'portal' AND id %% 20 = 0;

INSERT INTO documents_revision (outgoing_id, kind, reason, replacement_id, state, requested_by_id, requested_at,
    decided_by_id, decided_at, decision_comment)
SELECT o.id, (1 + (o.id / 500) %% 3)::text, 'Sai sót', CASE WHEN (o.id / 500) %% 3 = 0 THEN NULL ELSE o.id END,
    CASE WHEN o.id %% 5000 = 0 THEN 'declined' ELSE 'sent' END, %(user)s, o.issued_at + interval '1 day',
    %(user)s, o.issued_at + interval '2 days', ''
FROM documents_outgoing o
WHERE o.agency_id = ANY(%(ids)s) AND o.status = 'issued' AND o.id %% 500 = 0
ORDER BY o.id;
"""


def ensure_exchange(agency_ids, leader):
    """Peer deliveries, peer incoming documents and revisions, added once to the generated documents."""
    from agencies.models import Agency, Installation
    from documents.models import Revision

    if Revision.objects.filter(outgoing__agency_id__in=agency_ids).exists():
        return
    installation, _ = Installation.objects.get_or_create(code="bench-peer", defaults={
        "name": "Hệ thống Đo Hiệu Năng", "endpoint": "https://peer.bench.gov.vn/exchange/edxml/",
        "signing_certificates_pem": ""})
    peer, _ = Agency.objects.get_or_create(code=PEER_AGENCY_CODE, defaults={
        "name": "Bộ Đo Hiệu Năng", "short_name": "BDHN", "official_email": "vanthu@bdhn.gov.vn",
        "installation": installation})
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(EXCHANGE, {"ids": agency_ids, "peer": peer.pk, "user": leader.user_id})
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("UPDATE reports_factmonth SET stale = true WHERE agency_id = ANY(%s)", [agency_ids])
        for table in ("documents_delivery", "documents_incoming", "documents_revision"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _bare_count(agency_ids, period):
    """(a): what PostgreSQL takes to count the half-year's rows, nothing else."""
    start, end = period.bounds
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM documents_outgoing WHERE status = 'issued' AND agency_id = ANY(%s)"
                       " AND issued_at >= %s AND issued_at < %s", [agency_ids, start, end])
        cursor.execute("SELECT count(*) FROM documents_incoming WHERE agency_id = ANY(%s)"
                       " AND arrived_at >= %s AND arrived_at < %s", [agency_ids, start, end])


def _page_client(leader):
    from django.test import Client

    client = Client()
    client.force_login(leader.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _plan_nodes(node):
    label = node["Node Type"] + (f" {node['Index Name']}" if "Index Name" in node else "")
    label += f" {node['Relation Name']}" if "Relation Name" in node and "Index Name" not in node else ""
    return [label] + [n for child in node.get("Plans", []) for n in _plan_nodes(child)]


def _explain(agency_ids, period):
    """The plan of the report's statements, summarised: scans, indexes, aggregates."""
    from django.utils import timezone

    from reports import figures
    from reports.exchange_figures import revision_counts

    d = figures.Dialect(connection.vendor)
    previous = period.previous()
    months, ranges = figures.split_ranges([previous, period], True)
    params = figures._params(agency_ids, period, previous, timezone.localdate(), months, ranges)
    revisions, revision_params = revision_counts(agency_ids, period, previous).query.sql_with_params()
    summary = {}
    for name, sql, arguments in (
            ("report", figures.report_sql(d, len(agency_ids), len(ranges), bool(months)), params),
            ("percentiles", figures.percentiles_sql(d, len(agency_ids)), params),
            ("revisions", revisions, revision_params)):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, arguments)
            plan = cursor.fetchone()[0][0]
        nodes = _plan_nodes(plan["Plan"])
        summary[name] = (round(plan["Execution Time"], 1), sorted(set(n for n in nodes if "Scan" in n or "Aggregate" in n)))
    return summary


def run():
    from django.conf import settings
    from django.test.utils import override_settings

    from reports import figures
    from reports.periods import last_complete_half_year

    ensure_database()
    province, agency_ids, leader, generated = ensure_data()
    ensure_exchange(agency_ids, leader)
    period = last_complete_half_year()
    months, _ranges = figures.split_ranges([period.previous(), period], True)
    start = time.perf_counter()
    refreshed = figures.month_facts_refresh(agency_ids, months)
    refresh_seconds = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reports_factmonth")
        cursor.execute("VACUUM ANALYZE reports_monthfact")

    bare = median_time(lambda: _bare_count(agency_ids, period), repeat=9, warmup=2)
    report = median_time(lambda: figures.usage_report(agency_ids, period), repeat=9, warmup=2)
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False, STORAGES=storages):
        client = _page_client(leader)
        url = f"/reports/usage/?year={period.start.year}&half={period.half}"

        def page():
            response = client.get(url)
            if response.status_code != 200 or b"chart-months" not in response.content:
                raise RuntimeError(f"report page answered {response.status_code}")

        page_time = median_time(page, repeat=9, warmup=2)
    plans = _explain(agency_ids, period)
    figures_now = figures.usage_report(agency_ids, period).current
    details = {"half_year": f"{period.start:%d/%m/%Y}-{period.end:%d/%m/%Y}", "rows": figures_now.documents,
               "bare_count_ms": f"{bare * 1000:.1f}", "report_ms": f"{report * 1000:.1f}",
               "page_ms": f"{page_time * 1000:.1f}", "generated_s": f"{generated:.1f}",
               "month_facts_computed": refreshed, "month_facts_s": f"{refresh_seconds:.1f}",
               "peer_deliveries": figures_now.peer_deliveries, "received_peer": figures_now.received_peer}
    for name, (ms, nodes) in plans.items():
        details[f"plan_{name}"] = f"{ms}ms:" + "|".join(nodes).replace(" ", "_")
    return [
        Result("report_query", report / bare, 3.0, details),
        Result("report_page", page_time / report, 1.5, {"page_ms": details["page_ms"], "report_ms": details["report_ms"]}),
    ]

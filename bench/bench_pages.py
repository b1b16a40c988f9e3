"""The pages a clerk, leader or specialist uses all day, at 1 M (default) or 10 M documents (PAGES_SCALE=10m).

Data: bench/gen_pages.py (generated once per database and kept). The database is the one of DATABASE_URL with
`_pages` (and `_10m`) appended, unless PAGES_DATABASE names one.

The portal is served by gunicorn with production settings (DEBUG=0, collected static files, 2 workers × 1 thread)
on a free loopback port. The clerk, the leader and the specialist of the largest agency are logged in once
(sessions made as the login would make them); every page is then fetched over HTTP, one request at a time on a
keep-alive connection: 2 warm-up requests, then up to SAMPLES timed ones (fewer when a page is slow: at least 5,
at most ~TIME_BUDGET s per page). Figure: p95 of the page / p95 of the login page (GET /accounts/login/, measured at
the start, after each page and at the end of the same run). Target ≤ 10.

With PAGES_EXPLAIN=1 each page is also rendered once in-process and the plans of its three slowest statements
are summarised (scans by index/table, sequential scans of big tables flagged) in the BENCH line's details.
"""

import http.client
import io
import os
import re
import signal
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

from bench.common import Result
from bench.common_env import Process, ensure_database, free_port, serving

SAMPLES = int(os.environ.get("PAGES_SAMPLES", "20"))
TIME_BUDGET = float(os.environ.get("PAGES_TIME_BUDGET", "20"))
TARGET = 10.0
FIGURES_FILE = os.environ.get("PAGES_FIGURES_FILE", "")


def _use_database(scale):
    db = settings.DATABASES["default"]
    name = os.environ.get("PAGES_DATABASE")
    if not name:
        base = db["NAME"]
        name = base if base.endswith("_pages") else f"{base}_pages"
        name += "_10m" if scale == "10m" else ""
    connections["default"].close()
    db["NAME"] = name
    connections["default"].settings_dict["NAME"] = name
    return name


def _session(user):
    """A session as allauth's login leaves it (password, then TOTP within the last minutes)."""
    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.account.internal.userkit import user_id_to_str
    from django.test import Client

    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "password", "at": now},
                                                   {"method": "mfa", "at": now, "type": "totp"}]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()
    return session.session_key


def _collectstatic():
    from django.core.management import call_command

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)


def _serve(port, db_name, var_dir):
    url = settings.DATABASES["default"]
    env = {"DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "0", "SECURE_SSL_REDIRECT": "0",
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2",
           "GUNICORN_THREADS": "1", "GUNICORN_TIMEOUT": "300", "GUNICORN_MAX_REQUESTS": "0", "LOG_LEVEL": "WARNING",
           "PORTAL_VAR_DIR": str(var_dir),
           "DATABASE_URL": f"postgres://{url['USER']}@{url['HOST']}:{url['PORT'] or 5432}/{db_name}",
           "SECRET_KEY": os.environ["SECRET_KEY"], "FIELD_ENCRYPTION_KEY": os.environ["FIELD_ENCRYPTION_KEY"]}
    server = Process([sys.executable, "-m", "gunicorn", "portal.wsgi:application", "-c", "portal/gunicorn.conf.py",
                      "--access-logfile", "/dev/null"], env=env, log=var_dir / "gunicorn-pages.log")
    if serving(port, "/accounts/login/", timeout=60):
        return server
    server.stop()
    raise RuntimeError("gunicorn did not start: see " + str(var_dir / "gunicorn-pages.log"))


class Browser:
    """One keep-alive connection with a session cookie (or none)."""

    def __init__(self, port, session_key=None):
        self.port, self.cookies = port, {}
        if session_key:
            self.cookies[settings.SESSION_COOKIE_NAME] = session_key
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                start = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                content = response.read()
                elapsed = time.perf_counter() - start
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                if attempt:
                    raise
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";")[0]
        return response.status, content, elapsed


def _small_pdf():
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.drawString(72, 760, "Van ban kiem tra xac thuc")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _verify_request(browser, pdf):
    """GET the form (CSRF cookie and token), then POST the file; timed: the POST."""
    status, content, _ = browser.request("GET", "/verify/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1).decode()
    boundary = "----benchpages"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"code\"\r\n\r\n\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"kiem-tra.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + pdf + f"\r\n--{boundary}--\r\n".encode()
    return browser.request("POST", "/verify/", body=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": f"http://127.0.0.1:{browser.port}/verify/"})


def _measure(fn):
    """(p95 seconds, samples, status, bytes) of fn() -> (status, content, elapsed).

    Two warm-up calls, then up to SAMPLES timed ones while the page's time budget lasts (at least 5; a page
    slower than 5 s gets one warm-up and 3 timed calls: its figure fails by far either way)."""
    status, content, elapsed = fn()
    size = len(content)
    slow = elapsed > 5
    if not slow:
        status, content, elapsed = fn()
    samples, spent = [], 0.0
    while len(samples) < (3 if slow else SAMPLES) and (len(samples) < (3 if slow else 5) or spent < TIME_BUDGET):
        status, content, elapsed = fn()
        samples.append(elapsed)
        spent += elapsed
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return p95, samples, status, size


def _reachable(browser, path):
    """A late page the list offers: lists page only within their newest rows (a bounded count), so the page
    number asked is halved until the page exists; the deepest one found is measured."""
    match = re.search(r"page=(\d+)", path)
    page = int(match.group(1))
    while page > 1:
        candidate = path.replace(match.group(0), f"page={page}")
        if browser.request("GET", candidate)[0] == 200:
            return candidate
        page //= 2
    return path.replace(match.group(0), "page=1")


def _pages(ctx):
    """(name, role, path) of every page measured; role None = anonymous."""
    year = ctx["year"]
    pages = [
        ("desk_clerk", "clerk", "/dashboard/"), ("desk_leader", "leader", "/dashboard/"),
        ("desk_specialist", "specialist", "/dashboard/"),
        ("outgoing_first_clerk", "clerk", "/outgoing/"), ("outgoing_first_specialist", "specialist", "/outgoing/"),
        ("outgoing_late_clerk", "clerk", f"/outgoing/?page={ctx['outgoing_late']}"),
        ("outgoing_filter_clerk", "clerk", f"/outgoing/?doc_type=Q%C4%90&year={year}"),
        ("outgoing_filter_status_clerk", "clerk", "/outgoing/?status=draft"),
        ("incoming_first_clerk", "clerk", "/incoming/"), ("incoming_first_specialist", "specialist", "/incoming/"),
        ("incoming_late_clerk", "clerk", f"/incoming/?page={ctx['incoming_late']}"),
        ("incoming_filter_clerk", "clerk", "/incoming/?status=04&source=paper"),
        ("outgoing_register", "clerk", f"/registers/outgoing/?year={year}"),
        ("outgoing_register_late", "clerk", f"/registers/outgoing/?year={year}&page={ctx['register_late']}"),
        ("incoming_register", "clerk", f"/registers/incoming/?year={year}"),
        ("traffic_log", "clerk", "/reports/traffic/"),
        ("traffic_log_late", "clerk", f"/reports/traffic/?page={ctx['outgoing_late']}"),
        ("usage_report", "leader", "/reports/usage/"),
        ("incidents", "clerk", "/reports/incidents/"),
        ("outgoing_detail_200", "clerk", f"/outgoing/{ctx['detail']}/"),
        ("delivery_fragment_200", "clerk", f"/outgoing/{ctx['detail']}/deliveries/"),
        ("incoming_detail", "clerk", f"/incoming/{ctx['incoming_detail']}/"),
        ("directory", None, "/directory/"),
        ("directory_search", None, "/directory/?q=so%20noi%20vu%20so%20123"),
        ("directory_search_common", None, "/directory/?q=xa"),
    ]
    for column in ("notation", "-notation", "summary", "doc_type", "drafting_unit", "signer", "status", "updated_at"):
        pages.append((f"outgoing_sort_{column.replace('-', 'desc_')}", "clerk", f"/outgoing/?sort={column}"))
    for column in ("arrived_at", "sender_name", "notation", "summary", "source", "urgency", "status"):
        pages.append((f"incoming_sort_{column}", "clerk", f"/incoming/?sort={column}"))
    search = ctx["search_url"]
    # Two selective words: a commune's name of the generated letters (gen_pages.PLACE_*: "Ngọc Khánh", syllables
    # found nowhere else, in ≈ 1 document in 500 as summary or text);
    # four common words, the commonest word and a common phrase, all without diacritics.
    queries = (("number", ctx["number"]), ("two_words", "ngoc khanh"), ("common_words", "phong chong thien tai"),
               ("common_word", "cong"), ("phrase", '"thien tai"'))
    from urllib.parse import quote

    for label, query in queries:
        if search:
            pages.append((f"search_{label}_specialist", "specialist", f"{search}?q={quote(query)}"))
        else:
            pages.append((f"list_q_{label}_specialist", "specialist", f"/outgoing/?q={quote(query)}"))
    return pages


def _prepare(agencies):
    from django.urls import NoReverseMatch, reverse

    from accounts.models import Membership
    from bench.gen_pages import CLERK_EMAIL, DETAIL_DELIVERIES, LEADER_EMAIL, SPECIALIST_EMAIL
    from documents.models import Delivery, Incoming, Outgoing

    big = agencies[0]
    members = {role: Membership.objects.select_related("user").get(user__email=email, agency=big)
               for role, email in (("clerk", CLERK_EMAIL), ("leader", LEADER_EMAIL),
                                   ("specialist", SPECIALIST_EMAIL))}
    detail = Delivery.objects.filter(lookup_code=f"P17{DETAIL_DELIVERIES:09d}").values_list("outgoing_id", flat=True)[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'documents_outgoing'")
        cursor.execute("SELECT count(*) FROM documents_outgoing WHERE agency_id = %s", [big.pk])
        outgoing_count = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM documents_incoming WHERE agency_id = %s", [big.pk])
        incoming_count = cursor.fetchone()[0]
    year = Outgoing.objects.filter(agency=big, status="issued").order_by("-issued_at").values_list("year", flat=True)[0]
    register_rows = Outgoing.objects.filter(agency=big, year=year, status="issued", secrecy="").count()
    number = (Outgoing.objects.filter(agency=big, status="issued", secrecy="").order_by("-issued_at")
              .values_list("notation", flat=True)[500])
    incoming_detail = (Incoming.objects.filter(agency=big, status="04").order_by("-arrived_at")
                       .values_list("pk", flat=True).first())
    # What beat does every few minutes (reports.tasks.month_facts_refresh): the usage report's months of the bulk
    # load are counted, and the current half-year's report is in the cache, as it is for a leader on a running
    # installation.
    from django.core.management import call_command

    from bench.gen_pages import MINISTRY_CODE

    call_command("reports_facts_refresh", agency=MINISTRY_CODE, verbosity=0)
    try:
        search_url = reverse("search")
    except NoReverseMatch:
        search_url = ""
    return {
        "members": members, "detail": detail, "year": year, "number": number, "search_url": search_url,
        "outgoing_late": max(1, int(outgoing_count / 25 * 0.9)), "incoming_late": max(1, int(incoming_count / 25 * 0.9)),
        "register_late": max(1, int(register_rows / 50 * 0.9)), "incoming_detail": incoming_detail,
        "outgoing_count": outgoing_count, "incoming_count": incoming_count,
    }


def _plan_nodes(node):
    label = node["Node Type"]
    if "Index Name" in node:
        label += f" {node['Index Name']}"
    elif "Relation Name" in node:
        label += f" {node['Relation Name']}"
    if node["Node Type"] == "Seq Scan":
        label += f" rows={node.get('Actual Rows', node.get('Plan Rows'))}"
    return [label] + [n for child in node.get("Plans", []) for n in _plan_nodes(child)]


def _explain_page(member, path):
    """Render the page in-process, EXPLAIN ANALYZE its three slowest statements; returns a short summary."""
    from django.test import Client
    from django.test.utils import override_settings

    recorded = []

    def wrapper(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            recorded.append((time.perf_counter() - start, sql, params, many))

    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False, STORAGES=storages):
        client = Client()
        if member is not None:
            client.force_login(member.user, backend="django.contrib.auth.backends.ModelBackend")
        with connection.execute_wrapper(wrapper):
            client.get(path)
    statements = [r for r in recorded if not r[3] and r[1].lstrip().upper().startswith("SELECT")]
    statements.sort(key=lambda r: -r[0])
    summary = []
    for seconds, sql, params, _many in statements[:3]:
        with connection.cursor() as cursor:
            try:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0][0]
            except Exception as exc:  # noqa: BLE001 - a plan we cannot get is reported, not fatal
                connection.rollback() if not connection.get_autocommit() else None
                summary.append(f"{seconds * 1000:.0f}ms:explain-failed:{type(exc).__name__}")
                continue
        nodes = sorted(set(n for n in _plan_nodes(plan["Plan"]) if "Scan" in n or n.startswith(("Sort", "Aggregate"))))
        summary.append(f"{plan['Execution Time']:.0f}ms:" + "|".join(nodes).replace(" ", "_"))
    return len(recorded), summary


def _generate(scale):
    db_name = _use_database(scale)
    ensure_database()
    from bench.gen_pages import ensure_data

    start = time.perf_counter()
    agencies, timings = ensure_data(scale)
    generated = time.perf_counter() - start
    print(f"BENCH-INFO pages data scale={scale} database={db_name} generated_s={generated:.1f} "
          + " ".join(f"{k}={v}" for k, v in timings.items()), flush=True)
    return db_name, agencies, timings, generated


def _measure_pages(pages, browsers, anonymous, login_samples, only, port):
    measured = []
    skip = [s for s in os.environ.get("PAGES_SKIP", "").split(",") if s]
    for name, role, path in pages:
        if (only and not any(o in name for o in only)) or any(s in name for s in skip):
            continue
        browser = browsers[role] if role else Browser(port)
        if "page=" in path:
            path = _reachable(browser, path)
        p95, samples, status, size = _measure(lambda b=browser, p=path: b.request("GET", p))
        measured.append((name, role, path, p95, samples, status, size))
        # The baseline is sampled all along the run, so that both sides see the same load on the machine.
        login_samples += [anonymous.request("GET", "/accounts/login/")[2] for _ in range(3)]
        print(f"  measured {name}: {p95 * 1000:.1f} ms status={status}", file=sys.stderr, flush=True)
    return measured


def run():
    scale = os.environ.get("PAGES_SCALE", "1m").lower()
    db_name, agencies, timings, generated = _generate(scale)
    if os.environ.get("PAGES_GENERATE_ONLY") == "1":
        return []
    var_dir = Path(settings.VAR_DIR).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    _collectstatic()
    ctx = _prepare(agencies)
    sessions = {role: _session(m.user) for role, m in ctx["members"].items()}
    pages = _pages(ctx)
    port = free_port()
    server = _serve(port, db_name, var_dir)
    # A bench stopped by SIGTERM still stops its gunicorn (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    explain = os.environ.get("PAGES_EXPLAIN") == "1"
    only = [s for s in os.environ.get("PAGES_ONLY", "").split(",") if s]
    results = []
    try:
        anonymous = Browser(port)
        login_p95, login_samples, _s, _b = _measure(lambda: anonymous.request("GET", "/accounts/login/"))
        browsers = {role: Browser(port, key) for role, key in sessions.items()}
        measured = _measure_pages(pages, browsers, anonymous, login_samples, only, port)
        pdf = _small_pdf()
        verifier = Browser(port)
        p95, samples, status, size = _measure(lambda: _verify_request(verifier, pdf))
        measured.append(("verify_small_pdf", None, "/verify/ POST", p95, samples, status, size))
        end_p95, end_samples, _s, _b = _measure(lambda: anonymous.request("GET", "/accounts/login/"))
        baseline_samples = sorted(login_samples + end_samples)
        baseline = baseline_samples[int(round(0.95 * (len(baseline_samples) - 1)))]
        for name, role, path, p95, samples, status, size in measured:
            details = {"p95_ms": f"{p95 * 1000:.1f}", "login_p95_ms": f"{baseline * 1000:.1f}",
                       "median_ms": f"{samples[len(samples) // 2] * 1000:.1f}", "n": len(samples),
                       "status": status, "kB": f"{size / 1024:.0f}", "as": role or "anonymous", "scale": scale}
            if "page=" in path:
                details["url"] = path
            if status not in (200,):
                details["unexpected_status"] = status
            if explain and not path.endswith("POST"):
                queries, plans = _explain_page(ctx["members"].get(role), path)
                details["queries"] = queries
                for i, plan in enumerate(plans):
                    details[f"plan{i + 1}"] = plan
            ratio = p95 / baseline if status == 200 else float("inf")
            results.append(Result(f"pages_{name}", ratio, TARGET, details))
    finally:
        server.stop()
    generation = {"scale": scale, "database": db_name, "generated_s": f"{generated:.1f}", **timings,
                  "outgoing_of_big_agency": ctx["outgoing_count"], "incoming_of_big_agency": ctx["incoming_count"],
                  "search_page": ctx["search_url"] or "none"}
    print("BENCH-INFO pages " + " ".join(f"{k}={v}" for k, v in generation.items()), flush=True)
    if FIGURES_FILE:
        _write_figures(FIGURES_FILE, generation, results)
    return results


def _write_figures(path, generation, results):
    from bench.common import Result as _R  # noqa: F401

    lines = [time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()) + "  " +
             " ".join(f"{k}={v}" for k, v in generation.items())]
    for r in sorted(results, key=lambda r: -r.ratio):
        verdict = "PASS" if r.passed else "FAIL"
        extra = " ".join(f"{k}={v}" for k, v in r.details.items())
        lines.append(f"BENCH {r.name} ratio={r.ratio:.1f} target<={r.target:g} {verdict}  ({extra})")
    Path(path).write_text("\n".join(lines) + "\n")

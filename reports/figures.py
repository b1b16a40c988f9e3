"""The six-monthly usage report (Directive 34/2008/CT-TTg, point 8), computed by aggregate queries.

Counts come from fact rows: per document for ranges counted from the documents themselves, and, on
PostgreSQL, per agency and month from MonthFact, which holds each month's sums by agency, unit and document
type and is kept exact by triggers that mark a month stale when anything in it changes (migration
reports.0002); stale and missing months are computed again before the report reads them. What depends on
today (documents still open past their due date) and the medians and 95th percentiles (percentile_cont, or
an exact window-function equivalent on SQLite) are always computed from the documents. Python only reads
aggregated rows.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import core.lookups  # noqa: F401 - registers __any_of (one array parameter for many ids)
from agencies.models import Agency, Unit
from core import replica
from documents.models import DocumentType

from .exchange_figures import RevisionFigures, revision_figures
from .meeting_figures import MeetingFigures, meeting_figures_of_periods
from .models import FactMonth
from .periods import current_half_year

# A delivery to, or a document from, another installation (liên thông) is as electronic as one inside the portal.
ELECTRONIC_CHANNELS = "('portal', 'peer', 'email')"
OPEN_STATUSES = "('04', '05')"  # assigned, in progress: the handling is under way
# peer: out, deliveries to agencies of other installations; in, documents that came from one. peer_delivered: of
# those deliveries, sent. late and overdue_open stay last (report_sql's overdue branch fills them alone).
COUNTERS = ("documents", "electronic", "on_paper", "deliveries", "delivered", "citizen_replies", "peer",
            "peer_delivered", "registered", "completed", "on_time", "late", "overdue_open")
STORED = COUNTERS[:-1]  # MonthFact keeps all but overdue_open, which changes with the date
FACT_LOCK = 740_634_001  # pg_advisory_xact_lock key: one refresh of MonthFact at a time
REFRESH_BATCH = 500  # stale marks refreshed per round by month_facts_refresh_stale
CACHE_SECONDS = 24 * 3600  # a cached count is also keyed by today: it is never read the next day


class Dialect:
    """The few expressions that differ between PostgreSQL and SQLite."""

    def __init__(self, vendor):
        self.vendor = vendor
        self.offset = timezone.localtime(timezone.now()).utcoffset()  # Vietnam keeps +07:00 all year

    @property
    def has_month_facts(self):
        return self.vendor == "postgresql"

    def _shifted(self, column):
        return f"{column}, '{int(self.offset.total_seconds() // 60):+d} minutes'"

    def month(self, column):
        """'YYYY-MM' of an instant in Vietnam's calendar."""
        if self.vendor == "postgresql":
            return f"to_char({column} AT TIME ZONE '{timezone.get_default_timezone_name()}', 'YYYY-MM')"
        return f"strftime('%%Y-%%m', {self._shifted(column)})"

    def local_date(self, column):
        if self.vendor == "postgresql":
            return f"CAST({column} AT TIME ZONE '{timezone.get_default_timezone_name()}' AS date)"
        return f"date({self._shifted(column)})"

    def seconds(self, start, end):
        if self.vendor == "postgresql":
            return f"date_part('epoch', {end} - {start})"  # double precision: EXTRACT gives numeric, slower to sort
        return f"((julianday({end}) - julianday({start})) * 86400.0)"

    def text(self, column):
        return f"CAST({column} AS TEXT)"

    def floor(self, value):
        """Rounded down; SQLite's CAST truncates, which is the same for the non-negative values used here."""
        return f"FLOOR({value})" if self.vendor == "postgresql" else f"CAST({value} AS INTEGER)"

    @staticmethod
    def flag(condition):
        return f"CASE WHEN {condition} THEN 1 ELSE 0 END"

    def in_agencies(self, column, count, array="ids"):
        """The agency filter; the ids go in as %(ids)s (an array) or %(a0)s, %(a1)s…"""
        if self.vendor == "postgresql":
            return f"{column} = ANY(%({array})s)"
        return f"{column} IN ({', '.join(f'%(a{n})s' for n in range(count))})"

    @staticmethod
    def in_ranges(column, count):
        """The instant falls in one of the ranges %(r0s)s–%(r0e)s, … (start included, end excluded)."""
        ranges = [f"({column} >= %(r{n}s)s AND {column} < %(r{n}e)s)" for n in range(count)]
        return "(" + " OR ".join(ranges) + ")" if ranges else "1 = 0"


def _lead_unit_join(alias="i"):
    """The unit leading the handling: the current lead assignment's unit, or the lead person's unit."""
    return (f"LEFT JOIN documents_assignment a ON a.incoming_id = {alias}.id AND a.role = 'lead' AND a.is_current "
            "LEFT JOIN accounts_membership m ON m.id = a.member_id")


def _lead_unit_of(alias="i"):
    """The same unit as _lead_unit_join, looked up per document (a subquery on the assignment's index): for the
    few documents still open past their due date, never a scan of every assignment."""
    return ("(SELECT COALESCE(a.unit_id, m.unit_id) FROM documents_assignment a "
            "LEFT JOIN accounts_membership m ON m.id = a.member_id "
            f"WHERE a.incoming_id = {alias}.id AND a.role = 'lead' AND a.is_current LIMIT 1)")


def facts_sql(d, agency_count, range_count, array="ids"):
    """CTEs o, d, i and `facts`: one row per issued outgoing and per incoming document of the ranges."""
    flag = d.flag
    return f"""
    o AS (
        SELECT o.id, o.agency_id, o.drafting_unit_id AS unit_id, o.doc_type, o.also_on_paper,
               {flag("o.issued_at >= %(split)s")} AS cur, {d.month("o.issued_at")} AS month
        FROM documents_outgoing o
        WHERE o.status = 'issued' AND {d.in_agencies("o.agency_id", agency_count, array)}
              AND {d.in_ranges("o.issued_at", range_count)}
    ),
    d AS (
        SELECT d.outgoing_id,
               SUM({flag(f"d.channel IN {ELECTRONIC_CHANNELS}")}) AS electronic,
               SUM({flag(f"d.channel IN {ELECTRONIC_CHANNELS} AND d.status = 'sent'")}) AS sent,
               SUM({flag("d.channel = 'paper'")}) AS paper,
               SUM({flag("d.is_citizen AND d.status = 'sent'")}) AS citizen,
               SUM({flag("d.channel = 'peer'")}) AS peer,
               SUM({flag("d.channel = 'peer' AND d.status = 'sent'")}) AS peer_sent
        FROM documents_delivery d JOIN o ON o.id = d.outgoing_id
        GROUP BY d.outgoing_id
    ),
    i AS (
        SELECT i.agency_id, COALESCE(a.unit_id, m.unit_id) AS unit_id, i.doc_type, i.source, i.due_date,
               i.registered_at, {d.local_date("i.completed_at")} AS completed_on,
               {flag("i.arrived_at >= %(split)s")} AS cur, {d.month("i.arrived_at")} AS month
        FROM documents_incoming i {_lead_unit_join()}
        WHERE {d.in_agencies("i.agency_id", agency_count, array)} AND {d.in_ranges("i.arrived_at", range_count)}
    ),
    facts AS (
        SELECT o.cur, 'out' AS direction, o.agency_id, o.unit_id, o.doc_type, o.month, 1 AS documents,
               {flag("COALESCE(d.electronic, 0) > 0")} AS electronic,
               {flag("o.also_on_paper OR COALESCE(d.paper, 0) > 0")} AS on_paper,
               COALESCE(d.electronic, 0) AS deliveries, COALESCE(d.sent, 0) AS delivered,
               COALESCE(d.citizen, 0) AS citizen_replies, COALESCE(d.peer, 0) AS peer,
               COALESCE(d.peer_sent, 0) AS peer_delivered,
               0 AS registered, 0 AS completed, 0 AS on_time, 0 AS late, 0 AS overdue_open
        FROM o LEFT JOIN d ON d.outgoing_id = o.id
        UNION ALL
        SELECT i.cur, 'in', i.agency_id, i.unit_id, i.doc_type, i.month, 1,
               {flag(f"i.source IN {ELECTRONIC_CHANNELS}")}, {flag("i.source = 'paper'")}, 0, 0, 0,
               {flag("i.source = 'peer'")}, 0,
               {flag("i.registered_at IS NOT NULL")}, {flag("i.completed_on IS NOT NULL")},
               {flag("i.due_date IS NOT NULL AND i.completed_on <= i.due_date")},
               {flag("i.due_date IS NOT NULL AND i.completed_on > i.due_date")}, 0
        FROM i
    )"""


def report_sql(d, agency_count, range_count, with_month_facts):
    """Rows (grain, cur, direction, item, counters): totals of both periods; months, agencies, units and
    document types of the current one."""
    zeros = ", ".join("0" for _ in COUNTERS[:-2])
    sources = [
        f"SELECT 'doc' AS src, cur, direction, agency_id, unit_id, doc_type, month, {', '.join(COUNTERS)} FROM facts",
        # Open past the due date, as of today: counted from the documents, whatever the source of the rest.
        f"""SELECT 'doc', {d.flag("i.arrived_at >= %(split)s")}, 'in', i.agency_id, {_lead_unit_of()},
               i.doc_type, {d.month("i.arrived_at")}, {zeros}, 1, 1
        FROM documents_incoming i
        WHERE i.status IN {OPEN_STATUSES} AND i.due_date < %(today)s AND {d.in_agencies("i.agency_id", agency_count)}
              AND i.arrived_at >= %(start)s AND i.arrived_at < %(end)s""",
    ]
    if with_month_facts:
        sources.append(f"""SELECT grain, {d.flag("month >= %(split_month)s")}, direction, agency_id, unit_id, doc_type,
               to_char(month, 'YYYY-MM'), {', '.join(STORED)}, 0
        FROM reports_monthfact
        WHERE {d.in_agencies("agency_id", agency_count)} AND month = ANY(%(months)s)
              AND (grain = 'agency' OR month >= %(split_month)s)""")
    sums = ", ".join(f"SUM({name}) AS {name}" for name in COUNTERS)
    grains = [("total", "NULL", "agency", "1 = 1"), ("month", "month", "agency", "cur = 1"),
              ("agency", d.text("agency_id"), "agency", "cur = 1"), ("unit", d.text("unit_id"), "unit", "cur = 1"),
              ("type", "doc_type", "type", "cur = 1")]
    selects = [
        f"SELECT '{grain}' AS grain, cur, direction, {key} AS item, {sums} FROM rows "
        f"WHERE src IN ('doc', '{source}') AND {where} GROUP BY cur, direction{'' if key == 'NULL' else ', ' + key}"
        for grain, key, source, where in grains
    ]
    return ("WITH " + facts_sql(d, agency_count, range_count) + ",\nrows AS (\n" + "\nUNION ALL\n".join(sources)
            + "\n)\n" + "\nUNION ALL\n".join(selects))


def refresh_sql(d):
    """MonthFact rows, by agency, unit and document type, of the (agency, month) pairs in %(todo_*)s."""
    sums = ", ".join(f"SUM({name})" for name in STORED)
    columns = ", ".join(STORED)
    picked = ("SELECT f.* FROM facts f JOIN unnest(%(todo_agencies)s::bigint[], %(todo_months)s::text[]) "
              "AS t(agency_id, month) ON t.agency_id = f.agency_id AND t.month = f.month")
    return f"""
    INSERT INTO reports_monthfact (agency_id, month, direction, grain, unit_id, doc_type, {columns})
    WITH {facts_sql(d, 0, 1, array="todo_agencies")},
    picked AS ({picked})
    SELECT agency_id, to_date(month, 'YYYY-MM'), direction, 'agency', NULL, '', {sums} FROM picked
        GROUP BY agency_id, month, direction
    UNION ALL
    SELECT agency_id, to_date(month, 'YYYY-MM'), direction, 'unit', unit_id, '', {sums} FROM picked
        GROUP BY agency_id, month, direction, unit_id
    UNION ALL
    SELECT agency_id, to_date(month, 'YYYY-MM'), direction, 'type', NULL, doc_type, {sums} FROM picked
        GROUP BY agency_id, month, direction, doc_type"""


def percentiles_sql(d, agency_count):
    """Median and 95th percentile (linear interpolation, as percentile_cont) of both handling times of the
    current period."""
    where = (f"{d.in_agencies('i.agency_id', agency_count)} AND i.arrived_at >= %(split)s "
             "AND i.arrived_at < %(end)s")
    registration, completion = d.seconds("i.arrived_at", "i.registered_at"), d.seconds("i.arrived_at", "i.completed_at")
    if d.vendor == "postgresql":
        return f"""
        SELECT percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY {registration}) AS registration,
               percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY {completion}) AS completion
        FROM documents_incoming i WHERE {where}"""
    return window_percentiles_sql(d, registration, completion, where)


def window_percentiles_sql(d, registration, completion, where):
    """percentile_cont without percentile_cont: value at p·(n−1) in the sorted values, interpolated."""
    return f"""
    WITH v AS (
        SELECT metric, x, ROW_NUMBER() OVER (PARTITION BY metric ORDER BY x) - 1 AS i,
               COUNT(*) OVER (PARTITION BY metric) AS n
        FROM (SELECT 1 AS metric, {registration} AS x FROM documents_incoming i
              WHERE {where} AND i.registered_at IS NOT NULL
              UNION ALL
              SELECT 2, {completion} FROM documents_incoming i WHERE {where} AND i.completed_at IS NOT NULL) t
    ),
    p AS (SELECT 0.5 AS p UNION ALL SELECT 0.95),
    w AS (SELECT v.metric, v.x, v.i, p.p, {d.floor("p.p * (v.n - 1)")} AS lo,
                 p.p * (v.n - 1) - {d.floor("p.p * (v.n - 1)")} AS frac
          FROM v CROSS JOIN p)
    SELECT metric, p, SUM(CASE WHEN i = lo THEN x * (1 - frac) WHEN i = lo + 1 THEN x * frac ELSE 0 END) AS value
    FROM w GROUP BY metric, p ORDER BY metric, p"""


@dataclass
class Figures:
    """The counts of one period (or one row of a breakdown) and the rates made from them."""

    issued: int = 0
    received: int = 0
    electronic: int = 0  # issued documents that went to at least one recipient electronically
    on_paper: int = 0  # issued documents that (also) went on paper
    received_electronic: int = 0
    received_on_paper: int = 0
    deliveries: int = 0  # electronic deliveries (portal, other installations, e-mail) of the issued documents
    delivered: int = 0  # of which sent
    citizen_replies: int = 0
    peer_deliveries: int = 0  # deliveries to agencies served by another installation (liên thông)
    peer_delivered: int = 0  # of which sent
    received_peer: int = 0  # incoming documents that came from another installation
    registered: int = 0
    completed: int = 0
    on_time: int = 0  # completed by the due date
    late: int = 0  # completed after the due date, or still open past it
    overdue_open: int = 0
    registration_hours: tuple | None = None  # (median, 95th percentile)
    completion_hours: tuple | None = None

    def add(self, direction, row):
        """Add a row of report_sql, its counters whole numbers (as _counted gives them)."""
        if direction == "out":
            self.issued += row["documents"]
            self.electronic += row["electronic"]
            self.on_paper += row["on_paper"]
            self.deliveries += row["deliveries"]
            self.delivered += row["delivered"]
            self.citizen_replies += row["citizen_replies"]
            self.peer_deliveries += row["peer"]
            self.peer_delivered += row["peer_delivered"]
        else:
            self.received += row["documents"]
            self.received_peer += row["peer"]
            self.received_electronic += row["electronic"]
            self.received_on_paper += row["on_paper"]
            self.registered += row["registered"]
            self.completed += row["completed"]
            self.on_time += row["on_time"]
            self.late += row["late"]
            self.overdue_open += row["overdue_open"]

    @staticmethod
    def _share(part, whole):
        return 100.0 * part / whole if whole else None

    @property
    def documents(self):
        return self.issued + self.received

    @property
    def electronic_share(self):
        return self._share(self.electronic, self.issued)

    @property
    def paper_share(self):
        return self._share(self.on_paper, self.issued)

    @property
    def received_electronic_share(self):
        return self._share(self.received_electronic, self.received)

    @property
    def success_rate(self):
        return self._share(self.delivered, self.deliveries)

    @property
    def peer_success_rate(self):
        return self._share(self.peer_delivered, self.peer_deliveries)

    @property
    def on_time_rate(self):
        return self._share(self.on_time, self.on_time + self.late)

    @property
    def overdue(self):
        return self.late


@dataclass
class Row:
    key: str
    label: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class UsageReport:
    agencies: list  # the agencies counted
    period: object
    previous_period: object
    current: Figures
    previous: Figures
    months: list  # Row per month of the period, label mm/yyyy
    by_agency: list
    by_unit: list
    by_type: list
    computed_at: datetime.datetime
    # Work schedules and meetings (issue 14), this period and the one before.
    meetings: MeetingFigures = field(default_factory=MeetingFigures)
    meetings_previous: MeetingFigures = field(default_factory=MeetingFigures)
    # Recalls, updates and replacements of issued documents (issue 15), this period and the one before.
    revisions: RevisionFigures = field(default_factory=RevisionFigures)
    revisions_previous: RevisionFigures = field(default_factory=RevisionFigures)

    def change(self, name):
        """(current, previous, difference) of a figure; shares and rates differ in percentage points."""
        now, before = getattr(self.current, name), getattr(self.previous, name)
        if now is None or before is None:
            return now, before, None
        return now, before, now - before


def _month_start(day):
    return day.replace(day=1)


def _next_month(day):
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def split_ranges(periods, with_month_facts):
    """Months read from MonthFact (those wholly inside one of the periods) and the date ranges, [start, end),
    counted from the documents (the rest)."""
    months, ranges = [], []
    for period in periods:
        day = period.start
        while day <= period.end:
            month_end = _next_month(day)
            if with_month_facts and day == _month_start(day) and month_end - datetime.timedelta(days=1) <= period.end:
                months.append(day)
            elif ranges and ranges[-1][1] == day:
                ranges[-1] = (ranges[-1][0], min(month_end, period.end + datetime.timedelta(days=1)))
            else:
                ranges.append((day, min(month_end, period.end + datetime.timedelta(days=1))))
            day = month_end
    return months, ranges


def _instant(day):
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def _params(agency_ids, period, previous, today, months, ranges):
    adapt = connection.ops.adapt_datetimefield_value
    params = {"start": adapt(previous.bounds[0]), "split": adapt(period.bounds[0]), "end": adapt(period.bounds[1]),
              "today": connection.ops.adapt_datefield_value(today), "ids": list(agency_ids),
              "split_month": period.start, "months": months}
    params.update({f"a{n}": pk for n, pk in enumerate(agency_ids)})
    for n, (start, end) in enumerate(ranges):
        params[f"r{n}s"], params[f"r{n}e"] = adapt(_instant(start)), adapt(_instant(end))
    return params


NAMED_PARAMETER = re.compile(r"%\((\w+)\)s")


def _execute(sql, params):
    # Only the parameters the statement names: SQLite's driver binds every one it is given, and the
    # arrays meant for PostgreSQL's ANY() cannot be bound there.
    used = set(NAMED_PARAMETER.findall(sql))
    with replica.reads_connection().cursor() as cursor:
        cursor.execute(sql, {name: value for name, value in params.items() if name in used})
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _month_facts_state(cursor, agency_ids, months):
    """(rows, sum of their ids, stale rows, the database's oid) of the (agency, month) marks of the grid.

    A refresh replaces a mark by a new row, whose id (from the table's sequence) is larger than any before it, so
    the sum of the ids changes with every refresh of any month of the grid: what the report's cache key reads. The
    oid tells a database made again (whose sequences start over) from the one a cached count was taken in."""
    cursor.execute("""
        SELECT COUNT(*), COALESCE(SUM(id), 0), COUNT(*) FILTER (WHERE stale),
               (SELECT oid FROM pg_database WHERE datname = current_database())
        FROM reports_factmonth WHERE agency_id = ANY(%(ids)s) AND month = ANY(%(months)s)""",
                   {"ids": list(agency_ids), "months": months})
    return cursor.fetchone()


def month_facts_refresh(agency_ids, months):
    """Compute MonthFact for the (agency, month) pairs never computed or marked stale; returns how many.

    Clearing the marks comes first and waits for any transaction that is marking one of them (the triggers
    lock the mark row), so a change committed after this refresh read the documents leaves its mark behind.
    A stale mark is deleted and made again (a new id, see _month_facts_state); a trigger marking it meanwhile
    waits for this transaction and then marks the new row.
    """
    if not months or not agency_ids:
        return 0
    with connection.cursor() as cursor:
        count, _ids, stale, _database = _month_facts_state(cursor, agency_ids, months)
    if count == len(agency_ids) * len(months) and not stale:
        return 0  # everything computed and fresh: no lock, no write
    d = Dialect(connection.vendor)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FACT_LOCK])
        grid = {"ids": list(agency_ids), "months": months}
        cursor.execute("""
            DELETE FROM reports_factmonth f
            USING unnest(%(ids)s::bigint[]) AS w(agency_id), unnest(%(months)s::date[]) AS m(month)
            WHERE f.agency_id = w.agency_id AND f.month = m.month AND f.stale""", grid)
        cursor.execute("""
            INSERT INTO reports_factmonth (agency_id, month, stale)
            SELECT w.agency_id, m.month, false
            FROM unnest(%(ids)s::bigint[]) AS w(agency_id) CROSS JOIN unnest(%(months)s::date[]) AS m(month)
            ON CONFLICT (agency_id, month) DO NOTHING
            RETURNING agency_id, to_char(month, 'YYYY-MM')""", grid)
        todo = cursor.fetchall()
        if not todo:
            return 0
        todo_agencies, todo_months = [a for a, _ in todo], [m for _, m in todo]
        cursor.execute("""
            DELETE FROM reports_monthfact f USING unnest(%(a)s::bigint[], %(m)s::text[]) AS t(agency_id, month)
            WHERE f.agency_id = t.agency_id AND f.month = to_date(t.month, 'YYYY-MM')""",
                       {"a": todo_agencies, "m": todo_months})
        first = datetime.date.fromisoformat(min(todo_months) + "-01")
        last = _next_month(datetime.date.fromisoformat(max(todo_months) + "-01"))
        adapt = connection.ops.adapt_datetimefield_value
        cursor.execute(refresh_sql(d), {
            "todo_agencies": todo_agencies, "todo_months": todo_months, "split": adapt(_instant(first)),
            "r0s": adapt(_instant(first)), "r0e": adapt(_instant(last)),
        })
    return len(todo)


def month_facts_refresh_stale(batch=REFRESH_BATCH):
    """Compute again every month marked stale, of every agency, a batch of marks at a time (beat, and
    `manage.py reports_facts_refresh`): the report then finds its months fresh. Returns the ids of the agencies
    whose months were computed."""
    done = set()
    while True:
        pairs = list(FactMonth.objects.filter(stale=True).order_by("month", "agency_id")
                     .values_list("agency_id", "month")[:batch])
        if not pairs:
            return done
        by_month = {}
        for agency_id, month in pairs:
            by_month.setdefault(month, []).append(agency_id)
        for month, agency_ids in by_month.items():
            if month_facts_refresh(agency_ids, [month]):
                done.update(agency_ids)


def usage_reports_warm(agency_ids, today=None):
    """Count the current half-year's report of every tree these agencies are in (each of them and every agency
    above it, with the agencies under it: the scope a leader's report opens on) into the cache, so that the
    leader's request reads it instead of counting it. Returns how many reports."""
    trees = set()
    for agency in Agency.objects.filter(pk__in=list(agency_ids)).only("pk", "parent_id"):
        while agency is not None and agency.pk not in trees:
            trees.add(agency.pk)
            agency = agency.parent
    period = current_half_year(today)
    for root in Agency.objects.filter(pk__in=trees, is_active=True):
        usage_report(root.descendant_ids(), period, today=today)
    return len(trees)


def _counted(d, agency_ids, months, ranges, params, with_facts):
    """The rows of report_sql and percentiles_sql. On PostgreSQL, when every day of both periods lies in a month
    read from MonthFact (a half-year), they are cached under the state of those months' marks and today: any
    change to a document of them marks its month stale, the report refreshes it first, and the key changes."""
    def count():
        # Sums come as Decimal, slow to unpickle by the thousand: whole numbers, as Figures.add reads them.
        rows = [{**row, **{name: int(row[name] or 0) for name in COUNTERS}}
                for row in _execute(report_sql(d, len(agency_ids), len(ranges), with_facts and bool(months)), params)]
        return rows, _execute(percentiles_sql(d, len(agency_ids)), params)

    reading = replica.reads_connection()
    if with_facts and months and reading.alias != DEFAULT_DB_ALIAS:
        with reading.cursor() as cursor:
            marks = _month_facts_state(cursor, agency_ids, months)[0]
        if marks < len(agency_ids) * len(months):
            # Monthly totals the primary has just computed are not on the replica yet: read them where they are.
            with replica.primary_reads():
                return _counted(d, agency_ids, months, ranges, params, with_facts)
    if not (with_facts and months) or ranges:
        return count()
    with reading.cursor() as cursor:
        state = _month_facts_state(cursor, agency_ids, months)
    if state[2]:  # a month marked again since the refresh: count from what is there now, keep nothing
        return count()
    key = "reports:usage:" + hashlib.sha256(repr(
        (sorted(agency_ids), sorted(months), params["split"], params["end"], params["today"], state[:2], state[3]),
    ).encode()).hexdigest()
    rows = cache.get(key)
    if rows is None:
        rows = count()
        cache.set(key, rows, CACHE_SECONDS)
    return rows


def usage_report(agency_ids, period, today=None, use_month_facts=True):
    """Every figure of the report for the agencies (ids), the period and the period before it.

    use_month_facts=False counts everything from the documents (what SQLite always does).
    """
    today = today or timezone.localdate()
    previous = period.previous()
    d = Dialect(connection.vendor)
    with_facts = use_month_facts and d.has_month_facts
    months, ranges = split_ranges([previous, period], with_facts)
    if with_facts:
        month_facts_refresh(agency_ids, months)
    params = _params(agency_ids, period, previous, today, months, ranges)
    rows, percentiles = _counted(d, agency_ids, months, ranges, params, with_facts)
    current, before = Figures(), Figures()
    by_month = {m.strftime("%Y-%m"): Row(m.strftime("%Y-%m"), m.strftime("%m/%Y")) for m in period.months()}
    breakdowns = {"agency": {}, "unit": {}, "type": {}}
    for row in rows:
        grain, direction = row["grain"], row["direction"]
        if grain == "total":
            (current if row["cur"] else before).add(direction, row)
        elif grain == "month":
            by_month.setdefault(row["item"], Row(row["item"], row["item"])).figures.add(direction, row)
        else:
            key = row["item"] or ""
            breakdowns[grain].setdefault(key, Row(key, "")).figures.add(direction, row)
    _store_percentiles(current, d, percentiles)
    computed_at = timezone.now()
    revisions, revisions_previous = revision_figures(agency_ids, period, previous)
    meetings, meetings_previous = meeting_figures_of_periods(agency_ids, [period, previous], computed_at)
    return UsageReport(
        agencies=list(agency_ids), period=period, previous_period=previous, current=current, previous=before,
        months=list(by_month.values()), by_agency=_label_agencies(breakdowns["agency"]),
        by_unit=_label_units(breakdowns["unit"]), by_type=_label_types(breakdowns["type"]),
        computed_at=computed_at, meetings=meetings, meetings_previous=meetings_previous,
        revisions=revisions, revisions_previous=revisions_previous,
    )


def _hours(seconds):
    return None if seconds is None else float(seconds) / 3600


def _store_percentiles(figures, d, rows):
    if d.vendor == "postgresql":
        row = rows[0]
        figures.registration_hours = tuple(map(_hours, row["registration"])) if row["registration"] else None
        figures.completion_hours = tuple(map(_hours, row["completion"])) if row["completion"] else None
        return
    values = {(row["metric"], row["p"]): _hours(row["value"]) for row in rows}
    for metric, name in ((1, "registration_hours"), (2, "completion_hours")):
        if (metric, 0.5) in values:
            setattr(figures, name, (values[(metric, 0.5)], values[(metric, 0.95)]))


def _label_agencies(rows):
    names = dict(Agency.objects.filter(pk__any_of=[int(k) for k in rows]).values_list("pk", "name"))
    for key, row in rows.items():
        row.label = names.get(int(key), key) or _("(chưa đặt tên)")
    return sorted(rows.values(), key=lambda r: r.label)


def _label_units(rows):
    units = {pk: (name, agency) for pk, name, agency in Unit.objects.filter(pk__any_of=[int(k) for k in rows if k])
             .values_list("pk", "name", "agency__short_name")}
    for key, row in rows.items():
        unit = units.get(int(key)) if key else None
        if unit is None:
            row.label = _("(không thuộc đơn vị nào)")
        else:
            row.label = f"{unit[0].strip() or _('(chưa đặt tên)')} – {unit[1]}"
    return sorted(rows.values(), key=lambda r: r.label)


def _label_types(rows):
    for key, row in rows.items():
        row.label = str(DocumentType(key).label) if key in DocumentType.values else key
    return sorted(rows.values(), key=lambda r: -r.figures.documents)

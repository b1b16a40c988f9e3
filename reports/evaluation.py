"""Evaluating use (Directive 34, 1.c): per unit and per person, for emulation reviews.

Four scores, each "done out of due", aggregated in one SQL statement (no query per unit or person):

- checks: the due times of the agency's mailbox rule (intake.MailboxCheckSlot) in the period; a unit or a
  person is credited with the ones met on time by their own check, out of all of their agency's due times
  (the agency's own row: every on-time check out of every due time);
- handled: incoming documents with a due date, arrived in the period, completed by it (on time) or not
  (completed later, or still open past it as of today) — the usage report's rule; they count for the lead
  (the current lead assignment's unit or person; a unit lead's document counts for whoever completed it,
  and, while open, for the unit only);
- replies: questions from citizens and businesses (intake.Question) asked in the period, answered by their
  due date (on time) or not (answered later, or still open past it: those count for no unit and no person);
  and incoming documents answered by an issued reply sent to a citizen or business, arrived in the
  period, the reply issued by the due date; they count for the reply's drafting unit and drafter;
- sent: outgoing documents issued in the period, sent electronically to at least one recipient (the usage
  report's "Gửi điện tử"); they count for the drafting unit and the drafter.

Per-person rows cover only the people of one agency (the viewer's own); who may see them is decided by
reports.selectors.may_see_people.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership
from agencies.models import Unit

from .figures import ELECTRONIC_CHANNELS, OPEN_STATUSES, Dialect, _execute, _lead_unit_join

# The scores in the order the tables show them, with their headers.
SCORES = {
    "checks": gettext_lazy("Kiểm tra hộp thư đúng giờ"),
    "handled": gettext_lazy("Văn bản đến xử lý đúng hạn"),
    "replies": gettext_lazy("Trả lời công dân, doanh nghiệp đúng hạn"),
    "sent": gettext_lazy("Văn bản đi gửi điện tử"),
}


@dataclass
class Score:
    done: int = 0
    due: int = 0

    @property
    def rate(self):
        return 100.0 * self.done / self.due if self.due else None


@dataclass
class EvaluationRow:
    key: int | None
    label: str
    unit: str = ""  # a person's unit
    scores: dict = field(default_factory=lambda: {name: Score() for name in SCORES})


@dataclass
class Evaluation:
    period: object
    by_unit: list
    by_person: list | None  # None: not shown to this viewer
    total: EvaluationRow
    computed_at: datetime.datetime


def _member_of(user_column, agency_column, alias):
    return (f"LEFT JOIN accounts_membership {alias} ON {alias}.user_id = {user_column} "
            f"AND {alias}.agency_id = {agency_column}")


def _to_citizens(alias):
    """The outgoing document went to a citizen or a business."""
    return f"EXISTS (SELECT 1 FROM documents_delivery c WHERE c.outgoing_id = {alias}.id AND c.is_citizen)"


def facts_sql(d, agency_count):
    """One row per document judged: (metric, agency_id, unit_id, member_id, done)."""
    flag, in_agencies = d.flag, d.in_agencies
    return f"""
    SELECT 'handled' AS metric, i.agency_id, COALESCE(a.unit_id, m.unit_id) AS unit_id,
           COALESCE(a.member_id, cm.id) AS member_id,
           {flag(f"{d.local_date('i.completed_at')} <= i.due_date")} AS done
    FROM documents_incoming i {_lead_unit_join()}
    {_member_of("i.completed_by_id", "i.agency_id", "cm")}
    WHERE {in_agencies("i.agency_id", agency_count)} AND i.arrived_at >= %(start)s AND i.arrived_at < %(end)s
          AND i.due_date IS NOT NULL
          AND (i.completed_at IS NOT NULL OR (i.status IN {OPEN_STATUSES} AND i.due_date < %(today)s))
    UNION ALL
    SELECT 'replies', r.agency_id, r.drafting_unit_id, rm.id,
           {flag(f"{d.local_date('r.issued_at')} <= i.due_date")}
    FROM documents_outgoing r JOIN documents_incoming i ON i.id = r.in_reply_to_id
    {_member_of("r.created_by_id", "r.agency_id", "rm")}
    WHERE {in_agencies("i.agency_id", agency_count)} AND i.arrived_at >= %(start)s AND i.arrived_at < %(end)s
          AND i.due_date IS NOT NULL AND r.status = 'issued' AND {_to_citizens("r")}
          AND NOT EXISTS (SELECT 1 FROM documents_outgoing e WHERE e.in_reply_to_id = i.id AND e.status = 'issued'
                          AND (e.issued_at < r.issued_at OR (e.issued_at = r.issued_at AND e.id < r.id))
                          AND {_to_citizens("e")})
    UNION ALL
    SELECT 'replies', q.agency_id, qm.unit_id, q.answered_by_id,
           {flag(f"{d.local_date('q.answered_at')} <= q.due_on")}
    FROM intake_question q LEFT JOIN accounts_membership qm ON qm.id = q.answered_by_id
    WHERE {in_agencies("q.agency_id", agency_count)} AND q.asked_at >= %(start)s AND q.asked_at < %(end)s
          AND (q.answered_at IS NOT NULL OR q.due_on < %(today)s)
    UNION ALL
    SELECT 'checks', s.agency_id, cm.unit_id, cm.id, 1
    FROM intake_mailboxcheckslot s JOIN intake_mailboxcheck c ON c.id = s.met_by_id
    JOIN accounts_membership cm ON cm.id = c.membership_id
    WHERE s.outcome = 'on_time' AND {in_agencies("s.agency_id", agency_count)}
          AND s.due_at >= %(start)s AND s.due_at < %(end)s
    UNION ALL
    SELECT 'sent', o.agency_id, o.drafting_unit_id, om.id,
           {flag(f"EXISTS (SELECT 1 FROM documents_delivery e WHERE e.outgoing_id = o.id "
                 f"AND e.channel IN {ELECTRONIC_CHANNELS})")}
    FROM documents_outgoing o {_member_of("o.created_by_id", "o.agency_id", "om")}
    WHERE o.status = 'issued' AND {in_agencies("o.agency_id", agency_count)}
          AND o.issued_at >= %(start)s AND o.issued_at < %(end)s"""


def evaluation_sql(d, agency_count, with_people):
    """Rows (grain, metric, item, done, due): sums by unit, by person of %(own)s when asked, and the due
    times of the mailbox rule by agency (the `due` of the checks)."""
    selects = [
        "SELECT 'unit' AS grain, metric, unit_id AS item, SUM(done) AS done, COUNT(*) AS due "
        "FROM facts GROUP BY metric, unit_id",
        "SELECT 'total', metric, NULL, SUM(done), COUNT(*) FROM facts WHERE metric <> 'checks' GROUP BY metric",
        f"""SELECT 'agency', 'checks', s.agency_id, SUM({d.flag("s.outcome = 'on_time'")}), COUNT(*)
        FROM intake_mailboxcheckslot s
        WHERE {d.in_agencies("s.agency_id", agency_count)} AND s.due_at >= %(start)s AND s.due_at < %(end)s
        GROUP BY s.agency_id""",
    ]
    if with_people:
        selects.append("SELECT 'person', metric, member_id, SUM(done), COUNT(*) FROM facts "
                       "WHERE agency_id = %(own)s AND member_id IS NOT NULL GROUP BY metric, member_id")
    return f"WITH facts AS ({facts_sql(d, agency_count)})\n" + "\nUNION ALL\n".join(selects)


def evaluation_report(agency_ids, period, *, people_of=None, today=None):
    """The scores of the agencies (ids) in the period, by unit and in all; by person of the agency
    `people_of` when given (None: no per-person figures are computed).

    Three queries whatever the number of units and people: the scores, the units' names, the people's.
    """
    today = today or timezone.localdate()
    d = Dialect(connection.vendor)
    adapt = connection.ops.adapt_datetimefield_value
    start, end = period.bounds
    params = {"start": adapt(start), "end": adapt(end), "today": connection.ops.adapt_datefield_value(today),
              "ids": list(agency_ids), "own": getattr(people_of, "pk", None)}
    params.update({f"a{n}": pk for n, pk in enumerate(agency_ids)})
    rows, slots = {"unit": {}, "person": {}, "total": {None: EvaluationRow(None, _("Tổng cộng"))}}, {}
    for row in _execute(evaluation_sql(d, len(agency_ids), people_of is not None), params):
        score = Score(int(row["done"] or 0), int(row["due"]))
        if row["grain"] == "agency":
            slots[row["item"]] = score
            continue
        item = rows[row["grain"]].setdefault(row["item"], EvaluationRow(row["item"], ""))
        item.scores[row["metric"]] = score
    total = rows["total"][None]
    total.scores["checks"] = Score(sum(s.done for s in slots.values()), sum(s.due for s in slots.values()))
    by_unit = _label_units(rows["unit"], slots, total.scores["checks"].due)
    by_person = None
    if people_of is not None:
        by_person = _label_people(rows["person"], slots.get(people_of.pk, Score()).due)
    return Evaluation(period=period, by_unit=by_unit, by_person=by_person, total=total, computed_at=timezone.now())


def _with_due_checks(row, due):
    """A unit's or a person's on-time checks are out of every due time of their agency."""
    row.scores["checks"] = Score(row.scores["checks"].done, due)


def _unit_name(unit):
    return f"{unit.name.strip() or _('(chưa đặt tên)')} – {unit.agency.short_name}"


def _label_units(rows, slots, all_due):
    units = Unit.objects.filter(pk__in=[k for k in rows if k]).select_related("agency").in_bulk()
    for key, row in rows.items():
        unit = units.get(key)
        row.label = _unit_name(unit) if unit else _("(không thuộc đơn vị nào)")
        _with_due_checks(row, slots.get(unit.agency_id, Score()).due if unit else all_due)
    return sorted(rows.values(), key=lambda r: r.label)


def _label_people(rows, due):
    people = Membership.objects.filter(pk__in=list(rows)).select_related("user", "unit", "unit__agency").in_bulk()
    for key, row in rows.items():
        person = people[key]
        row.label = person.user.full_name or person.user.email
        row.unit = _unit_name(person.unit) if person.unit_id else ""
        _with_due_checks(row, due)
    return sorted(rows.values(), key=lambda r: (r.label, r.unit))

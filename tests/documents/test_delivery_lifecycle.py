"""Delivery states move only through documents.delivery_lifecycle: a scan of the source finds any other write."""

import ast
import re
from pathlib import Path

import pytest

from documents import delivery_lifecycle as lifecycle
from documents.models import Delivery

ROOT = Path(__file__).resolve().parents[2]
APPS = ["accounts", "agencies", "documents", "intake", "pki", "portal", "public_site", "reports", "bench"]
LIFECYCLE = ROOT / "documents" / "delivery_lifecycle.py"
RAW_UPDATE = re.compile(r'UPDATE\s+"?documents_delivery"?\s+SET\b[^;]*\bstatus\b', re.IGNORECASE | re.DOTALL)
# Calls whose `status=` reads rather than writes.
READS = {"filter", "exclude", "get", "get_object_or_404", "Q", "When", "count", "exists"}
S = Delivery.Status


def _delivery_status_names(tree):
    """Names bound to Delivery.Status in a module (`S = Delivery.Status`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and ast.unparse(node.value) == "Delivery.Status":
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def _status_value(node, aliases):
    """The Delivery status a value expression names (Delivery.Status.X or S.X), or None."""
    if isinstance(node, ast.Attribute):
        owner = ast.unparse(node.value)
        if owner == "Delivery.Status" or owner in aliases:
            return node.attr.lower()
    return None


def _about_delivery(text):
    return "deliver" in text.lower() and text.split(".")[0] not in {"Incoming", "Outgoing", "InboundMessage"}


def _call_status_writes(node, aliases, initial):
    """How many status writes a call makes: status= in a queryset write or in a creation in a state a delivery
    cannot start in, update_fields naming status, bulk_update of status."""
    func = node.func
    method = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    receiver = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
    count = 0
    for keyword in (k for k in node.keywords if k.arg == "status"):
        value = _status_value(keyword.value, aliases)
        if method in ("update", "update_or_create", "bulk_update") and (_about_delivery(receiver) or value):
            count += 1
        elif value and value not in initial and method not in READS:  # created in a state it cannot start in
            count += 1
    if method == "save" and _about_delivery(receiver) and any(
            "status" in ast.unparse(keyword.value) for keyword in node.keywords if keyword.arg == "update_fields"):
        count += 1
    if method == "bulk_update" and any("status" in ast.unparse(arg) for arg in node.args[1:]) \
            and _about_delivery(ast.unparse(node)):
        count += 1
    return count


def _assigned_statuses(node, aliases):
    """How many targets of an assignment are a delivery's status (by its owner's name or the value given)."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    flat = [t for target in targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
    values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
    return sum(1 for target in flat if isinstance(target, ast.Attribute) and target.attr == "status" and (
        _about_delivery(ast.unparse(target.value)) or any(_status_value(v, aliases) for v in values)))


def status_writes(source, filename="<source>"):
    """Every place in `source` that writes a delivery's status other than by creating a row in an initial state."""
    tree = ast.parse(source, filename)
    aliases = _delivery_status_names(tree)
    initial = {str(status) for status in lifecycle.INITIAL.values()}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found += [(filename, node.lineno, ast.unparse(node)[:80])] * _call_status_writes(node, aliases, initial)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and RAW_UPDATE.search(node.value):
            found.append((filename, node.lineno, node.value[:80]))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            found += [(filename, node.lineno, ast.unparse(node)[:80])] * _assigned_statuses(node, aliases)
    return found


def test_no_delivery_status_is_written_outside_the_lifecycle():
    writes = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if path == LIFECYCLE or "migrations" in path.parts:
                continue
            writes += status_writes(path.read_text(), str(path.relative_to(ROOT)))
    assert writes == [], f"delivery status written outside documents/delivery_lifecycle.py: {writes}"


@pytest.mark.parametrize("source", [
    "Delivery.objects.filter(pk=1).update(status=Delivery.Status.SENT)",
    "S = Delivery.Status\nrows.filter(pk=1).update(status=S.PENDING, attempts=0)",
    "outgoing.deliveries.update(status='failed')",
    "delivery.status = Delivery.Status.SENT\ndelivery.save()",
    "delivery.status, delivery.sent_at = S.SENT, now",
    "S = Delivery.Status\nd.status = S.UNCERTAIN",
    "delivery.save(update_fields=['status'])",
    "Delivery(outgoing=o, channel='email', status=Delivery.Status.SENT)",
    "Delivery.objects.bulk_update(rows, ['status'])",
    "cursor.execute('UPDATE documents_delivery SET note = %s, status = %s WHERE id = %s', values)",
])
def test_the_scan_finds_a_write_that_bypasses_the_lifecycle(source):
    assert status_writes(source)


@pytest.mark.parametrize("source", [
    "Delivery(outgoing=o, channel='paper', status=Delivery.Status.NOT_ELECTRONIC)",
    "Incoming.objects.filter(delivery=d).update(status=Incoming.Status.ARRIVED)",
    "outgoing.status = Outgoing.Status.ISSUED",
    "Delivery.objects.filter(status=S.SENT).update(note='x')",
])
def test_the_scan_leaves_other_writes_alone(source):
    assert status_writes(source) == []


def test_every_state_is_reachable_and_every_non_final_state_can_move_on():
    targets = {t.target for t in lifecycle.TRANSITIONS.values()} | set(lifecycle.INITIAL.values())
    assert targets == set(S.values)
    movable = {source for t in lifecycle.TRANSITIONS.values() for source in t.sources}
    assert lifecycle.ACTIVE <= movable
    # Nothing sends `uncertain` or `sent` again by itself: only the clerk's resend does; a bounce that came
    # back (documents.bounces) marks them bounced, a final state the clerk resends from too.
    assert [t.name for t in lifecycle.TRANSITIONS.values() if S.UNCERTAIN in t.sources] == ["bounce", "resend"]
    assert [t.name for t in lifecycle.TRANSITIONS.values() if S.SENT in t.sources] == ["bounce"]
    assert S.BOUNCED in Delivery.FINAL and S.BOUNCED not in lifecycle.CLAIMABLE
    assert S.CONFIRMING not in lifecycle.TRANSITIONS["release"].sources
    assert S.CONFIRMING not in lifecycle.TRANSITIONS["defer"].sources

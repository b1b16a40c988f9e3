"""An incoming document's status is written in one place: documents/incoming_workflow.py.

The scan reads the source of every app (not tests, not migrations) and reports any write of an incoming
document's status elsewhere: an assignment to `<incoming>.status` (or setattr), a `status=` given to
`Incoming(...)` or to a create/update of `Incoming.objects…`, a bulk_update of its "status", or SQL that
updates the table's status column.
"""

import ast
import re
from pathlib import Path

import pytest

from documents import incoming_workflow as workflow
from documents.models import Incoming

ROOT = Path(__file__).resolve().parents[2]
LIFECYCLE = ROOT / "documents" / "incoming_workflow.py"
SKIPPED_DIRS = {".venv", "tests", "migrations", "node_modules", "var", "bench", "static", "templates", "locale"}
WRITING_CALLS = {"create", "update", "update_or_create", "get_or_create", "bulk_create", "aupdate", "acreate"}
SQL_UPDATE = re.compile(r"UPDATE\s+\"?documents_incoming\"?\s+SET\b[^;]*\bstatus\b", re.IGNORECASE | re.DOTALL)


def _about_incoming(node):
    """The expression names an incoming document: `incoming`, `self.incoming`, `doc.incoming`…"""
    text = ast.unparse(node)
    return re.search(r"(^|\.|_)incoming($|_)", text, re.IGNORECASE) is not None and "IncomingEvent" not in text


def _root(node):
    while isinstance(node, ast.Call | ast.Attribute | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _gives_status(call):
    for keyword in call.keywords:
        if keyword.arg == "status":
            return True
        if keyword.arg == "defaults" and isinstance(keyword.value, ast.Dict):
            if any(isinstance(k, ast.Constant) and k.value == "status" for k in keyword.value.keys):
                return True
    return False


def _targets(node):
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    for target in targets:
        yield from (target.elts if isinstance(target, ast.Tuple | ast.List) else [target])


def _assigned_statuses(node):
    """How many of an assignment's targets are an incoming document's status."""
    return sum(1 for target in _targets(node)
               if isinstance(target, ast.Attribute) and target.attr == "status" and _about_incoming(target.value))


def _call_writes_status(node):
    """setattr(incoming, "status", …), Incoming(status=…) or an Incoming queryset write giving a status."""
    func = node.func
    if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
        name = node.args[1]
        return isinstance(name, ast.Constant) and name.value == "status" and _about_incoming(node.args[0])
    if isinstance(func, ast.Name) and func.id == "Incoming":
        return _gives_status(node)
    if isinstance(func, ast.Attribute) and _root(func) == "Incoming":
        return (func.attr in WRITING_CALLS and _gives_status(node)) or (
            func.attr in {"bulk_update", "abulk_update"} and "'status'" in ast.unparse(node))
    return False


def status_writes(source, filename="<source>"):
    """Line numbers of the writes of an incoming document's status in `source`."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            found += [node.lineno] * _assigned_statuses(node)
        elif isinstance(node, ast.Call) and _call_writes_status(node):
            found.append(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_UPDATE.search(node.value):
            found.append(node.lineno)
    return found


def _app_sources():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRS.intersection(relative.parts[:-1]) or path == LIFECYCLE:
            continue
        yield relative, path.read_text(encoding="utf-8")


def test_no_code_outside_the_lifecycle_writes_an_incoming_documents_status():
    sources = list(_app_sources())
    assert any(str(relative) == "documents/services/incoming.py" for relative, _ in sources)
    bypasses = [f"{relative}:{line}" for relative, source in sources for line in status_writes(source, str(relative))]
    assert bypasses == [], "write the status through documents.incoming_workflow.advance"


@pytest.mark.parametrize("source", [
    "incoming.status = Incoming.Status.ACCEPTED",
    "incoming.status = workflow.check(membership, incoming, 'refuse')",
    "self.incoming.status, x = 'done', 1",
    "delivery.incoming.status = '06'",
    "setattr(incoming, 'status', '05')",
    "Incoming.objects.filter(pk=pk).update(status='06')",
    "Incoming.objects.create(agency=agency, status=Incoming.Status.ACCEPTED)",
    "Incoming.objects.update_or_create(pk=1, defaults={'status': '03'})",
    "Incoming(agency=agency, status='03')",
    "Incoming.objects.bulk_update(rows, ['status'])",
    "cursor.execute('UPDATE documents_incoming SET status = %s WHERE id = %s', ['06', 1])",
])
def test_the_scan_catches_every_kind_of_bypass(source):
    assert status_writes(source) == [1]


@pytest.mark.parametrize("source", [
    "workflow.advance(membership, incoming, 'complete')",
    "IncomingEvent.objects.create(incoming=incoming, action=action, status=incoming.status)",
    "delivery.status = Delivery.Status.SENT",
    "message.status = transition.target",
    "Incoming.objects.filter(status=Incoming.Status.ARRIVED).update(due_date=None)",
    "incoming.status_reason = reason",
])
def test_the_scan_leaves_other_writes_alone(source):
    assert status_writes(source) == []


def test_the_lifecycle_writes_the_status_and_documents_start_in_its_initial_state():
    assert status_writes(LIFECYCLE.read_text(encoding="utf-8")), "the lifecycle module itself is where it is written"
    assert Incoming._meta.get_field("status").default == workflow.INITIAL

"""Mailbox items have one lifecycle (intake/lifecycle.py), and nothing writes their status around it."""

import ast
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from intake import lifecycle, services
from intake.models import InboundMessage, StatusWriteRefused
from tests import factories

from .test_views import message_for

pytestmark = pytest.mark.django_db
S = InboundMessage.Status
ROOT = Path(__file__).resolve().parents[2]
LIFECYCLE = ROOT / "intake" / "lifecycle.py"


def test_every_state_is_reached_and_left_only_by_declared_transitions():
    targets = {t.target for t in lifecycle.TRANSITIONS.values()}
    sources = set().union(*(t.sources for t in lifecycle.TRANSITIONS.values()))
    assert set(S.values) == targets | lifecycle.INITIAL
    assert S.REGISTERED not in sources  # registered is final
    assert lifecycle.INITIAL == InboundMessage.INITIAL_STATUSES


def test_the_clerk_triages_along_the_lifecycle_and_registered_is_final(mailbox, clerk):
    message = message_for(mailbox)
    for target in (S.CORRESPONDENCE, S.PENDING, S.DISMISSED, S.PENDING, S.REGISTERED):
        message = services.inbound_set_status(membership=clerk, message=message, status=target)
        message.refresh_from_db()
        assert (message.status, message.status_changed_by) == (target, clerk)
    for target in (S.PENDING, S.DISMISSED, S.CORRESPONDENCE):
        with pytest.raises(ValidationError):
            services.inbound_set_status(membership=clerk, message=message, status=target)
    message.refresh_from_db()
    assert message.status == S.REGISTERED


def test_dismissed_goes_back_to_pending_only(mailbox, clerk):
    message = message_for(mailbox)
    services.inbound_set_status(membership=clerk, message=message, status=S.DISMISSED)
    with pytest.raises(ValidationError):
        services.inbound_set_status(membership=clerk, message=message, status=S.CORRESPONDENCE)
    assert [t.name for t in lifecycle.available(clerk, InboundMessage.objects.get(pk=message.pk))] == ["restore"]


def test_only_a_clerk_of_the_receiving_agency_moves_an_item(mailbox, clerk, leader, other_agency):
    message = message_for(mailbox)
    stranger = factories.make_member(other_agency, Role.CLERK)
    for membership in (leader, stranger, None):
        with pytest.raises(PermissionDenied):
            services.inbound_set_status(membership=membership, message=message, status=S.DISMISSED)
        assert lifecycle.available(membership, message) == []
    message.refresh_from_db()
    assert message.status == S.PENDING and message.status_changed_by is None


def test_the_mailbox_page_offers_no_shortcut_to_registered(mailbox, clerk):
    message = message_for(mailbox)
    with pytest.raises(ValidationError):
        services.inbound_triage(membership=clerk, message=message, status=S.REGISTERED)
    message.refresh_from_db()
    assert message.status == S.PENDING


# --- The guard: a write around the lifecycle fails -------------------------------------------------------

def test_saving_a_changed_status_outside_the_lifecycle_is_refused(mailbox):
    message = message_for(mailbox)
    message.status = S.REGISTERED
    with pytest.raises(StatusWriteRefused):
        message.save()
    with pytest.raises(StatusWriteRefused):
        message.save(update_fields=["status"])
    assert InboundMessage.objects.get(pk=message.pk).status == S.PENDING
    message.refresh_from_db()
    message.subject = "Tiêu đề khác"
    message.save()  # other fields stay writable


def test_bulk_writes_of_the_status_are_refused(mailbox):
    message = message_for(mailbox)
    with pytest.raises(StatusWriteRefused):
        InboundMessage.objects.filter(pk=message.pk).update(status=S.DISMISSED)
    message.status = S.DISMISSED
    with pytest.raises(StatusWriteRefused):
        InboundMessage.objects.bulk_update([message], ["status"])
    assert InboundMessage.objects.get(pk=message.pk).status == S.PENDING


def test_a_new_item_cannot_start_past_triage(mailbox):
    with pytest.raises(StatusWriteRefused):
        message_for(mailbox, status=S.REGISTERED)
    with pytest.raises(StatusWriteRefused):
        message_for(mailbox, status=S.DISMISSED)
    assert not InboundMessage.objects.exists()


# --- The source: no status write of a mailbox item outside intake/lifecycle.py ----------------------------

def _sources():
    for app in ("intake", "documents", "reports", "public_site", "accounts", "agencies", "pki", "portal"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts and path != LIFECYCLE:
                yield path


def _mentions_item(node):
    text = ast.unparse(node).lower()
    return "inbound" in text or "message" in text


def _writes(func):
    """A constructor of the model or a queryset method that writes rows."""
    if isinstance(func, ast.Name):
        return func.id == "InboundMessage"
    return isinstance(func, ast.Attribute) and (
        func.attr in {"InboundMessage", "update", "create", "get_or_create", "update_or_create"})


def _assigned_statuses(node):
    """How many targets of an assignment are a mailbox item's status."""
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    else:
        return 0
    elements = [e for target in targets for e in (target.elts if isinstance(target, ast.Tuple) else [target])]
    return sum(1 for e in elements if isinstance(e, ast.Attribute) and e.attr == "status" and _mentions_item(e.value))


def _is_initial(value):
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "initial_status"


def _call_status_writes(node):
    """How many status writes a call makes: setattr(item, "status", …), and status= in a constructor or
    queryset write that is not the lifecycle's initial status."""
    count = 0
    if isinstance(node.func, ast.Name) and node.func.id == "setattr" and len(node.args) >= 2:
        name = node.args[1]
        count += isinstance(name, ast.Constant) and name.value == "status" and _mentions_item(node.args[0])
    if _mentions_item(node.func) and _writes(node.func):
        count += sum(1 for k in node.keywords if k.arg == "status" and not _is_initial(k.value))
    return count


def status_writes_outside_the_lifecycle(tree):
    """(line, code) of writes to a mailbox item's status: assignments, setattr, and status= in constructors
    and queryset writes (except the initial status the lifecycle hands out)."""
    found = []
    for node in ast.walk(tree):
        count = _assigned_statuses(node) + (_call_status_writes(node) if isinstance(node, ast.Call) else 0)
        if count:
            found += [(node.lineno, ast.unparse(node))] * count
    return found


def test_no_code_writes_a_mailbox_item_status_outside_the_lifecycle():
    offenders = []
    for path in _sources():
        for line, code in status_writes_outside_the_lifecycle(ast.parse(path.read_text(), str(path))):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {code}")
    assert offenders == []


@pytest.mark.parametrize("code", [
    "message.status = 'dismissed'",
    "inbound.status, inbound.status_changed_at = S.REGISTERED, now",
    "InboundMessage.objects.filter(pk=pk).update(status='registered')",
    "InboundMessage(agency=agency, status=InboundMessage.Status.REGISTERED)",
    "setattr(message, 'status', 'pending')",
])
def test_the_source_check_catches_each_kind_of_bypass(code):
    assert status_writes_outside_the_lifecycle(ast.parse(code))

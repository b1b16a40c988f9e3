"""The states of an incoming document (the edXML status codes the sender sees) and who moves them.

This is the one place an incoming document's status is written (`advance`); a document is created
arrived (the model's default, `INITIAL`). tests/documents/test_incoming_lifecycle.py scans the code
for any other write.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from .models import Assignment, EdxmlStatus, Incoming, IncomingEvent

S = Incoming.Status

INITIAL = S.ARRIVED

# What each edXML status code tells the sender, for the tooltip and legend wherever a code is shown.
MEANINGS = {
    S.ARRIVED: _("Văn bản đã đến cơ quan nhận, chưa được vào sổ."),
    S.REFUSED: _("Cơ quan nhận từ chối tiếp nhận văn bản (kèm lý do)."),
    S.ACCEPTED: _("Văn thư đã tiếp nhận và vào sổ văn bản đến."),
    S.ASSIGNED: _("Lãnh đạo đã phân công đơn vị, người xử lý."),
    S.IN_PROGRESS: _("Đơn vị, người được phân công đang xử lý."),
    S.DONE: _("Văn bản đã được xử lý xong."),
    S.RECALLED: _("Cơ quan nhận đã đồng ý thu hồi: văn bản thôi được xử lý, tệp được giữ làm hồ sơ."),
    EdxmlStatus.REVISION_AGREED: _("Cơ quan nhận đồng ý đề nghị thu hồi, cập nhật hoặc thay thế văn bản."),
    EdxmlStatus.REVISION_REFUSED: _("Cơ quan nhận từ chối đề nghị thu hồi, cập nhật hoặc thay thế văn bản (kèm lý do)."),
}

# action: (states it may start from, state it leads to; None keeps the state)
TRANSITIONS = {
    "register": ({S.ARRIVED}, S.ACCEPTED),
    "refuse": ({S.ARRIVED}, S.REFUSED),
    "route": ({S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS}, S.ASSIGNED),
    "progress": ({S.ASSIGNED, S.IN_PROGRESS}, S.IN_PROGRESS),
    "input": ({S.ASSIGNED, S.IN_PROGRESS}, None),
    "complete": ({S.ASSIGNED, S.IN_PROGRESS}, S.DONE),
    "reply": ({S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS, S.DONE}, None),
    # The clerk agrees to the sender's recall (documents.services.revisions): out of handling, for good.
    "recall": ({S.ARRIVED, S.REFUSED, S.ACCEPTED, S.ASSIGNED, S.IN_PROGRESS, S.DONE}, S.RECALLED),
}
# Each action is recorded as the IncomingEvent of the same name, whose label it shares.
LABELS = {action: IncomingEvent.Action(action).label for action in TRANSITIONS}


def _assigned(membership, incoming, *roles):
    """The person is named in a current assignment with one of `roles`, or belongs to the named unit."""
    for assignment in incoming.assignments.all():
        if not assignment.is_current or assignment.role not in roles:
            continue
        if assignment.member_id == membership.pk or (assignment.unit_id and assignment.unit_id == membership.unit_id):
            return True
    return False


def is_lead(membership, incoming):
    return _assigned(membership, incoming, Assignment.Role.LEAD)


ACTORS = {
    "register": lambda m, i: m.has_role(Role.CLERK),
    "refuse": lambda m, i: m.has_role(Role.CLERK),
    "route": lambda m, i: m.has_role(Role.LEADER),
    "progress": is_lead,
    "input": lambda m, i: _assigned(m, i, Assignment.Role.COOPERATE, Assignment.Role.LEAD),
    "complete": is_lead,
    "reply": lambda m, i: is_lead(m, i) or m.has_role(Role.CLERK, Role.LEADER),
    "recall": lambda m, i: m.has_role(Role.CLERK) and i.revisions.filter(kind="1", state="open").exists(),
}


def allowed(membership, incoming, action):
    sources, _target = TRANSITIONS[action]
    return (
        bool(membership)
        and membership.agency_id == incoming.agency_id
        and incoming.status in sources
        and ACTORS[action](membership, incoming)
    )


def available(membership, incoming):
    return [action for action in TRANSITIONS if allowed(membership, incoming, action)]


def check(membership, incoming, action):
    sources, target = TRANSITIONS[action]
    if incoming.status not in sources:
        raise ValidationError(
            _("Không thể “%(action)s” văn bản đang ở trạng thái “%(status)s”.")
            % {"action": LABELS[action], "status": incoming.get_status_display()}
        )
    if not allowed(membership, incoming, action):
        raise PermissionDenied(_("Bạn không có quyền “%(action)s” văn bản này.") % {"action": LABELS[action]})
    return target


def advance(membership, incoming, action):
    """Check that `membership` may take `action` now and move the document to the state it leads to;
    the caller saves it."""
    target = check(membership, incoming, action)
    if target is not None:
        incoming.status = target
    return incoming

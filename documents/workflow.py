"""The states of an outgoing document and who may move it between them — all in one place."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from .models import Outgoing, OutgoingEvent, UnresolvedRecipientLine

S = Outgoing.Status
A = OutgoingEvent.Action  # each transition is recorded as the event of its name and shares its label
L = UnresolvedRecipientLine.State


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    label: str
    # Whether the page offers a comment box with the button, and whether the move refuses to go without one.
    takes_comment: bool = False
    needs_comment: bool = False
    # A step back (return, withdraw) rather than forward: the page draws it as a secondary button.
    backward: bool = False


TRANSITIONS = {
    t.name: t
    for t in [
        Transition("submit", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, A.SUBMIT.label, takes_comment=True),
        Transition("withdraw", frozenset({S.SUBMITTED}), S.DRAFT, A.WITHDRAW.label, backward=True),
        Transition("approve", frozenset({S.SUBMITTED}), S.APPROVED, A.APPROVE.label, takes_comment=True),
        Transition("return", frozenset({S.SUBMITTED}), S.RETURNED, A.RETURN.label, takes_comment=True,
                   needs_comment=True, backward=True),
        Transition("issue", frozenset({S.APPROVED}), S.ISSUED, A.ISSUE.label),
    ]
}

EDITABLE = frozenset({S.DRAFT, S.RETURNED})
# Who starts a draft of their own (anyone routed an incoming document may also draft its reply).
DRAFTERS = (Role.SPECIALIST, Role.CLERK)


def is_drafter(membership, outgoing):
    return membership.user_id == outgoing.created_by_id


def is_signer(membership, outgoing):
    return membership.pk == outgoing.signer_id


def is_clerk(membership, outgoing):
    return membership.agency_id == outgoing.agency_id and membership.has_role(Role.CLERK)


# Who may perform each transition (besides the document being in a source state).
ACTORS = {
    "submit": lambda m, o: is_drafter(m, o) or is_clerk(m, o),
    "withdraw": lambda m, o: is_drafter(m, o) or is_clerk(m, o),
    "approve": is_signer,
    "return": is_signer,
    "issue": is_clerk,
}
# Acting on these needs two-factor authentication (leaders and clerks must have TOTP).
NEEDS_MFA = frozenset({"approve", "issue"})
# Directive 34: every “Nơi nhận” gets the electronic copy, so these wait until no pasted line is left open.
NEEDS_SETTLED_LINES = frozenset({"submit", "approve", "issue"})


@dataclass(frozen=True)
class LineMove:
    sources: frozenset
    target: str
    event: str  # the OutgoingEvent.Action the move is recorded as in the draft's history, and its label


# How a pasted line that matched nothing moves: mapped to a recipient or dismissed with a reason, and back
# to open when the recipient it was mapped to is removed from the draft.
LINE_MOVES = {
    "map": LineMove(frozenset({L.OPEN}), L.MAPPED, A.LINE_MAP),
    "dismiss": LineMove(frozenset({L.OPEN}), L.DISMISSED, A.LINE_DISMISS),
    "reopen": LineMove(frozenset({L.MAPPED}), L.OPEN, A.LINE_REOPEN),
}


def can_edit(membership, outgoing):
    return outgoing.status in EDITABLE and membership.agency_id == outgoing.agency_id and (
        is_drafter(membership, outgoing) or is_clerk(membership, outgoing)
    )


def allowed(membership, outgoing, name):
    transition = TRANSITIONS[name]
    return (
        membership is not None
        and membership.agency_id == outgoing.agency_id
        and outgoing.status in transition.sources
        and ACTORS[name](membership, outgoing)
    )


def available(membership, outgoing):
    """The transitions this person may perform now, for the buttons on the page."""
    return [t for name, t in TRANSITIONS.items() if allowed(membership, outgoing, name)]


def check(membership, outgoing, name):
    """Raise unless `membership` may perform `name` on `outgoing` now; returns the transition."""
    transition = TRANSITIONS[name]
    if outgoing.status not in transition.sources:
        raise ValidationError(
            _("Không thể “%(action)s” văn bản đang ở trạng thái “%(status)s”.")
            % {"action": transition.label, "status": outgoing.get_status_display()},
            code="bad_state",
        )
    if not allowed(membership, outgoing, name):
        raise PermissionDenied(_("Bạn không có quyền “%(action)s” văn bản này.") % {"action": transition.label})
    if name in NEEDS_SETTLED_LINES:
        lines_check_settled(outgoing, transition)
    return transition


def lines_check_settled(outgoing, transition):
    """Raise while a pasted “Nơi nhận” line of `outgoing` is neither mapped nor dismissed."""
    open_lines = list(outgoing.unresolved_lines.filter(state=L.OPEN).values_list("text", flat=True))
    if open_lines:
        raise ValidationError(
            _("Chưa thể “%(action)s”: còn %(count)s dòng “Nơi nhận” chưa ghép với nơi nhận nào và chưa được bỏ qua "
              "kèm lý do: %(lines)s.")
            % {"action": transition.label, "count": len(open_lines),
               "lines": "; ".join(f"“{text}”" for text in open_lines)},
            code="open_lines",
        )


def line_move(line, name):
    """Move a pasted line by `name` (LINE_MOVES), refusing a move its state does not allow; returns the move."""
    move = LINE_MOVES[name]
    if line.state not in move.sources:
        raise ValidationError(_("Dòng “%(text)s” đã được xử lý (%(state)s).")
                              % {"text": line.text, "state": line.get_state_display()}, code="line_settled")
    line.state = move.target
    return move

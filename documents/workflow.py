"""The states of an outgoing document and who may move it between them — all in one place."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from .models import Outgoing

S = Outgoing.Status


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    label: str


TRANSITIONS = {
    t.name: t
    for t in [
        Transition("submit", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, _("Trình duyệt")),
        Transition("withdraw", frozenset({S.SUBMITTED}), S.DRAFT, _("Rút lại để sửa")),
        Transition("approve", frozenset({S.SUBMITTED}), S.APPROVED, _("Duyệt ký")),
        Transition("return", frozenset({S.SUBMITTED}), S.RETURNED, _("Trả lại")),
        Transition("issue", frozenset({S.APPROVED}), S.ISSUED, _("Cấp số, ký số và phát hành")),
    ]
}

EDITABLE = frozenset({S.DRAFT, S.RETURNED})


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
    return transition

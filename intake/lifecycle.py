"""The states of a mailbox item and every step between them — all in one place.

An item is created pending (it has files) or correspondence (it has none); the clerk moves it between
those and dismissed; registering it in the incoming register is final. Every status write of an
InboundMessage goes through `apply`; the model refuses any other (see InboundMessage.save).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from .models import InboundMessage, MailboxCheck, status_writes_allowed

S = InboundMessage.Status


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    label: str


TRANSITIONS = {
    t.name: t
    for t in [
        Transition("correspondence", frozenset({S.PENDING}), S.CORRESPONDENCE, _("Đánh dấu là thư trao đổi")),
        Transition("reopen", frozenset({S.CORRESPONDENCE}), S.PENDING, _("Đưa về chờ xử lý")),
        Transition("dismiss", frozenset({S.PENDING, S.CORRESPONDENCE}), S.DISMISSED, _("Bỏ qua thư này")),
        Transition("restore", frozenset({S.DISMISSED}), S.PENDING, _("Khôi phục về chờ xử lý")),
        Transition("register", frozenset({S.PENDING, S.CORRESPONDENCE}), S.REGISTERED, _("Vào sổ văn bản đến")),
    ]
}
# What the clerk does from the mailbox page; registering belongs to the documents register.
TRIAGE = frozenset({"correspondence", "reopen", "dismiss", "restore"})
INITIAL = InboundMessage.INITIAL_STATUSES  # the model's guard needs them too; declared there
OPEN = frozenset({S.PENDING, S.CORRESPONDENCE})


def initial_status(*, has_files):
    """A message with files waits for the clerk; one without is correspondence."""
    return S.PENDING if has_files else S.CORRESPONDENCE


def is_open(message):
    return message.status in OPEN


def find(message, target):
    """The transition that leads from the message's state to `target`, or None."""
    return next((t for t in TRANSITIONS.values() if message.status in t.sources and t.target == target), None)


def allowed(membership, message, name):
    try:
        ensure_actor(membership, message)
    except PermissionDenied:
        return False
    return message.status in TRANSITIONS[name].sources


def available(membership, message, names=TRIAGE):
    """The transitions this person may perform now, for the buttons on the page."""
    return [t for name, t in TRANSITIONS.items() if name in names and allowed(membership, message, name)]


def ensure_actor(membership, message):
    """Only a clerk of the receiving agency moves its mailbox items."""
    if not (membership and membership.agency_id == message.agency_id and membership.has_role(Role.CLERK)):
        raise PermissionDenied(_("Chỉ văn thư của cơ quan nhận mới xử lý được thư này."))


def check(membership, message, name):
    """Raise unless `membership` may perform `name` on `message` now; returns the transition."""
    transition = TRANSITIONS[name]
    ensure_actor(membership, message)
    if message.status not in transition.sources:
        raise ValidationError(
            _("Không thể “%(action)s” thư đang ở trạng thái “%(status)s”.")
            % {"action": transition.label, "status": message.get_status_display()},
            code="bad_state",
        )
    return transition


def apply(membership, message, name):
    """Perform `name` on a row locked by the caller: the only status write of a mailbox item. A person moved
    it, so it also counts as their looking at the mailbox (intake.checks)."""
    from .checks import mailbox_check_record  # here: checks reads the models this module guards

    transition = check(membership, message, name)
    message.status = transition.target
    message.status_changed_at, message.status_changed_by = timezone.now(), membership
    with status_writes_allowed():
        message.save(update_fields=["status", "status_changed_at", "status_changed_by"])
    mailbox_check_record(membership=membership, action=MailboxCheck.Action.TRIAGED, message=message)
    return message

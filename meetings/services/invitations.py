"""Invitations: a meeting's details on a Giấy mời draft, its invitees from the document's recipients, and their
resync when the document is issued. See docs/meetings.md."""

from ..models import Invitee


def invitee_address(invitee):
    """Where e-mail about the meeting goes for this invitee, or "" when nowhere."""
    if invitee.kind == Invitee.Kind.EMAIL:
        return invitee.email
    if invitee.kind == Invitee.Kind.AGENCY:
        return invitee.agency.official_email
    if invitee.kind == Invitee.Kind.UNIT:
        return invitee.unit.official_email
    return invitee.membership.official_email or invitee.membership.user.email

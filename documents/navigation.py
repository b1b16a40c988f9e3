"""Which documents pages a person opens, by role: the views' guards and the sidebar read this one table."""

from accounts.models import Role
from intake.selectors import PAGE_ROLES as INTAKE_PAGE_ROLES

from .workflow import DRAFTERS

STAFF = (Role.SPECIALIST, Role.CLERK, Role.LEADER)
REGISTER_KEEPERS = (Role.CLERK, Role.LEADER)

PAGE_ROLES = {
    "outgoing_list": STAFF,
    # A fresh draft; a leader may also open the form to answer an incoming document (services.outgoing).
    "outgoing_create": DRAFTERS,
    "outgoing_register": REGISTER_KEEPERS,
    "incoming_list": STAFF,
    "incoming_paper": (Role.CLERK,),
    "incoming_register_book": REGISTER_KEEPERS,
    **INTAKE_PAGE_ROLES,
}


def pages_for(membership):
    """The url names of the documents and mailbox pages `membership` may open."""
    return frozenset(name for name, roles in PAGE_ROLES.items() if membership and membership.has_role(*roles))

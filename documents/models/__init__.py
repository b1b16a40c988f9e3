from .common import DocumentType, EdxmlStatus, Secrecy, Urgency
from .delivery import Delivery, MailReport
from .incoming import Assignment, Incoming, IncomingEvent, IncomingFile, SignatureStatus
from .outgoing import NoiNhanAlias, Outgoing, OutgoingEvent, OutgoingFile, Recipient, UnresolvedRecipientLine
from .registers import Register, RegisterCounter
from .revisions import IncomingRevision, Revision, RevisionKind, RevisionNotice

__all__ = [
    "Assignment", "EdxmlStatus", "IncomingEvent", "IncomingRevision", "Revision", "RevisionKind", "RevisionNotice", "SignatureStatus", "Delivery", "DocumentType", "Incoming", "IncomingFile", "MailReport", "NoiNhanAlias", "Outgoing", "OutgoingEvent",
    "OutgoingFile", "Recipient", "Register", "RegisterCounter", "Secrecy", "UnresolvedRecipientLine", "Urgency",
]

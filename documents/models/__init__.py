from .common import DocumentType, Secrecy, Urgency
from .delivery import Delivery, MailReport
from .incoming import Assignment, Incoming, IncomingEvent, IncomingFile, SignatureStatus
from .outgoing import NoiNhanAlias, Outgoing, OutgoingEvent, OutgoingFile, Recipient, UnresolvedRecipientLine
from .registers import Register, RegisterCounter

__all__ = [
    "Assignment", "IncomingEvent", "SignatureStatus", "Delivery", "DocumentType", "Incoming", "IncomingFile", "MailReport", "NoiNhanAlias", "Outgoing", "OutgoingEvent",
    "OutgoingFile", "Recipient", "Register", "RegisterCounter", "Secrecy", "UnresolvedRecipientLine", "Urgency",
]

from .common import DocumentType, Secrecy, Urgency
from .delivery import Delivery
from .incoming import Incoming, IncomingFile
from .outgoing import NoiNhanAlias, Outgoing, OutgoingEvent, OutgoingFile, Recipient
from .registers import Register, RegisterCounter

__all__ = [
    "Delivery", "DocumentType", "Incoming", "IncomingFile", "NoiNhanAlias", "Outgoing", "OutgoingEvent",
    "OutgoingFile", "Recipient", "Register", "RegisterCounter", "Secrecy", "Urgency",
]

"""What the apps above documents (schedules, meetings) add to its issuing, its e-mail and its pages, without
documents importing them (tests/test_layering.py). An app registers its hooks in its AppConfig.ready().

- `ISSUED`: fn(outgoing), inside the issuing transaction, after the number is taken and the deliveries are
  created; raising rolls the issue back (the number goes back to the register).
- `MAIL_PARTS`: fn(outgoing) -> [MailPart]: parts every recipient's copy carries after the PDFs (a meeting's
  iCalendar invitation). Called once per document and only for documents mail may name (core.mail.mail_may_name).
- `MAIL_TEXT`: fn(outgoing, delivery) -> str: a paragraph of one recipient's text part (its answer link).
- `PANELS[page]`: fn(request, obj) -> (template_name, context) or None: a card on a documents page,
  rendered by `{% extension_panels "<page>" obj %}`; pages: outgoing_detail, incoming_detail, dashboard.
- `PEER_SEND`: fn(delivery_ids): send deliveries of channel `peer` (to an agency of another installation) now;
  called by the fan-out and the recovery tasks (documents.tasks). The exchange app registers the one sender.
- `INCOMING_STATUS`: fn(incoming, code, reason): an incoming document's sender should hear an edXML status
  (01–06, 13, 15, 16). Called after commit by `incoming_status` (documents.services.incoming and revisions).
- `REVISION_SENT`: fn(revision): after commit, once the signer agreed to a recall, update or replacement: tell the
  recipients of channel `peer` (their RevisionNotice rows) by an edXML envelope of the business type.
"""

from dataclasses import dataclass, field

from django.db import transaction


@dataclass(frozen=True)
class MailPart:
    data: bytes
    maintype: str
    subtype: str
    filename: str
    params: dict = field(default_factory=dict)


ISSUED = []
MAIL_PARTS = []
MAIL_TEXT = []
PANELS = {"outgoing_detail": [], "incoming_detail": [], "dashboard": []}
PEER_SEND = []
INCOMING_STATUS = []
REVISION_SENT = []


def issued(outgoing):
    for hook in ISSUED:
        hook(outgoing)


def mail_parts(outgoing):
    return [part for hook in MAIL_PARTS for part in hook(outgoing)]


def mail_text(outgoing, delivery):
    return [text for hook in MAIL_TEXT if (text := hook(outgoing, delivery))]


def panels(page, request, obj):
    return [panel for hook in PANELS[page] if (panel := hook(request, obj)) is not None]


def peer_send(delivery_ids):
    for hook in PEER_SEND:
        hook(delivery_ids)


def incoming_status(incoming, code, reason=""):
    """After commit, tell the hooks that `incoming`'s sender should hear status `code` (an EdxmlStatus)."""
    for hook in INCOMING_STATUS:
        transaction.on_commit(lambda hook=hook: hook(incoming, code, reason), robust=True)


def revision_sent(revision):
    for hook in REVISION_SENT:
        transaction.on_commit(lambda hook=hook: hook(revision), robust=True)

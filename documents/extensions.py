"""What the apps above documents (schedules, meetings) add to its issuing, its e-mail and its pages, without
documents importing them (tests/test_layering.py). An app registers its hooks in its AppConfig.ready().

- `ISSUED`: fn(outgoing), inside the issuing transaction, after the number is taken and the deliveries are
  created; raising rolls the issue back (the number goes back to the register).
- `MAIL_PARTS`: fn(outgoing) -> [MailPart]: parts every recipient's copy carries after the PDFs (a meeting's
  iCalendar invitation). Called once per document and only for documents mail may name (core.mail.mail_may_name).
- `MAIL_TEXT`: fn(outgoing, delivery) -> str: a paragraph of one recipient's text part (its answer link).
- `PANELS[page]`: fn(request, obj) -> (template_name, context) or None: a card on a documents page,
  rendered by `{% extension_panels "<page>" obj %}`; pages: outgoing_detail, incoming_detail, dashboard.
"""

from dataclasses import dataclass, field


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


def issued(outgoing):
    for hook in ISSUED:
        hook(outgoing)


def mail_parts(outgoing):
    return [part for hook in MAIL_PARTS for part in hook(outgoing)]


def mail_text(outgoing, delivery):
    return [text for hook in MAIL_TEXT if (text := hook(outgoing, delivery))]


def panels(page, request, obj):
    return [panel for hook in PANELS[page] if (panel := hook(request, obj)) is not None]

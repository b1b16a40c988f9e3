"""The e-mail policy every message the portal builds is serialized with: the standard library's SMTP policy
(email.message.EmailMessage, email.headerregistry.Address) with one correction to how it folds headers
that are not ASCII.

Python 3.11's folder ends an encoded word at a space and folds there, and RFC 2047 readers drop the
whitespace between two encoded words, so "thư điện tử" arrives as "thư điệntử" at a fold; in a display
name it also splits words between encoded words, which Python's own parser reads back with a space inside
the word. Here an unstructured header is cut into encoded words anywhere, its spaces inside them; a
display name keeps its ASCII words as they are and makes each run of the other words one encoded word,
so every reader (RFC 2047 or Python's) gets the same text back.
"""

import re
from email.charset import Charset
from email.headerregistry import AddressHeader, UnstructuredHeader
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME

from .text import nfc

UTF8 = Charset("utf-8")  # base64 encoded words
ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+\Z")
ENCODED_WORD_MAX = 75  # RFC 2047


class PortalMailPolicy(EmailPolicy):
    def _fold(self, name, value, refold_binary=False):
        if hasattr(value, "name") and not str(value).isascii():
            if isinstance(value, UnstructuredHeader):
                return self._fold_encoded(name, str(value))
            if isinstance(value, AddressHeader) and all(
                    g.display_name is None and all(a.addr_spec.isascii() for a in g.addresses) for g in value.groups):
                return self._fold_addresses(name, value.addresses)
        return super()._fold(name, value, refold_binary)

    def _fold_encoded(self, name, text):
        first = min(ENCODED_WORD_MAX, self.max_line_length - len(name) - 2)
        lengths = iter([first] + [ENCODED_WORD_MAX] * len(text))
        return f"{name}: " + (self.linesep + " ").join(UTF8.header_encode_lines(text, lengths)) + self.linesep

    def _fold_addresses(self, name, addresses):
        tokens = []
        for index, address in enumerate(addresses):
            words = phrase_words(address.display_name)
            if words:
                tokens += words
                tokens.append(f"<{address.addr_spec}>")
            else:
                tokens.append(address.addr_spec)
            if index < len(addresses) - 1:
                tokens[-1] += ","
        lines, line = [], f"{name}:"
        for token in tokens:
            if len(line) + 1 + len(token) > self.max_line_length and line != f"{name}:":
                lines.append(line)
                line = ""
            line += " " + token
        lines.append(line)
        return self.linesep.join(lines) + self.linesep


def phrase_words(display_name):
    """A display name as words to write: its ASCII atoms as they are, each run of other words as one
    encoded word (a long run stays one encoded word: splitting it is what readers disagree on)."""
    if not display_name:
        return []
    if not re.fullmatch(r"\S+( \S+)*", display_name):
        return [UTF8.header_encode(display_name)]
    words, run = [], []
    for word in display_name.split(" "):
        if ATOM.match(word):
            if run:
                words.append(UTF8.header_encode(" ".join(run)))
                run = []
            words.append(word)
        else:
            run.append(word)
    if run:
        words.append(UTF8.header_encode(" ".join(run)))
    return words


# Headers are 7-bit (encoded words, RFC 2231 file names) and bodies are quoted-printable or base64: every
# relay takes them, with or without 8BITMIME.
MAIL_POLICY = PortalMailPolicy(linesep="\r\n", cte_type="7bit")
# Prebuilt bytes handed to a Django backend are parsed back with this and written out as they were.
MAIL_POLICY_KEEP = MAIL_POLICY.clone(refold_source="none")


class PolicyMessage(EmailMessage):
    def as_bytes(self, unixfrom=False, policy=None, linesep=None):
        """Django's SMTP backend asks for CRLF line ends by `linesep`; MAIL_POLICY writes them always."""
        return super().as_bytes(unixfrom, policy)


class PolicyEmailMessage(EmailMultiAlternatives):
    """Django's e-mail message, built as a standard-library message under MAIL_POLICY: what Django 5.2 builds
    itself (compat32) starts a long encoded Subject with a fold, read back with a leading space. It carries
    Auto-Submitted: auto-generated when it comes from the portal's own address (DEFAULT_FROM_EMAIL)."""

    def message(self, **kwargs):
        msg = PolicyMessage(policy=MAIL_POLICY)
        extra = {name.lower(): (name, value) for name, value in self.extra_headers.items()}
        msg["Subject"] = nfc(self.subject)
        msg["From"] = nfc(extra.pop("from", (None, self.from_email))[1])
        for name, addresses in (("To", self.to), ("Cc", self.cc), ("Reply-To", self.reply_to)):
            value = extra.pop(name.lower(), (None, ", ".join(addresses)))[1]
            if value:
                msg[name] = nfc(value)
        msg["Date"] = extra.pop("date", (None, formatdate(localtime=settings.EMAIL_USE_LOCALTIME)))[1]
        msg["Message-ID"] = extra.pop("message-id", (None, make_msgid(domain=DNS_NAME)))[1]
        # RFC 3834: what the portal writes by itself from its own address (invitations, resets, digests) is
        # auto-generated, so that out-of-office replies are not sent back; what a person writes from an
        # agency's address (a reply to a citizen) is not.
        machine = self.from_email == settings.DEFAULT_FROM_EMAIL
        auto = extra.pop("auto-submitted", (None, "auto-generated" if machine else "no"))[1]
        if auto != "no":
            msg["Auto-Submitted"] = auto
        for name, value in extra.values():
            msg[name] = value
        msg.set_content(self.body, subtype=self.content_subtype, cte="quoted-printable")
        for content, mimetype in self.alternatives:
            msg.add_alternative(content, subtype=mimetype.partition("/")[2], cte="quoted-printable")
        for filename, content, mimetype in self.attachments:
            maintype, _, subtype = (mimetype or "application/octet-stream").partition("/")
            if isinstance(content, str):
                msg.add_attachment(content, subtype=subtype, filename=nfc(filename))
            else:
                msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=nfc(filename))
        return msg

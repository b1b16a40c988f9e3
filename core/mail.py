"""E-mail written to disk as one .eml file a message, for running without an SMTP server."""

import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class EmlFileBackend(BaseEmailBackend):
    """Writes each message to EMAIL_FILE_PATH/<UTC time>-<random>.eml, openable by any mail client."""

    _lock = threading.Lock()

    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages):
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
            with self._lock:
                (self.directory / name).write_bytes(message.message().as_bytes())
            sent += 1
        return sent


def mail_may_name(document):
    """The one rule for every message the portal sends: a secret document (any degree of secrecy) is never
    named in an e-mail — no summary, number, file or link (Directive 34/2008/CT-TTg; secret documents
    never leave through the open network). Mail-building code asks this of every document it mentions;
    tests/test_mail_secrecy.py checks that every sending path does."""
    return not getattr(document, "secrecy", "")


def retry_backoff(attempts, *, first, most):
    """Seconds to wait after the `attempts`-th failed try of a message: doubling from `first`, at most `most`
    (document deliveries, schedule sendings and meeting e-mails back off alike)."""
    return min(first * 2 ** max(attempts - 1, 0), most)

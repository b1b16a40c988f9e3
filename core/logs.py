"""Logging helpers named in settings.LOGGING."""

import logging
import sys


class WithoutTraceback(logging.Filter):
    """Keep a library's message but drop its traceback: an expected outcome (an untrusted signature a stranger
    uploads to /verify/) is one log line, not twenty."""

    def filter(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()} ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
            record.args = None
        record.exc_info = record.exc_text = record.stack_info = None
        return True


class Console(logging.StreamHandler):
    """StreamHandler on whatever sys.stderr is when a record is written, not the one it was when logging was
    set up: a test runner that swaps and closes sys.stderr (pytest's capture) must not break logging."""

    def __init__(self):
        super().__init__(stream=None)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        """The stream always follows sys.stderr; StreamHandler's own assignment is ignored."""

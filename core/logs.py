"""Logging helpers named in settings.LOGGING."""

import logging


class WithoutTraceback(logging.Filter):
    """Keep a library's message but drop its traceback: an expected outcome (an untrusted signature a stranger
    uploads to /verify/) is one log line, not twenty."""

    def filter(self, record):
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()} ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
            record.args = None
        record.exc_info = record.exc_text = record.stack_info = None
        return True

"""Queueing work without waiting on a broker twice in one request.

Work is queued after its transaction commits (`transaction.on_commit(..., robust=True)`); a publish that fails
leaves the work pending in the database, and beat's recovery tasks queue it later. With Redis hanging, each publish
waits out the read timeout (REDIS_SOCKET_TIMEOUT, a second): issuing a document queues two tasks and waited two
seconds. After a failure this thread does not try the broker again until the next request starts (or, outside
requests, until BROKER_RETRY_SECONDS have passed): a request pays the timeout once.
"""

import logging
import threading
import time

from celery import Task
from django.conf import settings
from django.core.signals import request_started
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)
_state = threading.local()


def _reset(**kwargs):
    _state.down_until = 0.0


request_started.connect(_reset, dispatch_uid="portal.publishing.reset")


class PublishOnceTask(Task):
    """Celery's Task, whose publish fails at once while the broker was just found unreachable."""

    def apply_async(self, *args, **kwargs):
        if time.monotonic() < getattr(_state, "down_until", 0.0):
            raise OperationalError(f"{self.name} not queued: the broker did not answer a moment ago")
        try:
            return super().apply_async(*args, **kwargs)
        except OperationalError:
            _state.down_until = time.monotonic() + settings.BROKER_RETRY_SECONDS
            log.error("Broker unreachable while queueing %s: not tried again in this request; recovery queues it",
                      self.name)
            raise

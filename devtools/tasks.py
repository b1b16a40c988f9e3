"""Tasks only tests and benchmarks send; a worker loads them with `--include devtools.tasks`."""

import os
import socket

from celery import shared_task


@shared_task(ignore_result=False)  # its caller waits for the answer
def ping():
    """Answer with where the task ran, so a caller can tell a real worker from an in-process call."""
    return {"pong": True, "pid": os.getpid(), "host": socket.gethostname()}

import os
import socket

from celery import shared_task

from . import health


@shared_task(ignore_result=False)  # its caller waits for the answer
def ping():
    """Answer with where the task ran, so a caller can tell a real worker from an in-process call."""
    return {"pong": True, "pid": os.getpid(), "host": socket.gethostname()}


@shared_task(ignore_result=True)
def heartbeat():
    """Show /healthz that a worker takes tasks (beat sends this every HEALTHZ_HEARTBEAT_SECONDS)."""
    health.heartbeat_record()

import os
import socket

from celery import shared_task


@shared_task
def ping():
    """Answer with where the task ran, so a caller can tell a real worker from an in-process call."""
    return {"pong": True, "pid": os.getpid(), "host": socket.gethostname()}

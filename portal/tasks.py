from celery import shared_task

from . import health


@shared_task(ignore_result=True)
def heartbeat():
    """Show /healthz that a worker takes tasks (beat sends this every HEALTHZ_HEARTBEAT_SECONDS)."""
    health.heartbeat_record()

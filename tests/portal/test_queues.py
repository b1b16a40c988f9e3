"""The one routing table (portal/queues.py): every task has a kind or is one of the few left on the default queue,
and a message published on the real Redis lands on its kind's queue and on no other."""

import redis
from django.conf import settings

from portal import queues
from portal.celery import app

# Housekeeping that any worker consuming the default queue may do.
ON_THE_DEFAULT_QUEUE = {
    "portal.tasks.heartbeat", "documents.tasks.kept_uploads_purge", "documents.tasks.page_previews_purge",
    "documents.tasks.register_pdfs_purge", "devtools.tasks.ping",
}


def portal_tasks():
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_task_has_a_kind_and_every_route_names_a_task():
    tasks = portal_tasks()
    assert set(queues.ROUTES) <= tasks, set(queues.ROUTES) - tasks
    assert tasks - set(queues.ROUTES) <= ON_THE_DEFAULT_QUEUE, tasks - set(queues.ROUTES) - ON_THE_DEFAULT_QUEUE
    assert set(queues.ROUTES.values()) == set(queues.KINDS)


def test_the_beat_schedule_leaves_queues_to_the_table():
    chosen = {name: entry["options"]["queue"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
              if "queue" in entry.get("options", {})}
    assert chosen == {}
    assert settings.CELERY_TASK_ROUTES["documents.tasks.deliveries_recover"] == {
        "queue": settings.CELERY_RECOVERY_QUEUE}


def test_a_message_lands_on_its_kinds_queue_only(redis_url):
    app.conf.task_always_eager = False
    client = redis.Redis.from_url(redis_url)
    names = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    with app.connection_for_write() as connection:
        for queue in app.amqp.queues.values():  # bound as a worker consuming every queue binds them
            queue(connection.default_channel).declare()
        app.control.purge()
        for task in ("ocr.tasks.text_extract", "pki.tasks.remote_signing_poll", "portal.tasks.heartbeat"):
            app.send_task(task, [0], expires=60)
        lengths = {name: client.llen(name) for name in names}
        app.control.purge()
    default = settings.CELERY_TASK_DEFAULT_QUEUE
    assert lengths == {name: int(name in (default, f"{default}.ocr", f"{default}.signing")) for name in names}

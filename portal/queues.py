"""Celery queues per kind of work and the one table routing each task to its queue (docs/deploy.md, "Queues and
workers").

Each kind has a queue of its own, so that a burst of one kind (an OCR batch, a fan-out to 10,000 recipients, a
month of reports) never delays another (a leader's signature): a worker consumes the queues it is given with `-Q`,
and one started without `-Q` (`make run`'s) consumes them all. Queue names start with CELERY_QUEUE ("portal"), so
that two installations sharing a Redis keep apart; a task missing from the table runs on that default queue.
"""

from kombu import Exchange, Queue

SIGNING = "signing"      # remote signatures waiting for the phone: a person waits on the page
DELIVERY = "delivery"    # issued documents to agencies on this portal and to other installations
EMAIL = "email"          # e-mail to recipients and staff: deliveries, notices, meeting and schedule mail
MAILBOX = "mailbox"      # reading the agencies' mailboxes (Directive 34) and judging their checks
OCR = "ocr"              # the text of scans (OCRmyPDF) and the digitised archive's batches of scans
REPORTS = "reports"      # heavy reads: reports, register PDFs, the morning digests
RECOVERY = "recovery"    # beat's recovery of lost tasks: never behind the work it recovers
KINDS = (SIGNING, DELIVERY, EMAIL, MAILBOX, OCR, REPORTS, RECOVERY)

ROUTES = {
    "pki.tasks.remote_signing_poll": SIGNING,
    "documents.tasks.outgoing_deliver": DELIVERY,
    "documents.tasks.delivery_to_portal": DELIVERY,
    "exchange.tasks.peer_delivery_send": DELIVERY,
    "exchange.tasks.message_send": DELIVERY,
    "documents.tasks.deliveries_send_email": EMAIL,
    "documents.tasks.revision_notices_send": EMAIL,
    "meetings.tasks.meeting_mails_send": EMAIL,
    "meetings.tasks.meeting_reminders_due": EMAIL,
    "schedules.tasks.schedule_sending_send": EMAIL,
    "intake.tasks.mailbox_poll": MAILBOX,
    "intake.tasks.mailbox_poll_all": MAILBOX,
    "intake.tasks.mailbox_checks_judge": MAILBOX,
    "ocr.tasks.text_extract": OCR,
    "archive.tasks.batch_store": OCR,
    "reports.tasks.incidents_overdue_sync": REPORTS,
    "reports.tasks.month_facts_refresh": REPORTS,
    "documents.tasks.register_pdf_make": REPORTS,
    "documents.tasks.overdue_digest": REPORTS,
    "search.tasks.saved_searches_mail": REPORTS,
    "documents.tasks.deliveries_recover": RECOVERY,
    "exchange.tasks.messages_recover": RECOVERY,
    "ocr.tasks.texts_recover": RECOVERY,
    "archive.tasks.batches_recover": RECOVERY,
    "meetings.tasks.meeting_mails_recover": RECOVERY,
    "documents.tasks.revision_notices_recover": RECOVERY,
    "schedules.tasks.schedule_sendings_recover": RECOVERY,
    "pki.tasks.remote_signing_sweep": RECOVERY,
    # On the default queue: beat's heartbeat (/healthz), the nightly purges, devtools' ping.
}


def queue_name(default, kind):
    return f"{default}.{kind}"


def task_queues(default):
    """Every queue, the default one first (CELERY_TASK_QUEUES: what a worker without -Q consumes). Each is bound
    under its own name, as Celery binds a queue it creates by itself, not all of them under the default key."""
    names = (default, *(queue_name(default, kind) for kind in KINDS))
    return [Queue(name, Exchange(name), routing_key=name) for name in names]


def task_routes(default):
    """CELERY_TASK_ROUTES: task name -> its kind's queue."""
    return {task: {"queue": queue_name(default, kind)} for task, kind in ROUTES.items()}

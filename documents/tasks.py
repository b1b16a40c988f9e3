"""Thin tasks: primary keys in, a call into a delivery service or documents.mail_delivery, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from . import delivery_lifecycle, extensions, mail_delivery, previews, revision_mail
from .models import Delivery
from .services import delivery as delivery_services
from .services.reminders import overdue_digest_send
from .uploads import uploads_purge_stale


def _queue_emails(ids):
    Delivery.objects.filter(pk__in=ids).update(queued_at=timezone.now())
    for batch in delivery_services.email_batches(ids):
        deliveries_send_email.delay(batch)


@shared_task
def outgoing_deliver(outgoing_id):
    """Fan out an issued document: portal recipients at once, e-mail in batches."""
    rows = list(
        Delivery.objects.filter(outgoing_id=outgoing_id, status__in=delivery_lifecycle.CLAIMABLE).values_list("pk", "channel")
    )
    emails = [pk for pk, channel in rows if channel == Delivery.Channel.EMAIL]
    _queue_emails(emails)
    _dispatch_portal_and_peer(rows)


def _dispatch_portal_and_peer(rows):
    for pk, channel in rows:
        if channel == Delivery.Channel.PORTAL:
            delivery_to_portal.delay(pk)
    peers = [pk for pk, channel in rows if channel == Delivery.Channel.PEER]
    if peers:
        extensions.peer_send(peers)


@shared_task(autoretry_for=(Exception,), retry_backoff=5, retry_backoff_max=600, max_retries=10)
def delivery_to_portal(delivery_id):
    delivery_services.delivery_into_portal(delivery_id)


@shared_task
def deliveries_send_email(delivery_ids):
    for delivery_id, wait in mail_delivery.send_emails(delivery_ids):
        deliveries_send_email.apply_async([[delivery_id]], countdown=wait)


@shared_task
def deliveries_recover():
    """Beat, every DELIVERY_RECOVER_SECONDS, on its own queue (CELERY_RECOVERY_QUEUE) so that it never
    waits behind sending tasks."""
    ids = delivery_services.deliveries_recover()
    rows = list(Delivery.objects.filter(pk__in=ids).values_list("pk", "channel"))
    _queue_emails([pk for pk, channel in rows if channel == Delivery.Channel.EMAIL])
    _dispatch_portal_and_peer(rows)
    return len(ids)


@shared_task
def overdue_digest():
    """Daily (beat): e-mail each person their overdue incoming documents, and the leaders who routed them."""
    return overdue_digest_send()


@shared_task
def kept_uploads_purge():
    """Daily (beat): main files kept aside for unfinished draft forms go after a day."""
    return uploads_purge_stale()


@shared_task
def page_previews_purge():
    """Daily (beat): page images of drafts' main files nobody previewed for a week."""
    return previews.purge_stale()


@shared_task
def revision_notices_send(notice_ids):
    """E-mail the notices of a recall, update or replacement; a row that failed comes back with backoff."""
    for notice_id, wait in revision_mail.notices_send(notice_ids):
        revision_notices_send.apply_async([[notice_id]], countdown=wait)


@shared_task
def revision_notices_recover():
    """Beat, every 10 minutes: send again the notice e-mails whose task or retry was lost."""
    ids = revision_mail.notices_lost()
    if ids:
        revision_notices_send.delay(ids)
    return len(ids)


@shared_task
def register_pdfs_purge():
    """Daily (beat): register PDFs made for a download, once their job has expired."""
    from . import register_exports

    return register_exports.pdf_files_purge()


@shared_task
def register_pdf_make(token, membership_id, kind, year, filters):
    """Make a register's PDF into the storage, noting how many rows are done for the page that shows progress."""
    from django.core.files import File
    from django.core.files.storage import default_storage

    from accounts.models import Membership

    from . import register_exports

    job = register_exports.pdf_job(token)
    if job is None:
        return

    def progress(done):
        job["done"] = done
        register_exports.pdf_job_save(token, job)

    membership = Membership.objects.select_related("agency", "user").get(pk=membership_id)
    try:
        file, name, _content_type = register_exports.register_export_file(
            membership=membership, kind=kind, year=year, filters=filters, export="pdf", progress=progress)
    except Exception:
        job["failed"] = True
        register_exports.pdf_job_save(token, job)
        raise
    with file:
        job["file"] = default_storage.save(f"exports/{token}.pdf", File(file, name=name))
    job["name"], job["done"] = name, job["total"]
    register_exports.pdf_job_save(token, job)

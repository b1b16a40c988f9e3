"""Thin tasks around exchange.transport: primary keys in, safe to run twice (every send claims its row first)."""

from celery import shared_task
from django.utils import timezone

from documents.models import Delivery

from . import transport


def peer_send(delivery_ids):
    """documents.extensions.PEER_SEND: the fan-out or the recovery has peer deliveries to send."""
    Delivery.objects.filter(pk__in=delivery_ids).update(queued_at=timezone.now())
    for delivery_id in delivery_ids:
        peer_delivery_send.delay(delivery_id)


@shared_task
def peer_delivery_send(delivery_id):
    wait = transport.delivery_send(delivery_id)
    if wait is not None:
        peer_delivery_send.apply_async([delivery_id], countdown=wait)


@shared_task
def message_send(message_pk):
    wait = transport.message_send(message_pk)
    if wait is not None:
        message_send.apply_async([message_pk], countdown=wait)


@shared_task
def messages_recover():
    """Beat, every EXCHANGE_RECOVER_SECONDS, on the recovery queue."""
    ids = transport.messages_recover()
    for pk in ids:
        message_send.delay(pk)
    return len(ids)

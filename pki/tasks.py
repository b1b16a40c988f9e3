"""Thin tasks: primary keys in, a call into pki.remote.services, safe to run twice."""

from celery import shared_task

from .models import RemoteSigningRequest
from .remote import services as remote_services


@shared_task
def remote_signing_poll(request_id):
    """Poll one remote signing request, and again every POLL_SECONDS while it is pending.

    Eager runs (the tests' in-process tasks) poll once: the countdown would otherwise recurse at once."""
    request = RemoteSigningRequest.objects.filter(pk=request_id).first()
    if request is None:
        return None
    request = remote_services.remote_poll(request)
    if request.status == RemoteSigningRequest.Status.PENDING and not remote_signing_poll.request.is_eager:
        remote_signing_poll.apply_async((request_id,), countdown=remote_services.POLL_SECONDS)
    return request.status


@shared_task
def remote_signing_sweep():
    """Beat (every minute): pending requests whose polling chain broke (a worker restarted) are polled again."""
    ids = remote_services.remote_stale_ids()
    for request_id in ids:
        remote_signing_poll.delay(request_id)
    return len(ids)

"""Thin tasks: a FileText's primary key in, a call into ocr.extraction; safe to run twice."""

from celery import shared_task

from . import extraction


@shared_task
def text_extract(file_text_id):
    extraction.extract(file_text_id)


@shared_task
def texts_recover():
    """Beat: take again the rows a crashed worker left running past the lease, and pending ones never queued."""
    ids = extraction.recoverable_ids()
    for pk in ids:
        text_extract.delay(pk)
    return len(ids)

"""Thin tasks: a batch's primary key in, a call into archive.services; safe to run twice."""

from celery import shared_task

from . import services


@shared_task
def batch_store(batch_pk):
    return services.batch_store(batch_pk)


@shared_task
def batches_recover():
    return services.batches_recover()

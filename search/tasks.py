"""Thin tasks: a call into search.services, safe to run twice (each saved search remembers its last e-mail)."""

from celery import shared_task

from .services import saved_search_digest_send


@shared_task
def saved_searches_mail():
    return saved_search_digest_send()

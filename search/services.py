"""Writing saved searches; the daily e-mail of their new matches."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership
from core.mail import mail_may_name
from core.mail_headers import PolicyEmailMessage

from . import selectors
from .indexing import SOURCES
from .models import SavedSearch
from .selectors import FACETS

DIGEST_LIMIT = 50


def saved_search_create(*, membership, name, query, filters, email_daily=False):
    """A search kept by `membership` with the filters of the moment; e-mails count from now."""
    kept = {key: value for key, value in (filters or {}).items() if key in FACETS and value}
    return SavedSearch.objects.create(membership=membership, name=name.strip()[:200] or query[:200],
                                      query=query.strip()[:200], filters=kept, email_daily=email_daily,
                                      last_notified_at=timezone.now())


def saved_search_delete(*, membership, saved):
    if saved.membership_id != membership.pk:
        raise PermissionDenied
    with transaction.atomic():
        saved.delete()


def saved_search_digest_send(now=None):
    """One e-mail per saved search asking for it that has new matches since its last one: the matches its owner
    may open now, secret ones only counted (core.mail.mail_may_name). Returns how many were sent."""
    now = now or timezone.now()
    messages = []
    with translation.override("vi"):
        active = Membership.objects.active().values("pk")  # a person who left gets nothing
        for saved in SavedSearch.objects.filter(email_daily=True, membership__in=active).select_related(
                "membership__user"):
            since = saved.last_notified_at or saved.created_at
            entries = list(selectors.new_matches(saved, since).filter(created_at__lte=now)[:DIGEST_LIMIT])
            if not entries:
                continue
            for entry in entries:
                entry.url = reverse(SOURCES[entry.kind].url_name, args=[entry.object_id])
            context = {"user": saved.membership.user, "saved": saved, "count": len(entries), "since": since,
                       "site": settings.SITE_URL, "named": [entry for entry in entries if mail_may_name(entry)],
                       "secret_count": sum(1 for entry in entries if not mail_may_name(entry))}
            messages.append(PolicyEmailMessage(
                subject=render_to_string("search/email/new_matches_subject.txt", context).strip(),
                body=render_to_string("search/email/new_matches_body.txt", context),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[saved.membership.official_email or saved.membership.user.email],
            ))
            SavedSearch.objects.filter(pk=saved.pk).update(last_notified_at=now)
    if messages:
        get_connection().send_messages(messages)
    return len(messages)

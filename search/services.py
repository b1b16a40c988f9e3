"""Writing saved searches; the daily e-mail of their new matches."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .models import SavedSearch
from .selectors import FACETS


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

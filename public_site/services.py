"""Writing actions of the public pages."""

from django.db import transaction

from .models import Download


@transaction.atomic
def download_record(*, delivery, file, ip, user_agent, user=None):
    """Log one download of a reply's file (the issuing clerk sees the count on the delivery row)."""
    return Download.objects.create(
        delivery=delivery, file=file, ip=ip or None, user_agent=(user_agent or "")[:500],
        user=user if user is not None and user.is_authenticated else None,
    )

"""Writing actions of the public pages."""

from django.db import transaction

from .models import Download
from .selectors import verified_emails


def downloaded_by(delivery, user):
    """Who is downloading: the citizen is only the account holding the reply's address (verified); a staff
    member, of any agency, is staff even with the code; anyone else got in by the code."""
    if user is None or not user.is_authenticated:
        return Download.By.CODE
    if user.kind == user.Kind.STAFF:
        return Download.By.STAFF
    if delivery.email.lower() in verified_emails(user):
        return Download.By.CITIZEN
    return Download.By.CODE


@transaction.atomic
def download_record(*, delivery, file, ip, user_agent, user=None):
    """Log one download of a reply's file and who made it (the issuing clerk sees them on the delivery row)."""
    return Download.objects.create(
        delivery=delivery, file=file, ip=ip or None, user_agent=(user_agent or "")[:500],
        user=user if user is not None and user.is_authenticated else None, by=downloaded_by(delivery, user),
    )

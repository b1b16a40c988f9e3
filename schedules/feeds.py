"""Calendar feeds: a person's private feed (what they chair, lead or attend, drafts included) behind a secret
token, and an agency's public feed and page (published, non-internal entries only).

The token is secrets.token_urlsafe(32) (32 random bytes), shown once; the database keeps only its SHA-256, so
a leaked database does not open anyone's calendar. One active token per person: making a new one revokes the
old one, and a revoked or unknown token is a 404, as if the feed never existed.
"""

import hashlib
import secrets
from datetime import date, timedelta

from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Membership
from agencies.models import Agency

from . import calendar
from .models import FeedToken
from .selectors import EntryRow, entries_for_person, entries_public
from .services import week_bounds, week_start_of

# What a feed holds around today: calendar apps poll it, so a few weeks back and a quarter ahead.
FEED_PAST = timedelta(weeks=4)
FEED_AHEAD = timedelta(weeks=13)


def token_sha256(token):
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token_active(membership):
    return FeedToken.objects.filter(membership=membership, revoked_at__isnull=True).first()


@transaction.atomic
def feed_token_create(*, membership):
    """A new feed token for the person (their previous one revoked); returns (FeedToken, token). The token
    itself is never stored: the caller shows it once."""
    Membership.objects.select_for_update().filter(pk=membership.pk).first()
    FeedToken.objects.filter(membership=membership, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    return FeedToken.objects.create(membership=membership, token_sha256=token_sha256(token)), token


@transaction.atomic
def feed_token_revoke(*, membership):
    """The person's active token stops working at once. Returns how many were revoked (0 or 1)."""
    return FeedToken.objects.filter(membership=membership, revoked_at__isnull=True).update(revoked_at=timezone.now())


def _window():
    now = timezone.now()
    return now - FEED_PAST, now + FEED_AHEAD


def person_feed_for_token(token):
    """The private feed's bytes for a token; 404 for a revoked or unknown token, or a person who left."""
    if not token or len(token) > 100:
        raise Http404
    feed = (FeedToken.objects.select_related("membership__user", "membership__agency")
            .filter(token_sha256=token_sha256(token), revoked_at__isnull=True,
                    membership__in=Membership.objects.active()).first())
    if feed is None:
        raise Http404
    FeedToken.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    rows = [EntryRow.from_entry(entry) for entry in entries_for_person(feed.membership, *_window())]
    return calendar.person_feed(feed.membership, rows)


def public_agency(code):
    """An agency active on the portal, by its code (its public schedule); 404 otherwise."""
    return get_object_or_404(Agency, code=code, is_active=True, uses_portal=True)


def agency_feed(agency):
    return calendar.agency_feed(agency, entries_public(agency, *_window()))


def week_of(value):
    """The Monday of the week asked for (?week=YYYY-MM-DD), this week when missing or unreadable."""
    try:
        return week_start_of(date.fromisoformat(value))
    except (TypeError, ValueError):
        return week_start_of(timezone.localdate())


def public_week(agency, week_start):
    """The agency's published, non-internal entries of the week, grouped by day: [(date, [EntryRow])]."""
    rows = entries_public(agency, *week_bounds(week_start))
    days = []
    for offset in range(7):
        day = week_start + timedelta(days=offset)
        day_rows = [row for row in rows if row.local_day == day]
        if day_rows or offset < 5:
            days.append((day, day_rows))
    return days

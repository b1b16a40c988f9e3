"""A person's calendar feed: the page to make, show once, revoke and renew it, and the feed itself (the URL
holds the secret token, so calendar apps fetch it without logging in)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from accounts.access import staff_required
from core.ical import CONTENT_TYPE

from . import feeds


@staff_required()
def calendar_feeds(request):
    membership = request.membership
    feed_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if feeds.feed_token_revoke(membership=membership):
                messages.success(request, _("Đã thu hồi đường dẫn lịch; ứng dụng lịch đang dùng nó sẽ không nhận "
                                            "được lịch nữa."))
            return redirect("calendar_feeds")
        _feed, token = feeds.feed_token_create(membership=membership)
        # Shown once, on this response only: the database keeps only the token's SHA-256.
        feed_url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
    return render(request, "schedules/feeds.html", {
        "active": feeds.feed_token_active(membership), "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.partition("://")[2] if feed_url else "",
    })


@require_safe
def calendar_feed(request, token):
    response = HttpResponse(feeds.person_feed_for_token(token), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="lich-cong-tac-ca-nhan.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response

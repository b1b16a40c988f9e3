"""Limits on guessing lookup codes, per client address and per code, kept in the Django cache by
django-ratelimit (Redis in production and under `make test`).

Only wrong tries count: a citizen who opens the link of their e-mail ten times is not guessing. The count is
read before the lookup and raised after a miss, so parallel requests may overshoot the limit by a few.
"""

import ipaddress

from django.conf import settings
from django_ratelimit.core import get_usage

IP_GROUP = "public.lookup.ip"
CODE_GROUP = "public.lookup.code"


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the header a trusted proxy sets (settings.CLIENT_IP_META_KEY)."""
    key = settings.CLIENT_IP_META_KEY
    value = (request.META.get(key) if key else "") or request.META.get("REMOTE_ADDR", "")
    value = value.split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return ""


def _ip_key(group, request):
    """IPv6 clients are counted per /64, the usual size of one subscriber's network."""
    ip = client_ip(request)
    if ":" in ip:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return ip


def _usages(request, code, increment):
    yield "ip", get_usage(request, group=IP_GROUP, key=_ip_key, rate=settings.LOOKUP_WRONG_RATE_PER_IP,
                          increment=increment)
    if code:
        yield "code", get_usage(request, group=CODE_GROUP, key=lambda group, request: code,
                                rate=settings.LOOKUP_WRONG_RATE_PER_CODE, increment=increment)


def lookup_blocked(request, code):
    """"ip" or "code" when that limit of wrong tries is used up, else None."""
    for scope, usage in _usages(request, code, increment=False):
        if usage is not None and usage["count"] >= usage["limit"]:
            return scope
    return None


def lookup_missed(request, code):
    """Count one wrong try against the client's address and against the code typed."""
    list(_usages(request, code, increment=True))

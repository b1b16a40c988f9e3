"""The receiving end of the exchange between installations: POST /exchange/edxml/ (docs/exchange.md).

No session, no CSRF token: the caller is another installation, known by the signature of its envelope (a
certificate of an active Installation, and a sender agency that this side's directory says it serves). Answers
are JSON: {"result": "received" | "already_received" | "refused", "reason": "…"} with the reason in Vietnamese.
"""

import logging
import time

from django.core.cache import cache
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from . import edxml, transport

log = logging.getLogger(__name__)


def _answer(result, reason="", status=200, **headers):
    response = JsonResponse({"result": result, "reason": reason}, status=status,
                            json_dumps_params={"ensure_ascii": False})
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _within_rate(installation):
    """At most `rate_limit_per_minute` envelopes a minute from one installation (a counter in the cache)."""
    minute = int(time.time() // 60)
    key = f"exchange:rate:{installation.pk}:{minute}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count <= installation.rate_limit_per_minute


def _body(request, limit):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return None
    data = request.read(limit + 1)
    return None if len(data) > limit else data


@csrf_exempt
@never_cache
def edxml_receive(request):
    if request.method != "POST":
        return _answer("refused", "Chỉ nhận gói tin edXML bằng POST.", 405, Allow="POST")
    limit = edxml.max_envelope_bytes()
    data = _body(request, limit)
    if data is None:
        return _answer("refused", f"Gói tin vượt quá {limit // (1024 * 1024)} MB.", 413)
    try:
        installation, read = transport.envelope_identify(data)
        if not _within_rate(installation):
            return _answer("refused", f"Hệ thống {installation.name} gửi quá {installation.rate_limit_per_minute} "
                           "gói tin mỗi phút; hãy gửi lại sau.", 429, Retry_After="60")
        result = transport.envelope_receive(installation, read.message, data)
    except transport.Refused as exc:
        log.info("edXML envelope refused (%s): %s", exc.status, exc.reason)
        return _answer("refused", exc.reason, exc.status)
    return _answer(result, "Đã nhận gói tin." if result == "received" else "Gói tin này đã được nhận trước đó.")

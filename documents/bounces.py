"""Bounces matched to deliveries (VERP).

Each e-mail delivery goes out with its own envelope sender, `bounce+<token>@<agency's mail domain>`, so a
bounce that comes back later names the delivery it is about. The token is the delivery's id and an HMAC of it
keyed from SECRET_KEY: nobody outside can forge a bounce for a delivery they did not receive.
"""

import re

from django.utils.crypto import constant_time_compare, salted_hmac

VERP_PREFIX = "bounce+"
_SALT = "documents.bounces.verp"
_TOKEN = re.compile(r"bounce\+d([0-9a-z]+)\.([0-9a-f]{16})@", re.IGNORECASE)


def _tag(delivery_id):
    return salted_hmac(_SALT, str(delivery_id)).hexdigest()[:16]


def _base36(number):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def envelope_sender(delivery):
    """The delivery's own return path: `bounce+d<id in base 36>.<tag>@<domain of the agency's address>`."""
    domain = delivery.outgoing.agency.official_email.rpartition("@")[2]
    return f"{VERP_PREFIX}d{_base36(delivery.pk)}.{_tag(delivery.pk)}@{domain}"


def delivery_id_from_address(address):
    """The delivery id a VERP address names, or None if it is not one of ours (or its tag is wrong)."""
    match = _TOKEN.search(address or "")
    if not match:
        return None
    delivery_id = int(match.group(1), 36)
    return delivery_id if constant_time_compare(match.group(2).lower(), _tag(delivery_id)) else None

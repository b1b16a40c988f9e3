"""The states of a delivery and every move between them — all in one place, and the only module that
writes `Delivery.status` (tests/documents/test_delivery_lifecycle.py scans the source for any other).

Each move is one conditional UPDATE whose WHERE clause names the states it may start from (and, for
the moves of a sending run, the run's claim token), so two runs, the recovery and a clerk can race on
a row and at most one of them moves it.

    pending/retry ─claim─▶ sending ─confirm─▶ confirming ─sent─▶ sent
    sending ─retry/fail─▶ retry/failed          (any error before the final dot; 5xx)
    confirming ─retry/fail─▶ retry/failed       (a definite 4xx/5xx answer to the final dot)
    confirming ─uncertain─▶ uncertain ─resend (clerk, confirmed)─▶ pending
    pending/retry/sending ─defer─▶ deferred ─resume─▶ pending, or ─expire─▶ failed
    sending ─release (lease ran out)─▶ pending;  failed/bounced ─resend─▶ pending
    sent/uncertain ─bounce (a delivery report came back, documents.bounces)─▶ bounced
    pending/retry ─deliver_in_portal─▶ sent;  sending ─withhold (secret)─▶ not_electronic
    peer (another installation): pending/retry ─claim─▶ sending ─deliver_to_peer─▶ sent, or ─retry/fail─▶
    retry/failed (the receiver is idempotent, so any error before its answer is a retry, never uncertain)

Before the final dot (`sending`) any error is harmless: the server discards a message without its
final dot. Once `confirming` is committed and the dot is sent, only a definite answer of the server
moves the row to sent, retry or failed; anything else (timeout, reset, EOF, TLS error, a dead worker)
makes it `uncertain`, never a retry.
"""

import functools
from dataclasses import dataclass

from django.db import connection
from django.db.models import F

from .models import Delivery

S = Delivery.Status


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str


TRANSITIONS = {
    t.name: t
    for t in [
        # A sending run takes due rows for one attempt (documents.mail_delivery).
        Transition("claim", frozenset({S.PENDING, S.RETRY}), S.SENDING),
        # The message is streamed; committed before the final dot, the point of no return.
        Transition("confirm", frozenset({S.SENDING}), S.CONFIRMING),
        Transition("sent", frozenset({S.CONFIRMING}), S.SENT),
        # A definite temporary answer (4xx), or any error before the final dot.
        Transition("retry", frozenset({S.SENDING, S.CONFIRMING}), S.RETRY),
        # A definite permanent answer (5xx), or temporary answers until DELIVERY_MAX_ATTEMPTS.
        Transition("fail", frozenset({S.SENDING, S.CONFIRMING}), S.FAILED),
        # No definite answer after the final dot: the server may have the message.
        Transition("uncertain", frozenset({S.CONFIRMING}), S.UNCERTAIN),
        # The relay cannot be reached: wait for it without spending attempts.
        Transition("defer", frozenset({S.PENDING, S.RETRY, S.SENDING, S.DEFERRED}), S.DEFERRED),
        Transition("resume", frozenset({S.DEFERRED}), S.PENDING),
        # Waited DELIVERY_QUEUE_LIFETIME for the relay.
        Transition("expire", frozenset({S.DEFERRED}), S.FAILED),
        # Recovery: the lease of a dead run ran out before its final dot; sending again is safe.
        Transition("release", frozenset({S.SENDING}), S.PENDING),
        # Defence in depth: planning never makes an e-mail row for a secret document.
        Transition("withhold", frozenset({S.SENDING}), S.NOT_ELECTRONIC),
        # Another installation answered "received" or "already received" to the envelope (exchange app).
        Transition("deliver_to_peer", frozenset({S.SENDING}), S.SENT),
        # Into the recipient agency's incoming queue (documents.services.delivery).
        Transition("deliver_in_portal", frozenset({S.PENDING, S.RETRY}), S.SENT),
        # Accepted by the relay, then returned: a bounce came back to the delivery's VERP address.
        Transition("bounce", frozenset({S.SENT, S.UNCERTAIN}), S.BOUNCED),
        # The clerk sends a failed, bounced or uncertain e-mail again (documents.services.delivery).
        Transition("resend", frozenset({S.FAILED, S.BOUNCED, S.UNCERTAIN}), S.PENDING),
    ]
}

# The state a planned row starts in, by channel.
INITIAL = {
    Delivery.Channel.PORTAL: S.PENDING,
    Delivery.Channel.EMAIL: S.PENDING,
    Delivery.Channel.PEER: S.PENDING,
    Delivery.Channel.PAPER: S.NOT_ELECTRONIC,
}
# Rows a sending task may still take (now or when due).
CLAIMABLE = TRANSITIONS["claim"].sources
# Rows still on their way: every state the model does not call final.
ACTIVE = frozenset(S.values) - frozenset(Delivery.FINAL)
RESENDABLE = TRANSITIONS["resend"].sources
# An uncertain row may already be in the recipient's mailbox: the clerk confirms they checked before it goes again.
RESEND_NEEDS_CONFIRMATION = frozenset({S.UNCERTAIN})


def resend_offer(delivery):
    """What the clerk is offered for this delivery: None, "resend", or "confirm" (resend once they confirm that
    they checked with the recipient). Only e-mail is sent again; the portal and paper have their own ways."""
    if delivery.channel != Delivery.Channel.EMAIL or delivery.status not in RESENDABLE:
        return None
    return "confirm" if delivery.status in RESEND_NEEDS_CONFIRMATION else "resend"


def move_all(queryset, name, **fields):
    """Move every row of `queryset` that is in a source state of `name`; returns how many moved."""
    transition = TRANSITIONS[name]
    return queryset.filter(status__in=transition.sources).update(status=transition.target, **fields)


def move(delivery_id, name, *, token=None, **fields):
    """Move one row if it is in a source state of `name` (and still held by `token`); True if it moved.

    Plain values go through one prepared UPDATE (twice per e-mail on the fan-out's hot path, where the
    ORM's query building was a measurable share, bench/README.md); expressions through the ORM."""
    if any(hasattr(value, "resolve_expression") for value in fields.values()):
        rows = Delivery.objects.filter(pk=delivery_id)
        if token is not None:
            rows = rows.filter(claim_token=token)
        return bool(move_all(rows, name, **fields))
    transition = TRANSITIONS[name]
    names = tuple(sorted(fields))
    sql = _move_sql(names, len(transition.sources), token is not None)
    values = [transition.target] + [_db_value(name, fields[name]) for name in names]
    values += [delivery_id, *sorted(transition.sources)] + ([token] if token is not None else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.rowcount == 1


@functools.cache
def _move_sql(names, sources, with_token):
    meta, quote = Delivery._meta, connection.ops.quote_name
    columns = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in names)
    return (f"UPDATE {quote(meta.db_table)} SET {quote('status')} = %s{', ' if names else ''}{columns} "
            f"WHERE {quote('id')} = %s AND {quote('status')} IN ({', '.join(['%s'] * sources)})"
            + (f" AND {quote('claim_token')} = %s" if with_token else ""))


def _db_value(name, value):
    return Delivery._meta.get_field(name).get_db_prep_save(value, connection)


def claim(queryset, *, token, now, lease_until):
    """Take the rows for one attempt of this run (token); one UPDATE, the attempt counted."""
    return move_all(queryset, "claim", claimed_at=now, claim_token=token, lease_until=lease_until,
                    last_attempt_at=now, attempts=F("attempts") + 1)


def lease_renew(token, lease_until):
    """The holder of a claim is alive and still working: push the end of its lease."""
    return Delivery.objects.filter(
        claim_token=token, status__in=(S.SENDING, S.CONFIRMING)
    ).update(lease_until=lease_until)

"""Heavy reads on a PostgreSQL streaming replica (DATABASE_REPLICA_URL), never a read that must see one's own write.

Only views that opt in with `heavy_reads` (reports, search, registers and their exports, the traffic log) read from
the replica; everything else, and every write, stays on the primary. After a request of a signed-in person that
wrote, `WalPositionMiddleware` keeps the primary's WAL position in their session; their next heavy page reads the
replica only once the replica has replayed up to it (`pg_last_wal_replay_lsn()`), else the primary. A replica that
cannot be reached, or lags more than DATABASE_REPLICA_MAX_LAG_SECONDS, is skipped for everyone (docs/deploy.md).
"""

import contextlib
import logging
import time
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

REPLICA = "replica"
SESSION_KEY = "replica_min_lsn"
WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")

logger = logging.getLogger(__name__)
_reads_from = ContextVar("reads_from", default=DEFAULT_DB_ALIAS)
_down_until = 0.0  # per process: after a failure the replica is not asked again for DATABASE_REPLICA_RETRY_SECONDS

# Caught up with the person's own last write; seconds behind the primary (0 when all received WAL is replayed; else
# since the last replayed commit, which overstates the lag of a replica of an idle primary: the safe side).
_STATE_SQL = """
    SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn,
           CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END
"""


class ReplicaRouter:
    """Reads go where the current heavy view decided (the primary unless it opted in); writes always to the primary,
    also for rows read from the replica."""

    def db_for_read(self, model, **hints):
        return _reads_from.get()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}

    def allow_migrate(self, db, app_label, **hints):
        return db != REPLICA  # it is a copy of the primary: migrations run there only


def _replica_failed(exc):
    global _down_until
    _down_until = time.monotonic() + settings.DATABASE_REPLICA_RETRY_SECONDS
    logger.warning("read replica unusable, reading the primary for %ss: %s",
                   settings.DATABASE_REPLICA_RETRY_SECONDS, exc)
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


def replica_usable(min_lsn=None):
    """Whether the replica may serve reads now: reachable, replaying, at most the allowed lag behind, and (with
    `min_lsn`, the WAL position after the reader's own last write) caught up with that write."""
    if REPLICA not in settings.DATABASES or time.monotonic() < _down_until:
        return False
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(_STATE_SQL, [min_lsn or "0/0"])
            caught_up, lag = cursor.fetchone()
    except DatabaseError as exc:
        _replica_failed(exc)
        return False
    # NULLs: not in recovery (not a replica) or nothing replayed yet.
    return bool(caught_up) and lag is not None and lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS


@contextlib.contextmanager
def replica_reads(min_lsn=None):
    """Reads inside go to the replica when `replica_usable(min_lsn)`, else to the primary; yields the alias."""
    alias = REPLICA if replica_usable(min_lsn) else DEFAULT_DB_ALIAS
    token = _reads_from.set(alias)
    try:
        yield alias
    finally:
        _reads_from.reset(token)


@contextlib.contextmanager
def primary_reads():
    """Reads inside go to the primary even in a heavy view: rows the replica may not have yet (the usage report's
    monthly totals, computed on demand by this request or another one a moment ago)."""
    token = _reads_from.set(DEFAULT_DB_ALIAS)
    try:
        yield
    finally:
        _reads_from.reset(token)


def reads_connection():
    """The connection raw SQL of a read should use: the one the ORM's reads use now (the router's choice)."""
    return connections[_reads_from.get()]


@contextlib.contextmanager
def local_settings(*settings):
    """PostgreSQL settings ("jit = off") for the queries of the block only: SET LOCAL inside a transaction on the
    connection reads use now (the replica's on a heavy page); nothing on SQLite."""
    reading = reads_connection()
    if reading.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=reading.alias):
        with reading.cursor() as cursor:
            for setting in settings:
                cursor.execute(f"SET LOCAL {setting}")
        yield


def heavy_reads(view):
    """A page or export that only reads and may lag a moment behind: on the replica unless the person's own last
    write is not there yet. A replica failing during the page makes it read the primary again once (GET only)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        session = getattr(request, "session", None)
        with replica_reads(session.get(SESSION_KEY) if session is not None else None) as alias:
            try:
                return view(request, *args, **kwargs)
            except DatabaseError as exc:
                if alias != REPLICA or request.method not in ("GET", "HEAD"):
                    raise
                _replica_failed(exc)
        return view(request, *args, **kwargs)

    return wrapped


class WalPositionMiddleware:
    """Remembers, in the session of a signed-in person whose request wrote (or was a POST…), the primary's WAL
    position after it: their next heavy page must see that write (heavy_reads)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        wrote = []

        def watch(execute, sql, params, many, context):
            if not wrote and sql.lstrip()[:6].upper().startswith(WRITES):
                wrote.append(True)
            return execute(sql, params, many, context)

        with connections[DEFAULT_DB_ALIAS].execute_wrapper(watch):
            response = self.get_response(request)
        user = getattr(request, "user", None)
        if (wrote or request.method not in ("GET", "HEAD", "OPTIONS")) and user is not None \
                and user.is_authenticated:
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_lsn()::text")
                request.session[SESSION_KEY] = cursor.fetchone()[0]
        return response

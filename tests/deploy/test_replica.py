"""The read replica for real (issue 18): a private primary and its streaming replica (pg_basebackup -R), the portal on
both. Heavy pages read the replica, but never hide from a clerk the document they have just registered; a replica
too far behind or stopped leaves the pages on the primary."""

import time
import uuid

import pytest

from tests.waiting import wait_for

from .conftest import register
from .pgcluster import requires_server

pytestmark = requires_server

REGISTER = "/registers/incoming/"  # Sổ đăng ký văn bản đến: a heavy page (core.replica.heavy_reads)
LIST = "/incoming/"  # the clerk's ordinary list: never on the replica
HEAVY = [REGISTER, f"{REGISTER}?export=xlsx", "/registers/outgoing/", "/reports/traffic/",
         "/reports/traffic/?export=xlsx", "/reports/incidents/", "/search/?q=ki%E1%BB%83m+tra",
         "/search/export.xlsx?q=ki%E1%BB%83m+tra", "/reports/usage/", "/reports/usage/?export=xlsx"]


@pytest.fixture
def replica(primary):
    replica = primary.replica()
    yield replica
    replica.remove()


@pytest.fixture
def portal(primary, replica, portal_on):
    portal = portal_on(DATABASE_URL=primary.url("portal"), DATABASE_REPLICA_URL=replica.url("portal"),
                       DATABASE_REPLICA_MAX_LAG_SECONDS="60")
    # Binh is also the agency's admin: the usage report is for leaders and admins.
    portal("staff", agency=f"Sở thử {uuid.uuid4().hex[:6]}", people={"an": ["clerk"], "binh": ["clerk", "admin"]})
    return portal


def caught_up(primary, replica):
    target = primary.sql("SELECT pg_current_wal_lsn()")[0][0]
    return wait_for(lambda: replica.sql("SELECT pg_last_wal_replay_lsn() >= %s", [target])[0][0], timeout=30)


def reads_on(cluster):
    """How many statements reading the portal's tables the server has run (pg_stat_statements; Django quotes every
    table name, the check of the replica's position names none)."""
    return cluster.sql("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query ~ 'FROM \"[a-z]'",
                       database="portal")[0][0]


def shows(portal, who, path, summary):
    page = portal("get", who=who, path=path)
    assert page["status"] == 200
    return summary in page["body"]


def test_a_lagging_replica_never_hides_a_clerks_new_document_from_them(primary, replica, portal):
    assert caught_up(primary, replica)
    replica.sql("SELECT pg_wal_replay_pause()")
    first = register(portal, "an")
    # An's own write is not on the replica yet: An's heavy page reads the primary and shows it.
    before = reads_on(replica)
    assert shows(portal, "an", REGISTER, first)
    assert shows(portal, "binh", LIST, first)  # an ordinary page, whoever reads it
    assert reads_on(replica) == before
    # Binh wrote nothing: the heavy page reads the replica, paused before An's document.
    assert not shows(portal, "binh", REGISTER, first)
    assert reads_on(replica) > before

    replica.sql("SELECT pg_wal_replay_resume()")
    assert caught_up(primary, replica)
    assert shows(portal, "binh", REGISTER, first)

    # Once the replica has An's write, An reads it again: Binh's next document, held back, is not there for An.
    replica.sql("SELECT pg_wal_replay_pause()")
    second = register(portal, "binh")
    assert shows(portal, "binh", REGISTER, second)
    assert not shows(portal, "an", REGISTER, second)

    # Held back longer than allowed, the replica is skipped for everyone.
    time.sleep(1.2)  # the lag is measured in seconds since the last replayed commit
    portal("set", name="DATABASE_REPLICA_MAX_LAG_SECONDS", value=1)
    assert shows(portal, "an", REGISTER, second)
    replica.sql("SELECT pg_wal_replay_resume()")


def test_every_heavy_page_and_export_reads_the_replica(primary, replica, portal):
    register(portal, "an")
    assert caught_up(primary, replica)
    for path in HEAVY:
        assert caught_up(primary, replica)  # the usage report's monthly totals, computed on demand: Binh's own write
        before = reads_on(replica)
        assert portal("get", who="binh", path=path)["status"] == 200, path
        assert reads_on(replica) > before, path
    # None of them failed over to the primary (which a failure on the replica does for a while): still read there.
    assert caught_up(primary, replica)
    before = reads_on(replica)
    assert portal("get", who="binh", path=REGISTER)["status"] == 200
    assert reads_on(replica) > before


def test_a_stopped_replica_leaves_heavy_pages_on_the_primary(primary, replica, portal):
    first = register(portal, "an")
    assert caught_up(primary, replica)
    assert shows(portal, "binh", REGISTER, first)
    replica.stop()
    second = register(portal, "an")
    started = time.monotonic()
    assert shows(portal, "binh", REGISTER, second)
    assert time.monotonic() - started < 5
    assert shows(portal, "an", REGISTER, second)

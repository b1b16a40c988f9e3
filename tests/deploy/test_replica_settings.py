"""DATABASE_REPLICA_URL in the settings: nothing changes without it (the suite's own runs), and with it a mirror of
the test database, the router and the middleware that keeps each writer's WAL position."""

import json

from tests.portal.test_settings import run

PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s;"
    "print(json.dumps({'aliases': sorted(s.DATABASES), 'routers': s.DATABASE_ROUTERS, 'middleware': s.MIDDLEWARE,"
    "'replica': s.DATABASES.get('replica', {})}))"
)
PRIMARY = "postgres://portal@10.0.0.11:5432/portal"


def test_without_a_replica_url_every_read_stays_on_the_one_database(tmp_path):
    result = run(["-c", PROBE], {"DATABASE_URL": PRIMARY}, tmp_path)
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    assert conf["aliases"] == ["default"] and conf["routers"] == []
    assert "core.replica.WalPositionMiddleware" not in conf["middleware"]


def test_a_replica_url_adds_the_replica_the_router_and_the_wal_position(tmp_path):
    result = run(["-c", PROBE], {"DATABASE_URL": PRIMARY, "DATABASE_REPLICA_URL": "postgres://portal@10.0.0.12/portal",
                                 "DB_CONN_MAX_AGE": "30"}, tmp_path)
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    assert conf["aliases"] == ["default", "replica"] and conf["routers"] == ["core.replica.ReplicaRouter"]
    replica = conf["replica"]
    assert replica["HOST"] == "10.0.0.12" and replica["TEST"]["MIRROR"] == "default"
    assert replica["CONN_MAX_AGE"] == 30 and replica["OPTIONS"]["connect_timeout"] == 2
    # After the session and the user are known, before the upload limit that must stay last.
    middleware = conf["middleware"]
    assert middleware[-2:] == ["core.replica.WalPositionMiddleware", "core.middleware.UploadLimitMiddleware"]


def test_a_replica_needs_postgresql_as_the_primary(tmp_path):
    result = run(["-c", PROBE], {"DATABASE_REPLICA_URL": "postgres://portal@10.0.0.12/portal"}, tmp_path)
    assert result.returncode != 0 and "DATABASE_REPLICA_URL needs PostgreSQL" in result.stderr

"""Private PostgreSQL clusters for the deployment tests (read replica, backups): a primary of their own in a temporary
directory on a free port, its streaming replica or a restored copy. Never a base backup of the shared server on 5432,
which holds other people's databases. Debian's server binaries run as the `postgres` user (initdb refuses root)."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from tests.smtp import free_port


def _server_bin():
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


BIN = _server_bin()
requires_server = pytest.mark.skipif(
    BIN is None or not (BIN / "pg_basebackup").exists(),
    reason="PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup in /usr/lib/postgresql/<n>/bin) are not "
           "installed: apt-get install postgresql (make setup-dev does)")
# Small and fast: a test cluster never needs to survive a crash of the machine.
SETTINGS = {"listen_addresses": "'127.0.0.1'", "fsync": "off", "synchronous_commit": "off",
            "shared_buffers": "'32MB'", "max_connections": "40",
            "wal_level": "replica", "hot_standby": "on"}


def as_postgres(args, check=True, **kwargs):
    """Run a server program as the postgres user when we are root (the machines run as root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *map(str, args)], check=check, capture_output=True, text=True, **kwargs)


def private_dir(prefix):
    """A directory of its own the postgres user may write in (pytest's tmp_path is root's alone)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    return path


class Cluster:
    def __init__(self, root, port):
        self.root, self.data, self.port = Path(root), Path(root) / "data", port

    @classmethod
    def create(cls, prefix="portal-pg-", **settings):
        """A new cluster (trust authentication on loopback, replication allowed), started."""
        cluster = cls(private_dir(prefix), free_port())
        as_postgres([BIN / "initdb", "-D", cluster.data, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                     "--locale=C.UTF-8"])
        cluster.configure(**SETTINGS, **settings)
        cluster.start()
        return cluster

    def configure(self, **settings):
        """Settings (postgresql.auto.conf, values as PostgreSQL reads them) for the next start."""
        lines = [f"port = {self.port}", f"unix_socket_directories = '{self.root}'",
                 *(f"{name} = {value}" for name, value in settings.items())]
        conf = self.data / "postgresql.auto.conf"
        as_postgres(["sh", "-c", f"cat >> {conf}"], input="\n".join(lines) + "\n")

    def start(self):
        as_postgres([BIN / "pg_ctl", "-D", self.data, "-l", self.root / "server.log", "-w", "-t", "60", "start"])

    def stop(self):
        as_postgres([BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop"])

    def running(self):
        return as_postgres([BIN / "pg_ctl", "-D", self.data, "status"], check=False).returncode == 0

    def remove(self):
        if self.running():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, query, params=None, database="postgres"):
        """Rows of one statement, autocommitted."""
        with psycopg.connect(self.url(database), autocommit=True) as conn, conn.cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def base_backup(self, target, *extra):
        """pg_basebackup of this cluster into `target` (a data directory), WAL streamed alongside."""
        as_postgres([BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "-D", target,
                     "-X", "stream", "-c", "fast", *extra])

    def replica(self, prefix="portal-pg-replica-"):
        """A hot standby streaming from this cluster (pg_basebackup -R), started."""
        replica = Cluster(private_dir(prefix), free_port())
        self.base_backup(replica.data, "-R")
        replica.configure()
        replica.start()
        return replica

"""Backups and restoring them for real (issue 18): a base backup of a private primary whose WAL is archived, a
snapshot of the stored files, and deploy/restore_check.py restoring them into a fresh cluster up to a restore point
and comparing every table and file with the source; a tampered copy is caught."""

import os
import shutil
import subprocess
import sys
import uuid

from tests.conftest import ROOT

from .conftest import register
from .pgcluster import requires_server

pytestmark = requires_server


def run(*args, **environment):
    env = {**os.environ, **{name: str(value) for name, value in environment.items()}}
    return subprocess.run([str(a) for a in args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def restore_check(primary, wal_archive, base, files, *options, **environment):
    return run(sys.executable, "deploy/restore_check.py", "--source", primary.url("portal"), "--base", base,
               "--wal-archive", wal_archive, "--files", files, "--timeout", "120", *options, **environment)


def test_a_backup_restores_whole_and_a_tampered_copy_is_caught(primary, wal_archive, portal_on, tmp_path):
    portal = portal_on(DATABASE_URL=primary.url("portal"))
    portal("staff", agency=f"Sở thử {uuid.uuid4().hex[:6]}", people={"an": ["clerk"]})
    register(portal, "an")
    backups, media = tmp_path / "backups", tmp_path / "var0" / "media"
    made = run(ROOT / "deploy/backup-postgres.sh", BACKUP_DIR=backups, PGHOST="127.0.0.1", PGPORT=primary.port,
               PGUSER="postgres", WAL_ARCHIVE=wal_archive)
    assert made.returncode == 0, made.stderr
    register(portal, "an")  # after the base backup: restored from the archived WAL
    made = run(ROOT / "deploy/backup-files.sh", BACKUP_DIR=backups, FILES_SOURCE=media)
    assert made.returncode == 0, made.stderr
    register(portal, "an")  # after both: its file comes with the check's own snapshot, made after its restore point

    checked = restore_check(primary, wal_archive, backups / "base/latest", backups / "files/latest",
                            "--after-restore-point", ROOT / "deploy/backup-files.sh",
                            BACKUP_DIR=backups, FILES_SOURCE=media)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "OK:" in checked.stdout and " 3 files checked" in checked.stdout

    # A copy of both with a table's data file emptied and a stored file changed.
    base, files = tmp_path / "tampered-base", tmp_path / "tampered-files"
    shutil.copytree(backups / "base/latest", base, symlinks=True)
    shutil.copytree(backups / "files/latest", files)
    (base / primary.sql("SELECT pg_relation_filepath('django_migrations')", database="portal")[0][0]).write_bytes(b"")
    migrations = primary.sql("SELECT count(*) FROM django_migrations", database="portal")[0][0]
    changed = sorted(files.glob("incoming/*/*"))[0]  # a registered document's scan
    changed.write_bytes(changed.read_bytes() + b"\n")
    checked = restore_check(primary, wal_archive, base, files)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert f"public.django_migrations: {migrations} rows in the source, 0 in the restored copy" in checked.stdout
    assert f"{changed.relative_to(files)} (public.documents_incomingfile): SHA-256 differs" in checked.stdout
    assert "DIFFERENT:" in checked.stdout

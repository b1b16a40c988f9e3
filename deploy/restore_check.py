#!/usr/bin/env python3
"""Restores a backup into a fresh PostgreSQL cluster and compares it with the source (docs/deploy.md, "Backups and
restoring them"):

1. on the source, a restore point is made and, in the same snapshot, every table's row count and checksum are taken;
2. the base backup is checked against its manifest (pg_verifybackup) and copied into a new cluster, which replays the
   archived WAL (restore_command) up to that restore point, on its own socket;
3. there every table's count and checksum must equal the source's, and every stored file of the file backup must
   have the SHA-256 the restored database records for it (columns `<file>` and `<file>_sha256`, or `file` and
   `sha256`).

Prints each difference and exits 1 if there is any, 0 when the copy is whole. Exact when nothing commits on the source
in the instant of step 1; run it again on a difference to tell a race from a broken backup. Runs as the postgres user,
or as root (the server then runs as postgres). Only psycopg is needed besides Python: the portal's virtualenv has it.

    BACKUP_DIR=/backup FILES_SOURCE=/var/lib/portal/media \\
    .venv/bin/python deploy/restore_check.py --source postgres://postgres@127.0.0.1/portal \\
        --base /backup/base/latest --wal-archive /backup/wal \\
        --after-restore-point deploy/backup-files.sh --files /backup/files/latest
"""

import argparse
import datetime
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

TABLES = """
    SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"""
# Independent of the rows' order and of the table's size in memory: the sum of a 64-bit hash of every row.
FIGURES = "SELECT count(*), coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint::numeric), 0)::text FROM {} t"
# Rows as text the same way on both sides.
SESSION = ["SET TIME ZONE 'UTC'", "SET DateStyle = 'ISO, YMD'", "SET IntervalStyle = 'postgres'",
           "SET extra_float_digits = 3", "SET bytea_output = 'hex'"]
FILE_COLUMNS = """
    SELECT quote_ident(c.table_schema) || '.' || quote_ident(c.table_name), quote_ident(c.column_name),
           quote_ident(d.column_name)
    FROM information_schema.columns c JOIN information_schema.columns d
      ON d.table_schema = c.table_schema AND d.table_name = c.table_name
     AND (d.column_name = c.column_name || '_sha256' OR (c.column_name = 'file' AND d.column_name = 'sha256'))
    WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"""


def server_bin():
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def as_postgres(args, **kwargs):
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *map(str, args)], capture_output=True, text=True, **kwargs)


def table_figures(conn):
    """{table: (rows, checksum)} of every table, or {table: error text} for one that cannot be read."""
    found = {}
    with conn.cursor() as cursor:
        for statement in SESSION:
            cursor.execute(statement)
        cursor.execute(TABLES)
        for (table,) in cursor.fetchall():
            try:
                with conn.transaction():  # a savepoint inside the source's snapshot
                    cursor.execute(FIGURES.format(table))
                    found[table] = cursor.fetchone()
            except psycopg.Error as exc:
                found[table] = f"unreadable: {str(exc).strip().splitlines()[0]}"
    return found


def source_snapshot(url, wal_archive, timeout):
    """(restore point name, figures of the source at it); waits until its WAL file is in the archive."""
    name = f"restore-check-{datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%S%fZ}"
    with psycopg.connect(url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        conn.execute("SELECT pg_create_restore_point(%s)", [name])
        figures = table_figures(conn)
        conn.commit()
        conn.autocommit = True
        wal_file = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
    deadline = time.monotonic() + timeout
    while not (Path(wal_archive) / wal_file).exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"WAL file {wal_file} did not reach the archive {wal_archive} in {timeout} s: "
                             "is archive_command working?")
        time.sleep(0.2)
    return name, figures


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def restore(pg_bin, base, wal_archive, target_name, workdir, user, timeout):
    """A cluster made from the base backup, recovered to the restore point and promoted; returns its port, or raises
    SystemExit with the server's log."""
    data = workdir / "data"
    shutil.copytree(base, data, symlinks=True)
    port = free_port()
    # Debian keeps postgresql.conf and pg_hba.conf in /etc: the copy gets its own, private to this check.
    (data / "postgresql.conf").touch()
    (data / "pg_hba.conf").write_text("local all all trust\n")
    (data / "pg_ident.conf").write_text("")
    with (data / "postgresql.auto.conf").open("a") as conf:
        conf.write(f"""
port = {port}
listen_addresses = ''
unix_socket_directories = '{workdir}'
hba_file = '{data}/pg_hba.conf'
ident_file = '{data}/pg_ident.conf'
ssl = off
archive_mode = off
hot_standby = off
primary_conninfo = ''
restore_command = 'cp "{wal_archive}/%f" "%p"'
recovery_target_name = '{target_name}'
recovery_target_action = 'promote'
""")
    (data / "standby.signal").unlink(missing_ok=True)
    (data / "recovery.signal").touch()
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(workdir)], check=True)
    data.chmod(0o700)
    started = as_postgres([pg_bin / "pg_ctl", "-D", data, "-l", workdir / "server.log", "-w", "-t", timeout, "start"])
    deadline = time.monotonic() + timeout
    while not started.returncode and time.monotonic() < deadline:  # connections once recovered (hot_standby off)
        try:
            with psycopg.connect(host=str(workdir), port=port, user=user, dbname="postgres", connect_timeout=5):
                return port
        except psycopg.OperationalError:
            if as_postgres([pg_bin / "pg_ctl", "-D", data, "status"]).returncode:
                break
            time.sleep(0.2)
    log = (workdir / "server.log").read_text(errors="replace")
    raise SystemExit(f"the restored cluster did not recover to the restore point:\n{log[-3000:]}")


def compare(source, restored):
    """Lines naming each table whose rows differ."""
    differences = []
    for table in sorted(source.keys() | restored.keys()):
        was, now = source.get(table), restored.get(table)
        if was == now:
            continue
        if was is None or now is None:
            differences.append(f"{table}: {'only in the restored copy' if was is None else 'missing from the copy'}")
        elif isinstance(now, str):
            differences.append(f"{table}: {now}")
        elif was[0] != now[0]:
            differences.append(f"{table}: {was[0]} rows in the source, {now[0]} in the restored copy")
        else:
            differences.append(f"{table}: same {now[0]} rows but different contents (checksum)")
    return differences


def file_differences(conn, files):
    """(lines naming each stored file missing from the file backup or not matching its SHA-256, files checked)."""
    differences, checked = [], 0
    for table, path_column, digest_column in conn.execute(FILE_COLUMNS).fetchall():
        rows = conn.execute(f"SELECT {path_column}, {digest_column} FROM {table} "  # noqa: S608 - quoted identifiers
                            f"WHERE {path_column} <> '' AND {digest_column} <> ''").fetchall()
        for name, digest in rows:
            checked += 1
            path = files / name
            if not path.is_file():
                differences.append(f"{name} ({table}): missing from the file backup")
                continue
            sha256 = hashlib.sha256()
            with path.open("rb") as stored:
                while chunk := stored.read(1 << 20):
                    sha256.update(chunk)
            if sha256.hexdigest() != digest:
                differences.append(f"{name} ({table}): SHA-256 differs from the database's")
    return differences, checked


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", required=True, help="URL of the source database (a superuser: restore point)")
    parser.add_argument("--base", required=True, type=Path, help="a base backup directory (pg_basebackup -Fp)")
    parser.add_argument("--wal-archive", required=True, type=Path, help="where archive_command puts WAL files")
    parser.add_argument("--files", type=Path, help="a snapshot of the stored files (deploy/backup-files.sh)")
    parser.add_argument("--after-restore-point", metavar="COMMAND",
                        help="a shell command run once the restore point is made, before --files is read: the file "
                             "snapshot, so that it holds every file the restored database names")
    parser.add_argument("--pg-bin", type=Path, default=server_bin(), help="PostgreSQL's server programs")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds for the archive and the recovery")
    parser.add_argument("--keep", action="store_true", help="leave the restored cluster running (its directory)")
    args = parser.parse_args()
    base, wal_archive = args.base.resolve(), args.wal_archive.resolve()

    differences = []
    verified = subprocess.run([args.pg_bin / "pg_verifybackup", "-n", "-q", base], capture_output=True, text=True)
    if verified.returncode:
        differences += [f"base backup: {line}" for line in (verified.stdout + verified.stderr).splitlines()]
    target_name, source = source_snapshot(args.source, wal_archive, args.timeout)
    if args.after_restore_point:
        subprocess.run(args.after_restore_point, shell=True, check=True)  # noqa: S602 - the operator's own command
    workdir = Path(tempfile.mkdtemp(prefix="portal-restore-check-"))
    port = None
    try:
        database = conninfo_to_dict(args.source)
        user = database.get("user", "postgres")
        port = restore(args.pg_bin, base, wal_archive, target_name, workdir, user, args.timeout)
        with psycopg.connect(host=str(workdir), port=port, user=user,
                             dbname=database["dbname"], autocommit=True) as conn:
            restored = table_figures(conn)
            differences += compare(source, restored)
            checked = 0
            if args.files:
                found, checked = file_differences(conn, args.files.resolve())
                differences += found
    finally:
        if port and not args.keep:
            as_postgres([args.pg_bin / "pg_ctl", "-D", workdir / "data", "-m", "immediate", "-w", "stop"])
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    for line in differences:
        print(line)
    rows = sum(figures[0] for figures in source.values() if not isinstance(figures, str))
    print(f"{'DIFFERENT' if differences else 'OK'}: {len(source)} tables, {rows} rows, {checked} files checked "
          f"at restore point {target_name}" + (f"; restored cluster kept in {workdir}" if args.keep else ""))
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())

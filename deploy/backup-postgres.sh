#!/bin/sh
# A base backup of the PostgreSQL primary for point-in-time recovery (docs/deploy.md, "Backups and restoring them"):
# pg_basebackup with its WAL and a SHA-256 manifest, checked with pg_verifybackup, into $BACKUP_DIR/base/<UTC time>,
# `latest` pointing at it. With WAL archiving on (archive_command), any moment after the oldest kept backup can be
# restored. Keeps the newest $KEEP_BASE_BACKUPS and removes archived WAL older than the oldest of them.
#
# Environment: BACKUP_DIR (required); PGHOST, PGPORT, PGUSER (a role with REPLICATION) as for every libpq program;
# WAL_ARCHIVE (the archive_command's directory, for the clean-up); KEEP_BASE_BACKUPS (7); PG_BIN (the newest
# /usr/lib/postgresql/<n>/bin).
set -eu
: "${BACKUP_DIR:?set BACKUP_DIR}"
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}
KEEP_BASE_BACKUPS=${KEEP_BASE_BACKUPS:-7}

stamp=$(date -u +%Y%m%dT%H%M%S.%6NZ)  # to the microsecond: two backups never share a name
mkdir -p "$BACKUP_DIR/base"
target="$BACKUP_DIR/base/$stamp"
"$PG_BIN/pg_basebackup" -D "$target.partial" -X stream -c fast --manifest-checksums=SHA256 -l "portal $stamp"
"$PG_BIN/pg_verifybackup" -q "$target.partial"
mv "$target.partial" "$target"
ln -sfn "$stamp" "$BACKUP_DIR/base/latest"
echo "base backup $target"

# Retention: the newest KEEP_BASE_BACKUPS, and the WAL from the oldest of them on.
ls -1d "$BACKUP_DIR"/base/[0-9]*Z | sort | head -n -"$KEEP_BASE_BACKUPS" | while read -r old; do rm -rf "$old"; done
if [ -n "${WAL_ARCHIVE:-}" ]; then
  oldest=$(ls -1d "$BACKUP_DIR"/base/[0-9]*Z | sort | head -n 1)
  first_wal=$(sed -n 's/^START WAL LOCATION: .* (file \([0-9A-F]*\))$/\1/p' "$oldest/backup_label")
  "$PG_BIN/pg_archivecleanup" "$WAL_ARCHIVE" "$first_wal"
fi

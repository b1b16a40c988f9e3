#!/bin/sh
# A snapshot of the stored files (docs/deploy.md, "Backups and restoring them") into $BACKUP_DIR/files/<UTC time>,
# `latest` pointing at it. Files are written once and never changed, so each snapshot hard-links what the previous one
# holds and copies only new files. FILES_SOURCE is MEDIA_ROOT on the local disk, or an rclone remote ("s3:bucket")
# for object storage, copied with rclone (the bucket's own versioning keeps deleted objects besides).
#
# Environment: BACKUP_DIR, FILES_SOURCE (required); KEEP_FILE_SNAPSHOTS (30).
set -eu
: "${BACKUP_DIR:?set BACKUP_DIR}" "${FILES_SOURCE:?set FILES_SOURCE}"
KEEP_FILE_SNAPSHOTS=${KEEP_FILE_SNAPSHOTS:-30}

# To the microsecond: two snapshots within one second (a nightly run and restore_check's own) must not share a name
# (the second's `mv` would put its copy inside the first's instead of replacing `latest`).
stamp=$(date -u +%Y%m%dT%H%M%S.%6NZ)
mkdir -p "$BACKUP_DIR/files"
target="$BACKUP_DIR/files/$stamp"
if [ -e "$target" ] || [ -e "$target.partial" ]; then
  echo "backup-files: $target exists" >&2
  exit 1
fi
if [ -d "$BACKUP_DIR/files/latest" ]; then
  cp -al "$BACKUP_DIR/files/latest/." "$target.partial"
else
  mkdir "$target.partial"
fi
case "$FILES_SOURCE" in
  /*) rsync -a --delete "$FILES_SOURCE/" "$target.partial/" ;;
  *) rclone sync --immutable "$FILES_SOURCE" "$target.partial" ;;
esac
mv "$target.partial" "$target"
ln -sfn "$stamp" "$BACKUP_DIR/files/latest"
echo "files $target"
ls -1d "$BACKUP_DIR"/files/[0-9]*Z | sort | head -n -"$KEEP_FILE_SNAPSHOTS" | while read -r old; do rm -rf "$old"; done

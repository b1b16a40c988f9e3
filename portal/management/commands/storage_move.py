"""Copy every stored file between the local disk (MEDIA_ROOT) and the bucket of STORAGE_URL, either way.

Resumable: a file already at the destination with the same SHA-256 is skipped, so a run that was stopped is run
again as it was. Every copy is read back and compared; a file whose SHA-256 the portal recorded (signed files,
incoming files, scans, meeting papers, mail) must match that digest at the source, or it is not copied. The source
is left as it was: switch STORAGE_URL on (or off) once a run ends with no error (docs/deploy.md).
"""

import itertools
import time

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.management.base import BaseCommand, CommandError

from core.storage import digest

# (model, file field) → the field holding the SHA-256 recorded when the file was written.
RECORDED = {
    ("documents.OutgoingFile", "signed"): "signed_sha256",
    ("documents.OutgoingFile", "approved"): "approved_sha256",
    ("documents.IncomingFile", "file"): "sha256",
    ("meetings.PaperVersion", "file"): "sha256",
    ("intake.InboundMessage", "raw"): "raw_sha256",
    ("intake.InboundAttachment", "file"): "sha256",
    ("archive.ArchivedDocument", "scan"): "scan_sha256",
}
BATCH = 200


def local_storage():
    return FileSystemStorage(location=settings.MEDIA_ROOT)


def bucket_storage():
    if not settings.STORAGE_S3_OPTIONS:
        raise CommandError("STORAGE_URL is not set: it names the bucket to copy to or from.")
    from storages.backends.s3 import S3Storage

    return S3Storage(**settings.STORAGE_S3_OPTIONS)


def walk(storage, folder=""):
    """Every file name in the storage, folder by folder, in a stable order."""
    folders, names = storage.listdir(folder)
    for name in sorted(names):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from walk(storage, f"{folder}/{sub}" if folder else sub)


def recorded_digests(names):
    """{name: SHA-256 the portal recorded} for those of `names` that have one."""
    found = {}
    for (label, field), digest_field in RECORDED.items():
        model = apps.get_model(label)
        rows = model._base_manager.filter(**{f"{field}__in": names}).exclude(**{digest_field: ""})
        found.update(rows.values_list(field, digest_field))
    return found


def sha256_of(storage, name):
    with storage.open(name, "rb") as handle:
        return digest(handle)


class Command(BaseCommand):
    help = ("Copy every stored file from the local disk (MEDIA_ROOT) to the bucket of STORAGE_URL (--to s3) or back "
            "(--to local), verifying each SHA-256; run it again to resume.")

    def add_arguments(self, parser):
        parser.add_argument("--to", choices=["s3", "local"], required=True)
        parser.add_argument("--limit", type=int, default=0,
                            help="stop after copying this many files (move a large installation in parts)")

    def handle(self, *, to, limit, verbosity, **options):
        source, target = (local_storage(), bucket_storage()) if to == "s3" else (bucket_storage(), local_storage())
        self.counts = dict.fromkeys(["copied", "present", "replaced", "failed"], 0)
        self.bytes, self.verbosity, started = 0, verbosity, time.monotonic()
        seen = 0
        names = walk(source)
        while batch := list(itertools.islice(names, BATCH)):
            recorded = recorded_digests(batch)
            for name in batch:
                seen += 1
                self.move_one(source, target, name, recorded.get(name), seen)
                if limit and self.counts["copied"] + self.counts["replaced"] >= limit:
                    self.summary(seen, started, stopped=True)
                    return
            if verbosity == 1:
                self.stdout.write(f"… {seen} files looked at, {self.counts['copied']} copied")
        self.summary(seen, started)

    def move_one(self, source, target, name, recorded, seen):
        try:
            with source.open(name, "rb") as handle:
                sha256 = digest(handle)
                if recorded and sha256 != recorded:
                    return self.outcome("failed", seen, name, f"SHA-256 {sha256} at the source, recorded {recorded}")
                outcome = "copied"
                if target.exists(name):
                    if sha256_of(target, name) == sha256:
                        return self.outcome("present", seen, name)
                    # A copy an interrupted run left half written: the destination is not in use yet.
                    target.delete(name)
                    outcome = "replaced"
                stored = target.save(name, handle)
            if stored != name:
                target.delete(stored)
                return self.outcome("failed", seen, name, f"stored as {stored}")
            copied = sha256_of(target, name)
            if copied != sha256:
                return self.outcome("failed", seen, name, f"read back with SHA-256 {copied}, expected {sha256}")
            self.bytes += target.size(name)
            return self.outcome(outcome, seen, name)
        except OSError as error:
            return self.outcome("failed", seen, name, str(error))

    def outcome(self, kind, seen, name, detail=""):
        self.counts[kind] += 1
        if kind == "failed":
            self.stderr.write(f"[{seen}] {name}: FAILED {detail}")
        elif self.verbosity >= 2:
            self.stdout.write(f"[{seen}] {name}: {kind}")

    def summary(self, seen, started, *, stopped=False):
        counts = self.counts
        self.stdout.write(
            f"{'Stopped at --limit' if stopped else 'Done'}: {seen} files looked at, {counts['copied']} copied, "
            f"{counts['replaced']} replaced, {counts['present']} already there and verified, {counts['failed']} failed; "
            f"{self.bytes / 1048576:.1f} MiB in {time.monotonic() - started:.1f} s")
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} files were not copied; see the lines above, then run again.")

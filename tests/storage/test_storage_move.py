"""manage.py storage_move: an installation's files to the bucket and back, stopped half way and resumed, every
copy verified, a file that no longer matches its recorded SHA-256 never copied."""

import io
import os
import signal
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from core import files as core_files
from documents.services import outgoing as services
from tests.documents.conftest import approved, to_agency
from tests.storage.conftest import files_on_disk, use_bucket, use_local_disk

pytestmark = pytest.mark.django_db


def move(to, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("storage_move", to=to, stdout=out, stderr=err, verbosity=2, **options)
    return out.getvalue()


def test_files_move_to_the_bucket_and_back_resumed_and_verified(settings, bucket, client_for, certified, specialist,
                                                                 leader, clerk, other_agency, tmp_path):
    use_local_disk(settings)
    outgoing = services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, to_agency(other_agency)))
    file = outgoing.files.get()
    on_disk = {str(path.relative_to(settings.MEDIA_ROOT)): path.read_bytes() for path in files_on_disk(
        settings.MEDIA_ROOT)}
    assert file.signed.name in on_disk and file.approved.name in on_disk and file.draft.name in on_disk
    use_bucket(settings, bucket)  # the bucket is configured (STORAGE_URL); the files are still on the disk
    use_local_disk(settings)

    first = move("s3", limit=1)
    assert "1 copied" in first and "Stopped at --limit" in first and len(bucket.keys()) == 1
    # An object the stopped run left wrong is replaced; one already there is only verified.
    half = sorted(set(on_disk) - set(bucket.keys()))[0]
    bucket.put(half, b"half written")
    second = move("s3")
    assert "Done" in second and f"{half}: replaced" in second and "1 already there and verified" in second
    assert bucket.keys() == sorted(on_disk)
    assert all(bucket.get(name) == data for name, data in on_disk.items())
    assert "0 copied" in move("s3") and f"{len(on_disk)} already there and verified" in move("s3")

    # The portal now runs on the bucket: the signed file is served from there, checked against its digest.
    use_bucket(settings, bucket)
    settings.MEDIA_ROOT = tmp_path / "empty-media"
    response = client_for(clerk).get(f"/outgoing/{outgoing.pk}/files/{file.pk}/?download=1")
    assert b"".join(response.streaming_content) == on_disk[file.signed.name]

    # And back to a fresh disk, in two runs.
    settings.MEDIA_ROOT = tmp_path / "back"
    assert "Stopped at --limit" in move("local", limit=2)
    assert "Done" in move("local")
    back = {str(path.relative_to(settings.MEDIA_ROOT)): path.read_bytes() for path in files_on_disk(
        settings.MEDIA_ROOT)}
    assert back == on_disk


def test_a_signed_file_that_no_longer_matches_its_digest_is_not_moved(settings, bucket, certified, specialist,
                                                                      leader, clerk, other_agency):
    use_local_disk(settings)
    outgoing = services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, to_agency(other_agency)))
    signed = outgoing.files.get().signed
    path = settings.MEDIA_ROOT / signed.name
    path.write_bytes(path.read_bytes() + b"\n% altered on the disk\n")
    assert core_files.sha256(path.read_bytes()) != outgoing.files.get().signed_sha256
    use_bucket(settings, bucket)
    use_local_disk(settings)

    with pytest.raises(CommandError, match="1 files were not copied"):
        move("s3")
    assert signed.name not in bucket.keys() and len(bucket.keys()) == len(files_on_disk(settings.MEDIA_ROOT)) - 1


def test_a_move_killed_half_way_is_resumed(settings, bucket, transactional_db):
    """The command killed (SIGKILL, as a crash) in the middle of copying, then run again to the end."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage
    from django.db import connection

    from tests.conftest import ROOT, _worker_env

    disk = FileSystemStorage(location=settings.MEDIA_ROOT)
    originals = {disk.save(f"incoming/{n // 100}/quet-{n:03d}.pdf", ContentFile(os.urandom(20_000))): None
                 for n in range(400)}
    env = _worker_env(connection.settings_dict["NAME"], {"STORAGE_URL": bucket.url, "PYTHONUNBUFFERED": "1"})
    command = [sys.executable, "manage.py", "storage_move", "--to", "s3", "-v", "2"]

    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    copied_before = 0
    for line in process.stdout:
        copied_before += line.endswith(": copied\n")
        if copied_before == 50:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(10)
    process.stdout.close()
    in_bucket = len(bucket.keys())
    assert 50 <= in_bucket < len(originals), "the run ended before it was killed; the test proves nothing"

    resumed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{in_bucket} already there and verified" in resumed.stdout and "0 failed" in resumed.stdout
    assert f"{len(originals) - in_bucket} copied" in resumed.stdout
    assert bucket.keys() == sorted(originals)
    assert all(bucket.get(name) == disk.open(name).read() for name in originals)

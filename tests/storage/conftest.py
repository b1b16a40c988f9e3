"""An S3 API server started by the tests as its own process on a free port, and the portal pointed at a fresh bucket.

The server is moto's `moto_server` (moto[server], requirements-dev.txt): an emulator of the S3 API, not a real
object store — Debian has no S3 server that runs without a whole cluster (radosgw needs Ceph) and none other can be
installed here. The portal's code speaks plain S3 through django-storages and boto3 and knows nothing of it.
"""

import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings

from portal.settings import _s3_options
from tests.smtp import free_port
from tests.waiting import wait_for

KEY, SECRET, REGION = "portal-test", "portal-test-secret", "ap-southeast-1"


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("s3") / "moto.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1",
                                    "-p", str(port)], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=KEY, aws_secret_access_key=SECRET,
                          region_name=REGION)

    def up():
        if process.poll() is not None:
            raise RuntimeError("moto_server exited:\n" + log.read_text())
        try:
            client.list_buckets()
        except Exception:  # noqa: BLE001 - not listening yet
            return False
        return True

    try:
        if not wait_for(up, timeout=30, interval=0.1):
            raise RuntimeError("moto_server did not answer:\n" + log.read_text())
        yield port, client
    finally:
        process.terminate()
        process.wait(10)


class Bucket:
    """The test's bucket: its STORAGE_URL and a boto3 client to look at (and tamper with) its objects."""

    def __init__(self, port, client):
        self.name = f"portal-{uuid.uuid4().hex[:12]}"
        self.client = client
        self.url = f"s3://{KEY}:{SECRET}@127.0.0.1:{port}/{self.name}?region={REGION}&secure=0"
        client.create_bucket(Bucket=self.name, CreateBucketConfiguration={"LocationConstraint": REGION})

    def keys(self):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def get(self, key):
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def put(self, key, data):
        self.client.put_object(Bucket=self.name, Key=key, Body=data)


def use_bucket(settings, bucket):
    """Point the portal's default storage at the bucket, as STORAGE_URL does in portal/settings.py."""
    settings.STORAGE_URL = bucket.url
    settings.STORAGE_S3_OPTIONS = _s3_options(bucket.url)
    settings.STORAGES = {**django_settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": settings.STORAGE_S3_OPTIONS}}


def use_local_disk(settings):
    settings.STORAGES = {**django_settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}


@pytest.fixture
def bucket(s3_endpoint):
    return Bucket(*s3_endpoint)


@pytest.fixture
def in_bucket(settings, bucket):
    """Every stored file of the test goes to the bucket."""
    use_bucket(settings, bucket)
    return bucket


def files_on_disk(root):
    root = Path(root)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []

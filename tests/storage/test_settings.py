"""STORAGE_URL read into django-storages' S3 options: the endpoint, the bucket and its folder, credentials as
written (percent-decoded), private objects, and never overwriting by default."""

from portal.settings import _s3_options


def test_a_store_of_the_ministry_on_its_own_endpoint():
    options = _s3_options("s3://portal:p%2Fss%40w0rd@s3.bnv.gov.vn:9000/van-ban/tinh-kon-tum?region=vn-1&secure=0")
    assert options["endpoint_url"] == "http://s3.bnv.gov.vn:9000"
    assert (options["access_key"], options["secret_key"]) == ("portal", "p/ss@w0rd")
    assert (options["bucket_name"], options["location"], options["region_name"]) == ("van-ban", "tinh-kon-tum", "vn-1")
    assert options["addressing_style"] == "path" and options["default_acl"] is None
    assert options["file_overwrite"] is False


def test_aws_itself_with_the_credentials_of_the_machine():
    options = _s3_options("s3:///van-ban?region=ap-southeast-1")
    assert options["endpoint_url"] is None and options["addressing_style"] is None
    assert (options["access_key"], options["secret_key"], options["bucket_name"]) == ("", "", "van-ban")


def test_https_is_the_default():
    assert _s3_options("s3://k:s@store.example.gov.vn/b")["endpoint_url"] == "https://store.example.gov.vn:443"

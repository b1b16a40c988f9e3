from tests.dns import test_dns  # noqa: F401 - fixture

from tests.dns import test_dns  # noqa: F401 - fixture
from tests.public.conftest import issue  # noqa: F401 - fixture

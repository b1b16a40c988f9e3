import os

import pytest

from devtools.tasks import ping


@pytest.mark.worker
def test_a_task_goes_through_redis_to_a_real_worker_process_and_back(celery_worker):
    result = ping.delay()
    answer = result.get(timeout=30)
    assert answer["pong"] is True
    assert answer["pid"] != os.getpid()
    assert result.backend.__class__.__name__ == "RedisBackend"

"""Tests wait on a condition, never for a fixed time."""

import time


def wait_for(predicate, timeout=60, interval=0.05):
    """Poll `predicate` until it is true (returns True) or `timeout` seconds pass (returns False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False

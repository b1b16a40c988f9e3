"""The Redis cache, degrading instead of failing: while Redis cannot be reached, each process keeps what it
would have cached in memory of its own, so logging in (allauth's rate limits, used TOTP codes) and the
lookup page's limits keep working, per process, and no page answers 500.

After a failure Redis is not asked again for CACHE_RETRY_SECONDS, so a request pays the connect or read
timeout at most once per that interval, not once per cache call.
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# Django makes one cache object per thread: the outage is noted per process, per server.
_down_until = {}
_lock = threading.Lock()


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS") or {})}
        self.retry_seconds = float(params["OPTIONS"].pop("RETRY_SECONDS", 10))
        super().__init__(server, params)
        self._server_key = str(server)
        kept = {key: params[key] for key in ("TIMEOUT", "KEY_PREFIX", "VERSION", "KEY_FUNCTION") if key in params}
        self._fallback = LocMemCache(f"redis-fallback:{self._server_key}", kept)

    def _call(self, name, *args, **kwargs):
        if time.monotonic() < _down_until.get(self._server_key, 0):
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            result = getattr(RedisCache, name)(self, *args, **kwargs)
        except UNREACHABLE as exc:
            with _lock:
                first = self._server_key not in _down_until
                _down_until[self._server_key] = time.monotonic() + self.retry_seconds
            if first:
                log.error("Cache unreachable (%s: %s); using this process's memory until it answers again",
                          type(exc).__name__, exc)
            return getattr(self._fallback, name)(*args, **kwargs)
        if self._server_key in _down_until:
            with _lock:
                if _down_until.pop(self._server_key, None) is not None:
                    log.warning("Cache reachable again")
        return result

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        return self._call("clear")

"""A Redis cache that degrades to a miss when Redis is down or hung, so pages keep working.

Django's ``RedisCache`` raises ``redis.ConnectionError`` / ``TimeoutError`` from every call
when Redis is unreachable, which turns any page that touches the cache (DRF throttling, anything
cached) into a 500 while the broker is being restarted. Nothing we cache is the only copy of
anything, so a missing cache is slower, never wrong: reads answer "not cached", writes are
dropped. After a failure the cache is skipped for ``RETRY_AFTER`` seconds, so a hung Redis costs
one socket timeout per process every few seconds instead of one per call. The failure is
logged once per outage, without keys or values (they might name a person).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


class _Outage:
    """When Redis last failed, shared by every cache instance in the process (Django makes one
    per thread), so one failed call spares the others the timeout."""

    def __init__(self) -> None:
        self.skip_until = 0.0
        self.lock = threading.Lock()

    def active(self) -> bool:
        return time.monotonic() < self.skip_until

    def begin(self, error: Exception, retry_after: float) -> None:
        with self.lock:
            first = self.skip_until == 0.0
            self.skip_until = time.monotonic() + retry_after
        if first:
            logger.warning("Cache unavailable (%s); pages are served without it and Redis is "
                           "tried again every %.0f s", type(error).__name__, retry_after)

    def end(self) -> None:
        if self.skip_until:
            with self.lock:
                was_down, self.skip_until = self.skip_until != 0.0, 0.0
            if was_down:
                logger.info("Cache available again")


def _errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


def _degrade(fallback: Callable[..., Any]) -> Callable[[F], F]:
    """Run the RedisCache method; on a connection failure (or while one is recent) answer
    ``fallback(*args, **kwargs)`` instead: what an empty cache would have answered."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
            outage = type(self).outage
            if outage.active():
                return fallback(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except _errors() as error:
                outage.begin(error, self.RETRY_AFTER)
                return fallback(*args, **kwargs)
            outage.end()
            return result

        return wrapper  # type: ignore[return-value]

    return decorate


def _missing_key(key: Any, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"Key {key!r} not found (the cache is unavailable).")


class ResilientRedisCache(RedisCache):
    """``RedisCache`` whose calls answer as an empty cache would while Redis is unreachable.

    Use with short ``socket_connect_timeout`` / ``socket_timeout`` OPTIONS (the settings give
    1 s), or a hung Redis still holds each request until the operating system gives up.
    """

    #: Seconds to skip Redis after a failure before trying it again.
    RETRY_AFTER = 5.0
    outage = _Outage()

    @_degrade(lambda key, default=None, *a, **kw: default)
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return super().get(key, default, version)

    @_degrade(lambda *a, **kw: {})
    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return super().get_many(keys, version)

    @_degrade(lambda *a, **kw: False)
    def has_key(self, key: Any, version: int | None = None) -> bool:
        return super().has_key(key, version)

    @_degrade(lambda *a, **kw: False)
    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT,
            version: int | None = None) -> bool:
        return super().add(key, value, timeout, version)

    @_degrade(lambda *a, **kw: None)
    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT,
            version: int | None = None) -> None:
        super().set(key, value, timeout, version)

    @_degrade(lambda data, *a, **kw: list(data))  # none stored
    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT,
                 version: int | None = None) -> list[Any]:
        return super().set_many(data, timeout, version)

    @_degrade(lambda *a, **kw: False)
    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT,
              version: int | None = None) -> bool:
        return super().touch(key, timeout, version)

    @_degrade(lambda *a, **kw: False)
    def delete(self, key: Any, version: int | None = None) -> bool:
        return super().delete(key, version)

    @_degrade(lambda *a, **kw: None)
    def delete_many(self, keys: Any, version: int | None = None) -> None:
        super().delete_many(keys, version)

    @_degrade(_missing_key)
    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return super().incr(key, delta, version)

    @_degrade(lambda *a, **kw: False)
    def clear(self) -> bool:
        return super().clear()

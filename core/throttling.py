"""API rate limits (DRF throttles), read from settings at request time.

DRF binds ``THROTTLE_RATES`` when its throttling module is imported; these classes look the
rate up in ``api_settings`` on every request instead, so a deployment (or a test) can change
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` and the next request obeys it. A scope whose rate
is ``None`` is not limited.

- ``UserThrottle`` ("user"): every request of a signed-in user or token, per user.
- ``AnonThrottle`` ("anon"): every unauthenticated request, per client IP.
- ``WriteThrottle`` ("write"): stricter, only unsafe methods (POST, PUT, PATCH, DELETE), per
  user (or per IP without one).
- ``FailedTokenThrottle`` ("token_failure"): bad API tokens, per client IP. Not a view throttle:
  DRF authenticates before it throttles, so the token authentication class asks this one
  itself and answers 429 once an IP has sent too many bad tokens (a key-guessing flood).

Counts live in the default cache (Redis in production), shared by every web process. If the
cache is unreachable the request is let through and a warning logged: losing the rate limit for
a while is better than refusing every API call.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework import throttling
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)


class RatesAtRequestTime(throttling.SimpleRateThrottle):
    """The rate of ``scope`` from the current settings; fails open if the cache is down."""

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - any cache failure: serve rather than refuse everyone
            logger.warning("API throttle %s skipped: the cache is unavailable", self.scope,
                           exc_info=True)
            return True

    def wait(self) -> float:
        """Seconds until the oldest counted request leaves the window (at least one), so every
        429 carries a ``Retry-After``."""
        if not self.history:
            return float(self.duration)
        return max(1.0, self.duration - (self.now - self.history[-1]))

    def _key(self, ident: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": ident}


class UserThrottle(RatesAtRequestTime):
    scope = "user"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None  # AnonThrottle counts these
        return self._key(request.user.pk)


class AnonThrottle(RatesAtRequestTime):
    scope = "anon"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self._key(self.get_ident(request))


class WriteThrottle(RatesAtRequestTime):
    scope = "write"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.method in SAFE_METHODS:
            return None
        if request.user and request.user.is_authenticated:
            return self._key(f"user-{request.user.pk}")
        return self._key(f"ip-{self.get_ident(request)}")


class FailedTokenThrottle(RatesAtRequestTime):
    """Counts bad tokens per client IP. ``blocked_for`` before checking a token (so a blocked
    client cannot keep guessing), ``record_failure`` after a bad one."""

    scope = "token_failure"

    def blocked_for(self, request: Any) -> float | None:
        """Seconds to wait if this IP has used up its bad tokens, else None."""
        if self.rate is None:
            return None
        try:
            self.key = self._key(self.get_ident(request))
            self.history = self.cache.get(self.key, [])
        except Exception:  # noqa: BLE001 - see the module docstring: fail open
            logger.warning("Bad-token throttle skipped: the cache is unavailable", exc_info=True)
            return None
        self.now = self.timer()
        self.history = [t for t in self.history if t > self.now - self.duration]
        if len(self.history) >= self.num_requests:
            return self.wait()
        return None

    def record_failure(self, request: Any) -> None:
        if self.rate is None:
            return
        try:
            key = self._key(self.get_ident(request))
            now = self.timer()
            history = [t for t in self.cache.get(key, []) if t > now - self.duration]
            history.insert(0, now)
            self.cache.set(key, history[: self.num_requests], self.duration)
        except Exception:  # noqa: BLE001 - see the module docstring: fail open
            logger.warning("Bad-token throttle skipped: the cache is unavailable", exc_info=True)

"""API token keys: how they are made, recognised and hashed.

A key is ``<prefix>.<secret>``: an 8-hex-character prefix that is not secret (shown beside the
token's name, so people and operators can recognise it) and 32 random bytes, URL-safe base64
encoded. Only the SHA-256 of the whole key is stored. A 256-bit secret cannot be guessed, so a
fast unsalted hash is enough; it also lets the database find a token by its digest in one
indexed lookup.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets

PREFIX_LENGTH = 8
SECRET_BYTES = 32
DEFAULT_LIFETIME_DAYS = 90
MAX_LIFETIME_DAYS = 365
# token_hex(4) gives 8 hex characters; token_urlsafe(32) gives 43 URL-safe base64 characters.
KEY_PATTERN = re.compile(r"(?P<prefix>[0-9a-f]{8})\.[A-Za-z0-9_-]{43}")


def new_key() -> tuple[str, str]:
    """A fresh key and its prefix."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    return f"{prefix}.{secrets.token_urlsafe(SECRET_BYTES)}", prefix


def hash_key(key: str) -> str:
    """The SHA-256 hex of a key: all the database ever holds."""
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def looks_like_key(key: str) -> bool:
    """Whether ``key`` has the shape of one of our keys (so anything else, such as an old DRF
    token, is refused without a database query)."""
    return isinstance(key, str) and KEY_PATTERN.fullmatch(key) is not None


def default_expiry(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=DEFAULT_LIFETIME_DAYS)


def latest_expiry(today: datetime.date) -> datetime.date:
    return today + datetime.timedelta(days=MAX_LIFETIME_DAYS)

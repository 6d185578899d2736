"""Which API token the current request came through, for the records written during it.

The token authentication class (``accounts.authentication``) sets it; ``core.audit.record``
and the case read log read it, so a change or a read made with a token is logged as that
token, not only as its owner. It is a context variable (one value per thread or task), cleared
when each request starts and finishes, so a worker thread never carries one request's token
into the next.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

_api_token_id: ContextVar[int | None] = ContextVar("api_token_id", default=None)


def set_current_api_token(token_id: int | None) -> None:
    """Record (or clear, with None) the token the current request authenticated with."""
    _api_token_id.set(token_id)


def current_api_token_id() -> int | None:
    """The id of the API token of the current request, or None (a page, a session, a task)."""
    return _api_token_id.get()


def clear_current_api_token(**kwargs: Any) -> None:
    """Signal receiver for ``request_started`` and ``request_finished``."""
    _api_token_id.set(None)

"""What governance actions share: the permission check that refuses with a reason."""

from __future__ import annotations

from typing import Any

from core.errors import DomainError


def require(by: Any, perm: str, obj: Any, message: str) -> None:
    """Refuse (``DomainError`` with code ``forbidden``) unless ``by`` holds ``perm`` on ``obj``."""
    if not by.has_perm(perm, obj):
        raise DomainError(message, code="forbidden")

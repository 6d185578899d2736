"""Every write to governance, one module per subject (``bodies``, ``action_items``,
``insights``, ``training``, ``feedback``). Each action is one transaction that checks
permission (``governance.rules``) and input, raising ``DomainError`` and changing nothing on bad
input, and writes its audit row. Callers import from here (``from governance import actions``).
"""

from __future__ import annotations

from .action_items import action_item_create

__all__ = [
    "action_item_create",
]

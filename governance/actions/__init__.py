"""Every write to governance, one module per subject (``bodies``, ``action_items``,
``insights``, ``training``, ``feedback``). Each action is one transaction that checks
permission (``governance.rules``) and input, raising ``DomainError`` and changing nothing on bad
input, and writes its audit row. Callers import from here (``from governance import actions``).
"""

from __future__ import annotations

from .action_items import (
    action_item_complete,
    action_item_create,
    action_item_drop,
    action_item_update,
)
from .bodies import (
    body_create,
    body_end,
    body_update,
    decision_record,
    seat_add,
    seat_end,
)
from .feedback import feedback_record
from .insights import insight_close, insight_record, insight_to_action, insight_to_agenda
from .training import training_attendance_set, training_record

__all__ = [
    "insight_close",
    "insight_record",
    "insight_to_action",
    "insight_to_agenda",
    "feedback_record",
    "training_attendance_set",
    "training_record",
    "action_item_complete",
    "action_item_create",
    "body_create",
    "body_end",
    "body_update",
    "decision_record",
    "seat_add",
    "seat_end",
    "action_item_drop",
    "action_item_update",
]

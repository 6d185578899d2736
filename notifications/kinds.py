"""The kinds of notification the registry sends. A kind not listed here is refused, both by
``actions.notify`` and on the preferences page, so a typo can never create a silent kind."""

from __future__ import annotations

from typing import NamedTuple


class Kind(NamedTuple):
    key: str
    label: str
    description: str


KINDS: dict[str, Kind] = {kind.key: kind for kind in (
    Kind("return_due_soon", "Monitoring return due soon",
         "A monitoring return your organisation owes is due in the next few days."),
    Kind("return_overdue", "Monitoring return overdue",
         "A monitoring return your organisation owes is past its due date."),
    Kind("return_overdue_escalated", "Overdue return escalated to the partnership manager",
         "A member organisation's return is still overdue some days after its due date."),
    Kind("return_overdue_commissioner", "Overdue return escalated to the commissioner",
         "A return in a partnership you fund is still overdue after escalation to its "
         "partnership manager."),
)}


def kind_label(key: str) -> str:
    """The kind's name in the users' words (the key itself for a kind no longer listed)."""
    kind = KINDS.get(key)
    return kind.label if kind else key

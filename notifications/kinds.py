"""The kinds of notification the registry sends. A kind not listed here is refused, both by
``actions.notification_create`` and on the preferences page, so a typo can never create a silent
kind."""

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
    Kind("review_due_soon", "Partnership review coming up",
         "A quarterly review of a partnership your organisation belongs to is coming up."),
    Kind("review_overdue", "Partnership review overdue or not recorded",
         "A planned partnership review's date has passed and it has not been recorded "
         "(to the partnership's managers)."),
    Kind("conference_due_soon", "Case conference coming up",
         "A planned conference on a case your organisation is involved in is coming up."),
    Kind("conference_unrecorded", "Case conference not recorded",
         "A planned conference on a case your organisation leads is past its date and has not "
         "been recorded."),
    Kind("agreement_review_due_soon", "Agreement review due soon",
         "An agreement your organisation manages or signed is due for review soon."),
    Kind("agreement_review_overdue", "Agreement review overdue",
         "An agreement your organisation manages or signed is past its review date."),
    Kind("agreement_expiring", "Agreement expiring",
         "An agreement your organisation manages or signed expires soon."),
)}


def kind_label(key: str) -> str:
    """The kind's name in the users' words (the key itself for a kind no longer listed)."""
    kind = KINDS.get(key)
    return kind.label if kind else key

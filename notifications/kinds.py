"""The kinds of notification the registry sends. A kind not listed here is refused, both by
``actions.notification_create`` and on the preferences page, so a typo can never create a silent
kind."""

from __future__ import annotations

from typing import NamedTuple


class Kind(NamedTuple):
    key: str
    label: str
    description: str
    #: The area it belongs to (``AREAS``): the settings page offers one choice per area.
    area: str = ""


#: The areas people choose email for as a whole (each kind may be overridden on its own).
AREAS: dict[str, str] = {
    "casework": "Casework: referrals, cases and case conferences",
    "returns": "Monitoring returns",
    "agreements": "Agreements",
    "reviews": "Partnerships and their reviews",
}

_REMINDERS: tuple[Kind, ...] = (
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
    Kind("continuity_day7", "No first community appointment 7 days after release",
         "A person on a case your organisation leads was released from custody 7 days ago and "
         "no first community appointment has been recorded."),
    Kind("continuity_day14", "No first community appointment 14 days after release",
         "A person on a case your organisation leads was released from custody 14 days ago "
         "and no first community appointment has been recorded."),
    Kind("continuity_day21", "Release not engaged in treatment within 21 days",
         "A person your prison released 21 days ago has no first community appointment "
         "recorded (to the prison's partnership managers)."),
    Kind("agreement_review_due_soon", "Agreement review due soon",
         "An agreement your organisation manages or signed is due for review soon."),
    Kind("agreement_review_overdue", "Agreement review overdue",
         "An agreement your organisation manages or signed is past its review date."),
    Kind("agreement_expiring", "Agreement expiring",
         "An agreement your organisation manages or signed expires soon."),
    Kind("action_overdue", "Action overdue",
         "An action you own (or your organisation owns) on a partnership's action log is past "
         "its due date."),
)

#: What happens, as it happens (issue 15): written by the action that causes it.
_EVENTS: tuple[Kind, ...] = (
    Kind("referral_received", "Referral received",
         "Another organisation referred a case to yours.", "casework"),
    Kind("referral_accepted", "Referral accepted",
         "An organisation accepted a referral your organisation made.", "casework"),
    Kind("referral_declined", "Referral declined",
         "An organisation declined a referral your organisation made, with its reason.",
         "casework"),
    Kind("referral_withdrawn", "Referral withdrawn",
         "A referral to your organisation was withdrawn by the organisation that made it.",
         "casework"),
    Kind("case_lead_changed", "Lead agency of a case changed",
         "The lead agency of a case handed over to or from your organisation.", "casework"),
    Kind("end_of_order_notice", "End-of-order notice",
         "An order ended on a case your organisation is involved in: what continues and who "
         "now leads.", "casework"),
    Kind("conference_scheduled", "Case conference planned",
         "A case conference your organisation is invited to was planned.", "casework"),
    Kind("conference_moved", "Case conference moved",
         "A case conference your organisation is invited to moved to another date.",
         "casework"),
    Kind("conference_cancelled", "Case conference cancelled",
         "A case conference your organisation was invited to was cancelled.", "casework"),
    Kind("return_submitted", "Return waiting for review",
         "A member organisation submitted a monitoring return for you to review.", "returns"),
    Kind("return_sent_back", "Return sent back",
         "A monitoring return your organisation submitted was sent back with queries.",
         "returns"),
    Kind("return_approved", "Return approved",
         "A monitoring return your organisation submitted was approved.", "returns"),
    Kind("return_corrected", "Approved return corrected",
         "An approved monitoring return was corrected after approval.", "returns"),
    Kind("agreement_signature_needed", "Agreement awaiting your signature",
         "A version of an agreement your organisation is party to is waiting for its "
         "signature.", "agreements"),
    Kind("agreement_in_effect", "Agreement put into effect",
         "A version of an agreement your organisation is party to took effect.", "agreements"),
    Kind("agreement_ended", "Agreement ended",
         "An agreement your organisation is party to ended.", "agreements"),
    Kind("membership_added", "Added to a partnership",
         "Your organisation was added to a partnership.", "reviews"),
    Kind("membership_ended", "Removed from a partnership",
         "Your organisation's membership of a partnership ended.", "reviews"),
    Kind("lead_partner_changed", "Lead partner changed",
         "The lead partner of a partnership your organisation belongs to changed.", "reviews"),
    Kind("insight_triaged", "Your insight was triaged",
         "A frontline insight you recorded was put on an agenda, made an action or closed with "
         "a reply.", "reviews"),
)

_AREA_OF_REMINDER = {
    "return_due_soon": "returns", "return_overdue": "returns",
    "return_overdue_escalated": "returns", "return_overdue_commissioner": "returns",
    "review_due_soon": "reviews", "review_overdue": "reviews",
    "conference_due_soon": "casework", "conference_unrecorded": "casework",
    "continuity_day7": "casework", "continuity_day14": "casework",
    "continuity_day21": "casework",
    "agreement_review_due_soon": "agreements", "agreement_review_overdue": "agreements",
    "agreement_expiring": "agreements",
    "action_overdue": "reviews",
}

KINDS: dict[str, Kind] = {kind.key: kind for kind in (
    *(k._replace(area=_AREA_OF_REMINDER[k.key]) for k in _REMINDERS), *_EVENTS)}


def kinds_in(area: str) -> list[Kind]:
    """The kinds of one area, in the order listed here."""
    return [kind for kind in KINDS.values() if kind.area == area]


def kind_label(key: str) -> str:
    """The kind's name in the users' words (the key itself for a kind no longer listed)."""
    kind = KINDS.get(key)
    return kind.label if kind else key

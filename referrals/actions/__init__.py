"""Every write to casework. Each action is one transaction: it checks permission (through
``accounts.rules``) and input, raising ``DomainError`` and changing nothing on bad input, then
saves and writes its audit row (``core.audit``; case references only, never personal data)
before committing. Views, the API, the admin and tasks call these and never re-implement them.

One module per subject (as Zulip's ``zerver/actions/``), so each stays readable:
``cases`` (open, change, hand over the lead, close, reopen), ``assessments``, ``referrals``,
``conferences``, ``custody`` (prison reception, transfer, release and the first
appointment after it), ``notices`` (end of order), ``access`` (logged reads), ``anonymisation``
(retention), ``_common`` for what they share, and ``_events`` for what they tell people as it
happens (a referral received, a lead handed over, conferences moved: issue 15). Callers import
from here (``from referrals import actions``; ``actions.case_open(...)``), never from the
modules, so actions can move between modules without touching them.

THE SIGNATURES BELOW ARE THE CONTRACT.
"""

from __future__ import annotations

from ._common import PRIVATE_FIELDS
from .access import case_read
from .anonymisation import case_anonymise
from .assessments import assessment_record, recent_assessments, repeat_assessment_message
from .cases import (
    CASE_EDITABLE,
    CASE_REPLANNING,
    REOPEN_REASON_MAX,
    case_close,
    case_open,
    case_reopen,
    case_update,
    lead_agency_change,
    lead_pass,
)
from .conferences import (
    CONFERENCE_REASON_MAX,
    Replanned,
    conference_cancel,
    conference_move,
    conference_record,
    conferences_replan,
)
from .custody import (
    custody_episode_start,
    custody_release,
    custody_transfer,
    first_appointment_record,
    release_plan_update,
)
from .diary import diary_feed_create, diary_feed_revoke
from .notices import (
    TREATMENT_CATEGORIES,
    case_end_order,
    default_responsible,
    involved_organisations,
    notice_acknowledge,
    orders_end_due,
    orders_ended_without_notices,
)
from .referrals import (
    referral_accept,
    referral_complete,
    referral_decline,
    referral_send,
    referral_withdraw,
)

__all__ = [
    "CASE_EDITABLE",
    "CASE_REPLANNING",
    "CONFERENCE_REASON_MAX",
    "PRIVATE_FIELDS",
    "REOPEN_REASON_MAX",
    "TREATMENT_CATEGORIES",
    "Replanned",
    "assessment_record",
    "case_anonymise",
    "diary_feed_create",
    "diary_feed_revoke",
    "first_appointment_record",
    "release_plan_update",
    "case_close",
    "case_end_order",
    "case_open",
    "case_read",
    "case_reopen",
    "case_update",
    "conference_cancel",
    "conference_move",
    "conference_record",
    "conferences_replan",
    "custody_episode_start",
    "custody_release",
    "custody_transfer",
    "default_responsible",
    "involved_organisations",
    "lead_agency_change",
    "lead_pass",
    "notice_acknowledge",
    "orders_end_due",
    "orders_ended_without_notices",
    "recent_assessments",
    "referral_accept",
    "referral_complete",
    "referral_decline",
    "referral_send",
    "referral_withdraw",
    "repeat_assessment_message",
]

"""What every casework action shares: who may act, the open-case and lock checks, and the
redaction that masks personal data in audit rows (``core.actions.audited_create``/``_update``).
Private to ``referrals.actions``; the subject modules import from here so each rule is written
once."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from core.actions import redact_fields
from core.display import govuk_date
from core.errors import DomainError

from ..choices import CaseStatus
from ..models import Case

if TYPE_CHECKING:
    from accounts.models import User


#: Fields whose values are personal data or free text: audit rows say they changed, never what
#: they hold (audit rows are read outside need-to-know).
PRIVATE_FIELDS = frozenset({"initials", "year_of_birth", "gender", "value", "reason",
                            "decline_reason", "summary", "outcome"})




#: Masks ``PRIVATE_FIELDS`` in the audit diff of every casework create and update.
_redact = redact_fields(PRIVATE_FIELDS)


def _refresh(original: Any, saved: Any) -> Any:
    """Reload the caller's object after a locked copy was saved, so it is not left stale."""
    if original is not saved:
        original.refresh_from_db()
    return original


def _locked_case(case: Any) -> Case:
    """The stored case, locked for this transaction."""
    return Case.objects.select_for_update().select_related("partnership").get(pk=case.pk)


def _require_open(case: Case) -> None:
    if case.status == CaseStatus.CLOSED:
        raise DomainError(f"Case {case.reference} was closed on {govuk_date(case.closed_on)}; it "
                          "cannot be changed.", code="closed")


def _require(by: User, perm: str, obj: Any, message: str) -> None:
    if not by.has_perm(perm, obj):
        raise DomainError(message, code="forbidden")


def _is_current_member(partnership: Any, organisation: Any, on: datetime.date) -> bool:
    return partnership.memberships.filter(organisation=organisation).active_on(on).exists()

"""What every casework action shares: who may act, the open-case and lock checks, and the
audited create and update that mask personal data in the audit row. Private to
``referrals.actions``; the subject modules import from here so each rule is written once."""

from __future__ import annotations

import datetime
from typing import Any

from core import audit, clock
from core.display import govuk_date
from core.errors import DomainError, full_clean
from core.models import AuditEvent

from ..choices import CaseStatus
from ..models import Case

User = Any  # accounts.User

#: Fields whose values are personal data or free text: audit rows say they changed, never what
#: they hold (audit rows are read outside need-to-know).
PRIVATE_FIELDS = frozenset({"initials", "year_of_birth", "gender", "value", "reason",
                            "decline_reason", "summary", "outcome"})


_today = clock.today  # one UK "today" for every casework action
_day = govuk_date  # "7 December 2026"


def _masked(value: Any) -> Any:
    return None if value in (None, "") else "(recorded)"


def _redacted(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The diff with personal data and free text replaced by a marker."""
    return {name: ([_masked(old), _masked(new)] if name in PRIVATE_FIELDS else [old, new])
            for name, (old, new) in changes.items()}


def _create(instance: Any, by: User, summary: str) -> Any:
    """Validate, save and audit a new object (personal data masked in the audit row)."""
    full_clean(instance)
    instance.save()
    audit.record(instance=instance, action=AuditEvent.Action.CREATE, by=by, summary=summary,
                 changes=_redacted(audit.diff(None, audit.snapshot(instance))))
    return instance


def _update(instance: Any, by: User, summary: str, extra: dict[str, list[Any]] | None = None,
            **changes: Any) -> Any:
    """Apply ``changes``, validate, save and audit the diff (personal data masked)."""
    before = audit.snapshot(instance)
    for name, value in changes.items():
        setattr(instance, name, value)
    full_clean(instance)
    instance.save()
    diff = _redacted(audit.diff(before, audit.snapshot(instance)))
    audit.record(instance=instance, action=AuditEvent.Action.UPDATE, by=by, summary=summary,
                 changes={**diff, **(extra or {})})
    return instance


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
        raise DomainError(f"Case {case.reference} was closed on {_day(case.closed_on)}; it "
                          "cannot be changed.", code="closed")


def _require(by: User, perm: str, obj: Any, message: str) -> None:
    if not by.has_perm(perm, obj):
        raise DomainError(message, code="forbidden")


def _is_current_member(partnership: Any, organisation: Any, on: datetime.date) -> bool:
    return partnership.memberships.filter(organisation=organisation).active_on(on).exists()

"""Assessments of the person on a case, and the check against assessing them again too soon:
the same person is often assessed by several services within days, so recent assessments (across
all their cases) are shown first and a repeat needs confirming. Referrals use the same check."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from core import clock
from core.actions import audited_create
from core.display import govuk_date
from core.errors import DomainError

from ..dates import check_case_date
from ..models import DEFAULT_ASSESSMENT_WINDOW_DAYS, Assessment, CaseworkSettings
from ._common import _locked_case, _redact, _require, _require_open

if TYPE_CHECKING:
    from accounts.models import User


def _assessment_window(case: Any) -> int:
    settings = CaseworkSettings.objects.filter(partnership_id=case.partnership_id).first()
    return settings.assessment_window_days if settings else DEFAULT_ASSESSMENT_WINDOW_DAYS


def repeat_assessment_message(recent: list[Assessment]) -> str:
    """The refusal listing recent assessments by date and organisation (no personal data)."""
    listed = "; ".join(f"{govuk_date(a.assessed_on)} by {a.organisation}"
                       + (f" ({a.service.name})" if a.service is not None else "") for a in recent)
    return (f"The person has been assessed recently: {listed}. Check whether another "
            "assessment is needed, and confirm it to go ahead.")


def _check_repeat(case: Any, confirmed_repeat: bool) -> None:
    if confirmed_repeat:
        return
    recent = recent_assessments(case=case)
    if recent:
        raise DomainError(repeat_assessment_message(recent), field="confirmed_repeat",
                          code="repeat_assessment")


def recent_assessments(*, case: Any, on: datetime.date | None = None) -> list[Any]:
    """The person's assessments (across all their cases, by any service) in the partnership's
    window (default 10 days) before ``on``: shown before adding a referral or assessment."""
    on = on or clock.today()
    since = on - datetime.timedelta(days=_assessment_window(case))
    return list(Assessment.objects
                .filter(case__person_id=case.person_id, assessed_on__gte=since,
                        assessed_on__lte=on)
                .select_related("organisation", "service").order_by("-assessed_on", "-pk"))


@transaction.atomic
def assessment_record(*, case: Any, organisation: Any, assessed_on: datetime.date, by: User,
                      service: Any = None, summary: str = "",
                      confirmed_repeat: bool = False) -> Any:
    """Record an assessment. If ``recent_assessments`` finds any, refused unless
    ``confirmed_repeat`` (the user saw them and still needs another)."""
    locked = _locked_case(case)
    _require(by, "referrals.record_assessment", locked,
             f"Only caseworkers of organisations involved in case {locked.reference} can record "
             "its assessments.")
    _require_open(locked)
    if organisation.pk != by.organisation_id:
        raise DomainError("You can record assessments only for your own organisation.",
                          field="organisation")
    if assessed_on > clock.today():
        raise DomainError("The assessment date cannot be in the future.", field="assessed_on")
    check_case_date(locked, assessed_on, field="assessed_on", what="the assessment")
    if service is not None and service.provider_id != organisation.pk:
        raise DomainError(f"{service.name} is not a service of {organisation}.",
                          field="service")
    _check_repeat(locked, confirmed_repeat)
    assessment = Assessment(case=locked, organisation=organisation, service=service,
                            assessed_on=assessed_on, summary=summary.strip(), recorded_by=by)
    return audited_create(instance=assessment, by=by, redact=_redact,
                          summary=f"Recorded an assessment on case {locked.reference}")

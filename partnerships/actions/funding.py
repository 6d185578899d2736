"""Recording a partnership's funding."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError

from ..models import (
    Funding,
    Organisation,
    Partnership,
)

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def funding_add(*, partnership: Partnership, funder: Organisation, amount: Decimal, source: str,
                period_start: datetime.date, period_end: datetime.date, by: User | None,
                recipient: Organisation | None = None, reference: str = "") -> Funding:
    """Record funding for a partnership for a period."""
    if period_end < period_start:
        # Named here, on its field: the database's check would report it for no field.
        raise DomainError("The funding period cannot end before it starts.", field="period_end")
    f = Funding(partnership=partnership, funder=funder, recipient=recipient, source=source,
                amount=Decimal(amount), period_start=period_start, period_end=period_end,
                reference=reference)
    return audited_create(instance=f, by=by, summary="Recorded funding")


@transaction.atomic
def funding_end(*, funding: Funding, ends_on: datetime.date, by: User | None,
                reason: str = "") -> Funding:
    """End funding early: its period now stops on ``ends_on`` (e.g. a contract terminated)."""
    funding = Funding.objects.select_for_update().get(pk=funding.pk)
    if ends_on < funding.period_start:
        raise DomainError(f"The funding started on {govuk_date(funding.period_start)}; it "
                          "cannot end before that.", field="ends_on")
    if ends_on >= funding.period_end:
        raise DomainError(f"The funding already ends on {govuk_date(funding.period_end)}; "
                          "ending it early needs an earlier date.", field="ends_on")
    return audited_update(instance=funding, by=by, period_end=ends_on,
                          summary=f"Ended early on {govuk_date(ends_on)}"
                                  + (f": {reason.strip()}" if reason.strip() else ""))

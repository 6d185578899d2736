"""Recording a partnership's funding."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from core.actions import audited_create

from ..models import (
    Funding,
    Organisation,
    Partnership,
)

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def funding_add(*, partnership: Partnership, funder: Organisation, amount: Decimal, source: str,
                period_start: datetime.date, period_end: datetime.date, by: User,
                recipient: Organisation | None = None, reference: str = "") -> Funding:
    """Record funding for a partnership for a period."""
    f = Funding(partnership=partnership, funder=funder, recipient=recipient, source=source,
                amount=Decimal(amount), period_start=period_start, period_end=period_end,
                reference=reference)
    return audited_create(instance=f, by=by, summary="Recorded funding")

"""Money on the partnership and compare pages: financial years run 1 April to 31 March, and
multi-year funding is spread over them by day so years can be compared."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import CharField, F, Func, JSONField, OuterRef, QuerySet
from django.db.models.functions import Cast

from core.periods import financial_year_bounds, financial_year_label, financial_year_start

from ..models import Funding, Organisation, Partnership

PENNY = Decimal("0.01")


# The one financial-year rule (1 April to 31 March) is core.periods'; the partnership pages have
# always called it financial_year_of.
financial_year_of = financial_year_start


def spread_over_financial_years(amount: Decimal, start: datetime.date,
                                end: datetime.date) -> dict[int, Decimal]:
    """Split an amount paid for [start, end] (both days included) across the financial years it
    covers, evenly by day. Multi-year contracts are only comparable year by year this way; the
    pennies lost to rounding go to the last year so the parts add up to the whole."""
    total_days = (end - start).days + 1
    parts: dict[int, Decimal] = {}
    first, last = financial_year_of(start), financial_year_of(end)
    allotted = Decimal("0")
    for year in range(first, last + 1):
        if year == last:
            parts[year] = amount - allotted
            break
        first_day, last_day = financial_year_bounds(year)
        year_start, year_end = max(start, first_day), min(end, last_day)
        days = (year_end - year_start).days + 1
        share = (amount * days / total_days).quantize(PENNY, rounding=ROUND_HALF_UP)
        parts[year] = share
        allotted += share
    return parts


@dataclass
class FinancialYearTotal:
    start_year: int
    amount: Decimal
    is_current: bool

    @property
    def label(self) -> str:
        return financial_year_label(self.start_year)


def _funding_rows(user: Any, partnership: Any) -> QuerySet[Funding]:
    """Every funding row of the partnership (``partnership`` may be an ``OuterRef``), by
    period."""
    return (Funding.objects.visible_to(user).filter(partnership=partnership)
            .order_by("period_start", "pk"))


_FUNDING_FIELDS = ("pk", "funder_id", "recipient_id", "source", "amount", "period_start",
                   "period_end", "reference", "funder__name", "funder__slug",
                   "recipient__name", "recipient__slug")


def funding_array(user: Any) -> ArraySubquery:
    """Every funding row of the outer partnership as an array of JSON arrays (PostgreSQL),
    for the partnership page to read with the partnership: ``funding_summary`` takes the
    rows from its ``funding_values``. The amount is text (a JSON number would be a float)."""
    fields = [Cast(f, CharField()) if f == "amount" else F(f) for f in _FUNDING_FIELDS]
    return ArraySubquery(_funding_rows(user, OuterRef("pk")).values(
        json=Func(*fields, function="JSONB_BUILD_ARRAY", output_field=JSONField())))


def _from_array(values: list[Any], partnership: Partnership) -> Funding:
    """A funding row read by ``funding_array``, as a (read-only) model instance."""
    (pk, funder_id, recipient_id, source, amount, start, end, reference, funder_name,
     funder_slug, recipient_name, recipient_slug) = values
    day = datetime.date.fromisoformat
    f = Funding(pk=pk, partnership_id=partnership.pk, funder_id=funder_id,
                recipient_id=recipient_id, source=source, amount=Decimal(amount),
                period_start=day(start), period_end=day(end), reference=reference)
    f.funder = Organisation(pk=funder_id, name=funder_name, slug=funder_slug)
    f.recipient = (Organisation(pk=recipient_id, name=recipient_name, slug=recipient_slug)
                   if recipient_id else None)
    return f


def funding_summary(user: Any, partnership: Partnership,
                    today: datetime.date) -> dict[str, Any]:
    """The partnership page's funding panel: every row, the total and the total per
    financial year (``PartnershipPage`` fields, hence a dict to spread into it). The rows
    come from the partnership's ``funding_values`` where it was read with ``funding_array``,
    else from one query."""
    array = getattr(partnership, "funding_values", None)
    if array is not None:
        rows = [_from_array(v, partnership) for v in array]
    else:
        rows = list(_funding_rows(user, partnership).select_related("funder", "recipient")
                    .only("partnership", "source", "amount", "period_start", "period_end",
                          "reference", "funder__name", "funder__slug", "recipient__name",
                          "recipient__slug"))
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    for f in rows:
        for year, part in spread_over_financial_years(f.amount, f.period_start,
                                                      f.period_end).items():
            by_year[year] += part
    this_year = financial_year_of(today)
    return {
        "funding": rows,
        "funding_total": sum((f.amount for f in rows), Decimal("0.00")),
        "funding_by_year": [FinancialYearTotal(start_year=y, amount=by_year[y],
                                               is_current=y == this_year)
                            for y in sorted(by_year)],
    }

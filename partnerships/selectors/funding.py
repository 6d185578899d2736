"""Money on the partnership and compare pages: financial years run 1 April to 31 March, and
multi-year funding is spread over them by day so years can be compared."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.periods import financial_year_bounds, financial_year_label, financial_year_start

from ..models import Funding, Partnership

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


def funding_summary(user: Any, partnership: Partnership,
                    today: datetime.date) -> dict[str, Any]:
    """The partnership page's funding panel: every row, the total and the total per
    financial year (``PartnershipPage`` fields, hence a dict to spread into it)."""
    rows = list(Funding.objects.visible_to(user).filter(partnership=partnership)
                .select_related("funder", "recipient").order_by("period_start", "pk"))
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

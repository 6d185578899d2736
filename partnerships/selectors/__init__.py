"""Read logic of the partnership panels that need nothing but ``partnerships``: the membership
timeline, agreements and money. The pages that combine these with services and monitoring (the
partnership, organisation and compare pages) are composed in ``composition.selectors``.

Each selector owns its ``select_related``/``prefetch_related`` and returns plain dataclasses, so a
page costs the same handful of queries whether a partnership has three members or three
hundred. Periods are half-open (see ``querysets.py``): a membership with ``left_on=L`` stops on
day L.

- ``timeline``, ``agreements``, ``funding``: the timeline, agreements and money panels
  (``funding`` also holds the financial-year helpers the compare page uses);
- ``common``: status tag colours, region choices and today's date, shared by several pages.
"""

from .agreements import AGREEMENT_STATUS_TAGS, AgreementGroup, AgreementVersion
from .common import PARTNERSHIP_STATUS_TAGS, region_choices
from .funding import (
    PENNY,
    FinancialYearTotal,
    financial_year_label,
    financial_year_of,
    spread_over_financial_years,
)
from .timeline import MembershipSize, TimelineEvent

__all__ = [
    "AGREEMENT_STATUS_TAGS",
    "PARTNERSHIP_STATUS_TAGS",
    "PENNY",
    "AgreementGroup",
    "AgreementVersion",
    "FinancialYearTotal",
    "MembershipSize",
    "TimelineEvent",
    "financial_year_label",
    "financial_year_of",
    "region_choices",
    "spread_over_financial_years",
]

"""Read logic for the registry's partnership, organisation and compare pages.

One selector per page. Each owns its ``select_related``/``prefetch_related`` and returns plain
dataclasses, so a page costs the same handful of queries whether a partnership has three
members or three hundred, and templates never trigger a query of their own.

Periods are half-open (see ``querysets.py``): a membership with ``left_on=L`` stops on day L.

One module per page, and per panel of the partnership page (the largest):

- ``detail``: the partnership page (``partnership_page``), its members, leads and services;
- ``timeline``, ``agreements``, ``funding``: that page's timeline, agreements and money
  panels (``funding`` also holds the financial-year helpers the compare page uses);
- ``organisation``: the organisation page; ``compare``: the compare page;
- ``common``: status tag colours, region choices and today's date, shared by several pages.

Every public name is re-exported here, so ``from partnerships import selectors`` and
``from partnerships.selectors import partnership_page`` read as they always did.
"""

from .agreements import AGREEMENT_STATUS_TAGS, AgreementGroup, AgreementVersion
from .common import PARTNERSHIP_STATUS_TAGS, region_choices
from .compare import (
    MAX_CANDIDATES,
    ComparedPartnership,
    Comparison,
    Lookup,
    partnership_comparison,
    partnership_lookup,
)
from .detail import CAPS, LeadRow, PartnershipPage, partnership_page
from .funding import (
    PENNY,
    FinancialYearTotal,
    financial_year_label,
    financial_year_of,
    spread_over_financial_years,
)
from .organisation import OrganisationPage, OrganisationPartnership, organisation_page
from .timeline import MembershipSize, TimelineEvent

__all__ = [
    "AGREEMENT_STATUS_TAGS",
    "CAPS",
    "MAX_CANDIDATES",
    "PARTNERSHIP_STATUS_TAGS",
    "PENNY",
    "AgreementGroup",
    "AgreementVersion",
    "ComparedPartnership",
    "Comparison",
    "FinancialYearTotal",
    "LeadRow",
    "Lookup",
    "MembershipSize",
    "OrganisationPage",
    "OrganisationPartnership",
    "PartnershipPage",
    "TimelineEvent",
    "financial_year_label",
    "financial_year_of",
    "organisation_page",
    "partnership_comparison",
    "partnership_lookup",
    "partnership_page",
    "region_choices",
    "spread_over_financial_years",
]

"""The registry's REST API (under /api/v1/): organisations, partnerships and agreements
(``registry``), a partnership's quarterly reviews and engagement report (``reviews``), and the
small nested serializers the other apps' APIs reuse (``common``). The writes (issue 14) subclass
the read viewsets: ``writes_partnerships`` (organisations, partnerships, members, lead partner,
leads, funding), ``writes_periods`` (ending those) and ``writes_agreements`` (the agreement
lifecycle), sharing ``writes_common``. The list filters live in ``partnerships.filters``, shared
with the registry search page. The viewsets are registered in ``config/api_urls.py``."""

from .registry import AgreementViewSet, OrganisationViewSet, PartnershipViewSet
from .reviews import EngagementView, ReviewViewSet
from .writes_agreements import AgreementReadWriteViewSet
from .writes_partnerships import OrganisationReadWriteViewSet, PartnershipReadWriteViewSet
from .writes_periods import (
    FundingWriteViewSet,
    LeadResponsibilityWriteViewSet,
    MembershipWriteViewSet,
)

__all__ = [
    "AgreementReadWriteViewSet",
    "AgreementViewSet",
    "EngagementView",
    "FundingWriteViewSet",
    "LeadResponsibilityWriteViewSet",
    "MembershipWriteViewSet",
    "OrganisationReadWriteViewSet",
    "OrganisationViewSet",
    "PartnershipReadWriteViewSet",
    "PartnershipViewSet",
    "ReviewViewSet",
]

"""The registry's REST API (under /api/v1/): organisations, partnerships and agreements
(``registry``), a partnership's quarterly reviews and engagement report (``reviews``), and the
small nested serializers the other apps' APIs reuse (``common``). The list filters live in
``partnerships.filters``, shared with the registry search page. The viewsets are registered in
``config/api_urls.py``."""

from .registry import AgreementViewSet, OrganisationViewSet, PartnershipViewSet
from .reviews import EngagementView, ReviewViewSet

__all__ = [
    "AgreementViewSet",
    "EngagementView",
    "OrganisationViewSet",
    "PartnershipViewSet",
    "ReviewViewSet",
]

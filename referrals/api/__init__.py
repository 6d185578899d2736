"""The casework REST API (under /api/v1/), need-to-know by design: cases and their referrals,
conferences, notices and custody for the organisations involved; counts for everyone else; and
the partnership-level pathways and sharing protocols. One module per area (the cases viewset in
``cases``, its serializers in ``case_serializers``); the viewsets are registered in
``config/api_urls.py``."""

from .cases import CaseViewSet
from .conferences import ConferenceViewSet, NoticeViewSet
from .continuity import ContinuityView
from .counts import CaseCountsView
from .custody import CustodyViewSet
from .referrals import ReferralViewSet
from .registry import ReferralPathwayViewSet, SharingProtocolViewSet

__all__ = [
    "CaseCountsView",
    "CaseViewSet",
    "ConferenceViewSet",
    "ContinuityView",
    "CustodyViewSet",
    "NoticeViewSet",
    "ReferralPathwayViewSet",
    "ReferralViewSet",
    "SharingProtocolViewSet",
]

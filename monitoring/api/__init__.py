"""The monitoring REST API (under /api/v1/): the library (metrics, frameworks, periods, return
requirements), returns and their workflow, uploads, and the dashboards. One module per area; the
viewsets are registered in ``config/api_urls.py``."""

from .dashboards import DashboardViewSet
from .library import (
    FrameworkViewSet,
    MetricViewSet,
    ReportingPeriodViewSet,
    ReturnRequirementViewSet,
)
from .returns import ReturnViewSet
from .uploads import ReturnUploadView

__all__ = [
    "DashboardViewSet",
    "FrameworkViewSet",
    "MetricViewSet",
    "ReportingPeriodViewSet",
    "ReturnRequirementViewSet",
    "ReturnUploadView",
    "ReturnViewSet",
]

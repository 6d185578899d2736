"""The /api/v1/ router: the registry (read, and written through its actions), read-only
endpoints for the service directory, the monitoring endpoints (returns with their workflow,
uploads, dashboards), casework, a partnership's quarterly reviews and engagement report (nested
under its slug), and the signed-in user's own notifications and email choices."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from governance.api.actions import ActionItemViewSet
from governance.api.bodies import BodyViewSet, SeatViewSet
from governance.api.insights import InsightViewSet
from governance.api.training import FeedbackView, TrainingView
from monitoring.api import (
    DashboardViewSet,
    FrameworkViewSet,
    MetricViewSet,
    ReportingPeriodViewSet,
    ReturnRequirementViewSet,
    ReturnUploadView,
    ReturnViewSet,
)
from notifications.api import NotificationPreferencesView, NotificationViewSet
from partnerships.api import (
    AgreementReadWriteViewSet,
    EngagementView,
    FundingWriteViewSet,
    LeadResponsibilityWriteViewSet,
    MembershipWriteViewSet,
    OrganisationReadWriteViewSet,
    PartnershipReadWriteViewSet,
    ReviewViewSet,
)
from referrals.api import (
    CaseCountsView,
    CaseViewSet,
    ConferenceViewSet,
    ContinuityView,
    CustodyViewSet,
    NoticeViewSet,
    ReferralPathwayViewSet,
    ReferralViewSet,
    SharingProtocolViewSet,
)
from services.api import LocationViewSet, ServiceViewSet

router = DefaultRouter()
# The registry: read by every signed-in user, written through partnerships.actions (issue 14).
router.register("organisations", OrganisationReadWriteViewSet, basename="organisation")
router.register("partnerships", PartnershipReadWriteViewSet, basename="partnership")
router.register("agreements", AgreementReadWriteViewSet, basename="agreement")
router.register("memberships", MembershipWriteViewSet, basename="membership")
router.register("lead-responsibilities", LeadResponsibilityWriteViewSet,
                basename="leadresponsibility")
router.register("funding", FundingWriteViewSet, basename="funding")
router.register("services", ServiceViewSet, basename="service")
router.register("locations", LocationViewSet, basename="location")
router.register("metrics", MetricViewSet, basename="metric")
router.register("frameworks", FrameworkViewSet, basename="framework")
router.register("reporting-periods", ReportingPeriodViewSet, basename="reportingperiod")
router.register("return-requirements", ReturnRequirementViewSet, basename="returnrequirement")
router.register("returns", ReturnViewSet, basename="return")
router.register("dashboards", DashboardViewSet, basename="dashboard")
router.register("cases", CaseViewSet, basename="case")
# A case's custody episodes, under its reference: custody-list, custody-detail, custody-transfer,
# custody-release, custody-first-appointment, custody-release-plan (issue 18).
router.register(r"cases/(?P<reference>[^/.]+)/custody", CustodyViewSet, basename="custody")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("conferences", ConferenceViewSet, basename="conference")
router.register("notices", NoticeViewSet, basename="notice")
router.register("referral-pathways", ReferralPathwayViewSet, basename="referralpathway")
router.register("sharing-protocols", SharingProtocolViewSet, basename="sharingprotocol")
# A partnership's reviews, under its slug: review-list, review-detail, review-record, ...
router.register(r"partnerships/(?P<slug>[^/.]+)/reviews", ReviewViewSet, basename="review")
# A partnership's frontline insights (issue 19): governance-insight-list, -triage.
router.register(r"partnerships/(?P<slug>[^/.]+)/governance/insights", InsightViewSet,
                basename="governance-insight")
# A partnership's action log (issue 19): governance-action-list, -detail, -complete, -drop.
router.register(r"partnerships/(?P<slug>[^/.]+)/governance/actions", ActionItemViewSet,
                basename="governance-action")
# A partnership's governance bodies (issue 19): governance-body-list, -detail, -seats,
# -decisions, and governance-seat-end.
router.register(r"partnerships/(?P<slug>[^/.]+)/governance/bodies", BodyViewSet,
                basename="governance-body")
router.register(r"partnerships/(?P<slug>[^/.]+)/governance/seats", SeatViewSet,
                basename="governance-seat")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
urlpatterns += [
    path("returns/<int:pk>/upload/", ReturnUploadView.as_view(), name="return-upload"),
    path("case-counts/", CaseCountsView.as_view(), name="case-counts"),
    # A partnership's continuity of care per quarter (issue 18): ?partnership=<slug>.
    path("continuity/", ContinuityView.as_view(), name="continuity"),
    path("partnerships/<str:slug>/engagement/", EngagementView.as_view(),
         name="partnership-engagement"),
    # A partnership's joint training and feedback (issue 19, points 5 and 6).
    path("partnerships/<str:slug>/governance/training/", TrainingView.as_view(),
         name="governance-training"),
    path("partnerships/<str:slug>/governance/feedback/", FeedbackView.as_view(),
         name="governance-feedback"),
    path("notification-preferences/", NotificationPreferencesView.as_view(),
         name="notification-preferences"),
]

"""The /api/v1/ router: read-only endpoints for the registry and the service directory."""

from rest_framework.routers import DefaultRouter

from partnerships.api import AgreementViewSet, OrganisationViewSet, PartnershipViewSet
from services.api import LocationViewSet, ServiceViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("partnerships", PartnershipViewSet, basename="partnership")
router.register("agreements", AgreementViewSet, basename="agreement")
router.register("services", ServiceViewSet, basename="service")
router.register("locations", LocationViewSet, basename="location")

urlpatterns = router.urls

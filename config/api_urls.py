"""The /api/v1/ router. Each app registers its viewsets in its own api.py."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns = router.urls

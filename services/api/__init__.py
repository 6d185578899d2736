"""The service directory's read API (under /api/v1/): services and locations, with the nested
serializers other apps' APIs reuse (``services.api.directory``). The viewsets are registered in
``config/api_urls.py``."""

from .directory import LocationViewSet, ServiceViewSet

__all__ = ["LocationViewSet", "ServiceViewSet"]

"""The signed-in user's own notifications and email choices through the API (under /api/v1/),
in ``notifications.api.own``. The viewsets are registered in ``config/api_urls.py``."""

from .own import NotificationPreferencesView, NotificationViewSet

__all__ = ["NotificationPreferencesView", "NotificationViewSet"]

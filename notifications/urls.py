"""URLs of the notification pages."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/mark-all-read/", views.notification_mark_all_read,
         name="mark-all-read"),
    path("notifications/settings/", views.notification_settings, name="settings"),
    path("notifications/<int:pk>/open/", views.notification_open, name="open"),
]

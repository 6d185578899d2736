"""URLs of the notification pages and the private calendar feed."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/mark-all-read/", views.notification_mark_all_read,
         name="mark-all-read"),
    path("notifications/settings/", views.notification_settings, name="settings"),
    path("notifications/<int:pk>/open/", views.notification_open, name="open"),
    path("notifications/settings/calendar/create/", views.calendar_create,
         name="calendar-create"),
    path("notifications/settings/calendar/turn-off/", views.calendar_revoke,
         name="calendar-revoke"),
    # No sign-in: calendar programs fetch it. The random token is the only thing in the URL.
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
]

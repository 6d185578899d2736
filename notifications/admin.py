"""Notifications in the admin: a read-only list for platform admins (support: was it sent?)."""

from __future__ import annotations

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin, RegistryPermissionsMixin

from .models import CalendarFeed, Notification


class ReadOnlyAdmin(ReadOnlyAdminMixin, RegistryPermissionsMixin, admin.ModelAdmin):
    """Rows written only by the app's actions: the admin looks, never writes."""


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("subject", "kind", "recipient", "created_on", "email_status",
                    "email_sent_at", "read_at", "attempts")
    list_filter = ("kind", "email_status")
    search_fields = ("key", "subject")
    list_select_related = ("recipient",)
    date_hierarchy = "created_on"


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    """Who has a calendar link and whether it is turned off (support: "my calendar stopped").
    The token's hash is never shown: ``fields`` leaves it out of every page."""

    list_display = ("user", "created_on", "revoked_at")
    fields = ("user", "created_on", "revoked_at")
    readonly_fields = ("user", "created_on", "revoked_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email")
    date_hierarchy = "created_on"

"""Notifications in the admin: a read-only list for platform admins (support: was it sent?)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from core.admin import RegistryPermissionsMixin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(RegistryPermissionsMixin, admin.ModelAdmin):
    list_display = ("subject", "kind", "recipient", "created_on", "email_status",
                    "email_sent_at", "read_at", "attempts")
    list_filter = ("kind", "email_status")
    search_fields = ("key", "subject")
    list_select_related = ("recipient",)
    date_hierarchy = "created_on"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

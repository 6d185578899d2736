"""The admin site: open only to users the rules allow in (``admin.access``), not to any is_staff."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class RegistryAdminSite(admin.AdminSite):
    """Django's site, with entry decided by the rules (``admin.access`` in ``accounts.rules``)
    as well as ``is_staff``: a provider wrongly flagged as staff still cannot open it."""

    site_header = "Partnership Registry administration"
    site_title = "Partnership Registry admin"
    index_title = "Configure partnerships, agreements and the service directory"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and request.user.has_perm("admin.access")


class RegistryAdminConfig(AdminConfig):
    default_site = "core.admin_site.RegistryAdminSite"

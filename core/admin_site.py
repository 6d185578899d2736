"""The admin site: open only to users the rules allow in (``admin.access``), not to any is_staff."""

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest

#: The admin index in the order admins configure the registry: partnerships (with
#: organisations and agreements) first, then monitoring and casework set-up, the service
#: directory, notifications and the audit trail; users, API tokens and login throttling (axes)
#: last. Apps not named here come after the named ones, before accounts and axes.
APP_ORDER = ("partnerships", "monitoring", "referrals", "services", "notifications", "core")
APP_ORDER_LAST = ("accounts", "axes")
#: Within an app, what is set up first; models not named follow alphabetically.
MODEL_ORDER = {
    "partnerships": ("Partnership", "Organisation", "Agreement", "Membership",
                     "LeadResponsibility", "Funding", "ReviewMeeting", "Activity", "Region"),
    "monitoring": ("Framework", "Metric", "ReturnRequirement", "CrossMetricRule",
                   "ReportingPeriod", "MonitoringReturn"),
    "referrals": ("ReferralPathway", "SharingProtocol", "CaseworkSettings"),
    "accounts": ("User", "ApiToken"),
}


def _app_position(app_label: str) -> tuple[int, int]:
    if app_label in APP_ORDER:
        return (0, APP_ORDER.index(app_label))
    if app_label in APP_ORDER_LAST:
        return (2, APP_ORDER_LAST.index(app_label))
    return (1, 0)


class RegistryAdminSite(admin.AdminSite):
    """Django's site, with entry decided by the rules (``admin.access`` in ``accounts.rules``)
    as well as ``is_staff``: a provider wrongly flagged as staff still cannot open it."""

    site_header = "Partnership Registry administration"
    site_title = "Partnership Registry admin"
    index_title = "Configure partnerships, agreements and the service directory"
    # The app list down the side takes 300 of 1280 pixels, which pushed the change lists into
    # sideways scrolling; the index and the breadcrumbs reach every model.
    enable_nav_sidebar = False

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and request.user.has_perm("admin.access")

    def get_app_list(self, request: HttpRequest, app_label: str | None = None
                     ) -> list[dict[str, Any]]:
        """Django lists apps alphabetically ("Accounts" and "Axes" first); admins start with
        partnerships, so the index follows ``APP_ORDER`` and each app's ``MODEL_ORDER``."""
        apps = sorted(super().get_app_list(request, app_label),
                      key=lambda app: (_app_position(app["app_label"]), app["name"]))
        for app in apps:
            order = MODEL_ORDER.get(app["app_label"], ())
            app["models"].sort(key=lambda m: (order.index(m["object_name"])
                                              if m["object_name"] in order else len(order),
                                              m["name"]))
        return apps


class RegistryAdminConfig(AdminConfig):
    default_site = "core.admin_site.RegistryAdminSite"

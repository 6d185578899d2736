"""Admin for the service directory: the category taxonomy, services and where they are delivered.

Writes are audited through ``core.actions``; permissions come from ``services.rules``.
"""

from __future__ import annotations

from django.contrib import admin

from core.admin import RegistryModelAdmin, TabularInline

from .models import Location, Service, ServiceAtLocation, ServiceCategory


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(RegistryModelAdmin):
    list_display = ("name", "parent", "position", "description")
    list_filter = (("parent", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("parent",)
    search_fields = ("name", "description")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}


class ServiceAtLocationInline(TabularInline):
    model = ServiceAtLocation
    fields = ("location", "co_located", "notes")
    autocomplete_fields = ("location",)
    verbose_name_plural = "where the service is delivered"


@admin.register(Service)
class ServiceAdmin(RegistryModelAdmin):
    list_display = ("name", "provider", "partnership", "setting", "gender", "routes",
                    "is_active")
    list_filter = ("is_active", "setting", "gender", "categories", "accepts_self_referral",
                   "accepts_professional_referral", "accepts_court_ordered")
    list_select_related = ("provider", "partnership")
    search_fields = ("name", "description", "provider__name", "partnership__name")
    autocomplete_fields = ("provider", "partnership")
    filter_horizontal = ("categories",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = (ServiceAtLocationInline,)
    fieldsets = (
        (None, {"fields": ("name", "slug", "provider", "partnership", "categories",
                           "description", "is_active")}),
        ("Who it is for", {"fields": ("setting", "gender", "min_age", "max_age")}),
        ("Referral routes", {"fields": ("accepts_self_referral",
                                        "accepts_professional_referral",
                                        "accepts_court_ordered")}),
    )

    @admin.display(description="referral routes")
    def routes(self, obj: Service) -> str:
        return ", ".join(obj.referral_routes) or "—"


@admin.register(Location)
class LocationAdmin(RegistryModelAdmin):
    list_display = ("name", "kind", "region", "prison_category", "operational_capacity",
                    "operator", "postcode")
    list_filter = ("kind", "region", "prison_category")
    list_select_related = ("region", "operator")
    search_fields = ("name", "postcode", "address", "operator__name")
    autocomplete_fields = ("operator",)
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "operator", "region")}),
        ("Address", {"fields": ("address", "postcode")}),
        ("Prisons only", {"fields": ("prison_category", "operational_capacity")}),
    )

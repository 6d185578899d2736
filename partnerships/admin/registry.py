"""Admin for organisations, partnerships, memberships, lead responsibilities and funding: where
administrators configure the registry (agreements are in ``partnerships.admin.agreements``).

Writes go through ``core.actions`` (audited) or, for named operations, this app's actions;
permissions come from ``partnerships.rules``. A partnership manager sees only the partnerships
their organisation currently leads (and what belongs to them).

Change lists are kept to a few short columns so they fit a 1280-pixel screen without sideways
scrolling, and every date in them is written as the pages write it ("7 December 2026").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from accounts.rules import is_partnership_manager, is_platform_admin
from core import audit, clock
from core.admin import ReadOnlyAdminMixin, ReadOnlyInline, RegistryModelAdmin, TabularInline
from core.display import govuk_date, money

from .. import actions
from ..choices import MemberRole
from ..models import (
    Activity,
    Funding,
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
    Region,
    ReviewAttendance,
    ReviewMeeting,
)


def managed_partnerships(user: Any) -> models.QuerySet[Partnership] | None:
    """The partnerships ``user`` works on in the admin; ``None`` means every partnership."""
    if is_platform_admin(user):
        return None
    if is_partnership_manager(user):
        return Partnership.objects.managed_by(user)
    return Partnership.objects.none()


def _changed_fields(obj: models.Model) -> tuple[models.Model | None, set[str]]:
    """The stored row and the names of the fields the admin form changed on ``obj``."""
    if obj.pk is None:
        return None, set()
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    if stored is None:
        return None, set()
    return stored, set(audit.diff(audit.snapshot(stored), audit.snapshot(obj)))


def date_column(field: str, description: str) -> Callable[[Any], str]:
    """A change-list column showing the date ``field`` as the pages do ("7 December 2026"),
    sortable by it: Django's own columns would write "7 Dec 2026" (the en-GB locale)."""

    @admin.display(description=description, ordering=field)
    def show(obj: Any) -> str:
        return govuk_date(getattr(obj, field)) or "—"

    show.__name__ = f"{field}_display"
    return show


def name_column(field: str, description: str) -> Callable[[Any], str]:
    """A change-list column naming the related row ``field`` (an organisation, a partnership),
    sortable by its name. Django gives a plain foreign-key column ``white-space: nowrap``, so
    long names push the table past 1280 pixels; this one wraps."""

    @admin.display(description=description, ordering=f"{field}__name")
    def show(obj: Any) -> str:
        related = getattr(obj, field)
        return str(related) if related is not None else "—"

    show.__name__ = f"{field}_name"
    return show


def partnership_page(partnership: Partnership | None, section: str = "") -> str | None:
    """The partnership's page (at ``section``), the "View on site" target of what it holds."""
    if partnership is None:
        return None
    url = reverse("partnerships:detail", args=[partnership.slug])
    return f"{url}#{section}" if section else url


def organisation_page(organisation: Organisation) -> str:
    return reverse("partnerships:organisation", args=[organisation.slug])


class PartnershipsAdmin(RegistryModelAdmin):
    """Base for this app: named operations go to their actions; everything else is a plain
    audited save. ``partnership_lookup`` is the path from the model to its partnership, used to
    keep a partnership manager to the partnerships they manage."""

    partnership_lookup: str | None = "partnership"

    def save_object(self, request: HttpRequest, obj: models.Model) -> models.Model:
        by = request.user
        stored, changed = _changed_fields(obj)
        if stored is not None and changed:
            # Ending a membership also ends the lead responsibilities the organisation holds.
            if (isinstance(obj, Membership) and stored.left_on is None and obj.left_on
                    and changed <= {"left_on", "notes"}):
                return actions.membership_end(
                    membership=stored, left_on=obj.left_on, by=by,
                    reason=obj.notes if "notes" in changed else "")
            if (isinstance(obj, LeadResponsibility) and stored.ends_on is None and obj.ends_on
                    and changed == {"ends_on"}):
                return actions.lead_responsibility_end(responsibility=stored,
                                                       ends_on=obj.ends_on, by=by)
        return super().save_object(request, obj)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        qs = super().get_queryset(request)
        managed = managed_partnerships(request.user)
        if managed is None or self.partnership_lookup is None:
            return qs
        if self.partnership_lookup == "":
            return qs.filter(pk__in=managed.values("pk"))
        return qs.filter(**{f"{self.partnership_lookup}__in": managed.values("pk")})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest,
                                 **kwargs: Any) -> Any:
        from ..models import Agreement

        managed = managed_partnerships(request.user)
        if managed is not None:
            if db_field.related_model is Partnership:
                kwargs["queryset"] = managed
            elif db_field.related_model is Agreement:
                kwargs["queryset"] = Agreement.objects.filter(partnership__in=managed.values("pk"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def view_on_site(self, obj: Any) -> str | None:
        """"View on site" opens the partnership page the row belongs to."""
        return partnership_page(getattr(obj, "partnership", None))


# -- list filters ---------------------------------------------------------------------------------


class CurrentFilter(admin.SimpleListFilter):
    """Current, past or future rows of a dated period (memberships, lead responsibilities)."""

    title = "current or past"
    parameter_name = "when"
    start_field = "joined_on"
    end_field = "left_on"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("current", "Current"), ("past", "Past"), ("future", "Starting later")]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        today = clock.today()
        if self.value() == "current":
            return queryset.current()
        if self.value() == "past":
            return queryset.filter(**{f"{self.end_field}__lte": today})
        if self.value() == "future":
            return queryset.filter(**{f"{self.start_field}__gt": today})
        return queryset


class CurrentResponsibilityFilter(CurrentFilter):
    start_field = "starts_on"
    end_field = "ends_on"


class CurrentFundingFilter(CurrentFilter):
    """Funding whose period covers today, is over, or is still to come (periods are inclusive
    of their last day)."""

    start_field = "period_start"
    end_field = "period_end"

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        today = clock.today()
        if self.value() == "current":
            return queryset.filter(period_start__lte=today, period_end__gte=today)
        if self.value() == "past":
            return queryset.filter(period_end__lt=today)
        if self.value() == "future":
            return queryset.filter(period_start__gt=today)
        return queryset


# -- organisations, regions, activities -----------------------------------------------------------


@admin.register(Region)
class RegionAdmin(PartnershipsAdmin):
    partnership_lookup = None
    view_on_site = False
    list_display = ("name", "code", "position")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


@admin.register(Organisation)
class OrganisationAdmin(PartnershipsAdmin):
    partnership_lookup = None  # the register of organisations is open to every user
    list_display = ("name", "kind", "region", name_column("parent", "part of"))
    list_filter = ("kind", "region")
    list_select_related = ("region", "parent")
    search_fields = ("name", "identifier")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "identifier", "region", "parent")}),
        ("About", {"fields": ("website", "description")}),
    )

    def view_on_site(self, obj: Organisation) -> str:
        return organisation_page(obj)


@admin.register(Activity)
class ActivityAdmin(PartnershipsAdmin):
    list_display = ("name", "is_standard", name_column("partnership", "partnership only"),
                    "position")
    list_filter = ("is_standard",)
    list_select_related = ("partnership",)
    search_fields = ("name", "description", "partnership__name")
    autocomplete_fields = ("partnership",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        qs = super(PartnershipsAdmin, self).get_queryset(request)
        managed = managed_partnerships(request.user)
        if managed is None:
            return qs
        return qs.filter(Q(partnership__isnull=True) | Q(partnership__in=managed.values("pk")))


# -- partnerships and their inlines ---------------------------------------------------------------


class MembershipInline(TabularInline):
    model = Membership
    fields = ("organisation", "role", "joined_on", "left_on", "notes")
    autocomplete_fields = ("organisation",)
    ordering = ("joined_on", "organisation__name")
    verbose_name = "member"
    verbose_name_plural = "members"


class LeadResponsibilityInline(TabularInline):
    model = LeadResponsibility
    fields = ("activity", "organisation", "starts_on", "ends_on", "contact")
    autocomplete_fields = ("organisation",)
    verbose_name = "lead responsibility"
    verbose_name_plural = "lead-agency matrix (who leads each activity)"

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).select_related("activity")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        activity = formset.form.base_fields.get("activity")
        if activity is not None:  # standard activities and this partnership's own
            activity.queryset = Activity.objects.filter(
                Q(partnership__isnull=True) | Q(partnership=obj) if obj is not None
                else Q(partnership__isnull=True))
        return formset


class FundingInline(TabularInline):
    model = Funding
    fields = ("funder", "recipient", "source", "amount", "period_start", "period_end",
              "reference")
    autocomplete_fields = ("funder", "recipient")


@admin.register(Partnership)
class PartnershipAdmin(PartnershipsAdmin):
    partnership_lookup = ""
    list_display = ("name", "status", "setting", date_column("started_on", "started"),
                    "lead_partner")
    list_filter = ("status", "setting", "regions")
    search_fields = ("name", "summary", "memberships__organisation__name")
    date_hierarchy = "started_on"
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("regions",)
    inlines = (MembershipInline, LeadResponsibilityInline, FundingInline)
    fieldsets = (
        (None, {"fields": ("name", "slug", "summary", "setting", "regions")}),
        ("Life of the partnership", {"fields": ("status", "started_on", "ended_on")}),
    )

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        lead = (Membership.objects.current()
                .filter(partnership=OuterRef("pk"), role=MemberRole.LEAD_PARTNER)
                .order_by("joined_on").values("organisation__name")[:1])
        return super().get_queryset(request).annotate(lead_partner_name=Subquery(lead))

    def view_on_site(self, obj: Partnership) -> str | None:
        return partnership_page(obj)

    @admin.display(description="lead partner", ordering="lead_partner_name")
    def lead_partner(self, obj: Partnership) -> str:
        return getattr(obj, "lead_partner_name", None) or "—"

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and request.user.has_perm("core.view_auditevent"):
            fieldsets = (*fieldsets, ("History", {"fields": ("history",)}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and request.user.has_perm("core.view_auditevent"):
            readonly += ("history",)
        return readonly

    @admin.display(description="audit trail")
    def history(self, obj: Partnership) -> str:
        return format_html('<a href="{}">History: every change to this partnership, its '
                           'members, agreements and lead responsibilities</a>',
                           self.audit_url(obj))

    def audit_filter(self, obj: models.Model) -> dict[str, Any]:
        return {"partnership_id": obj.pk}


@admin.register(Membership)
class MembershipAdmin(PartnershipsAdmin):
    list_display = (name_column("organisation", "organisation"),
                    name_column("partnership", "partnership"), "role",
                    date_column("joined_on", "joined"), date_column("left_on", "left"),
                    "is_current")
    list_filter = ("role", CurrentFilter)
    list_select_related = ("organisation", "partnership")
    search_fields = ("organisation__name", "partnership__name", "notes")
    autocomplete_fields = ("partnership", "organisation")
    date_hierarchy = "joined_on"

    def view_on_site(self, obj: Membership) -> str | None:
        return partnership_page(obj.partnership, "members")

    @admin.display(description="current", boolean=True)
    def is_current(self, obj: Membership) -> bool:
        today = clock.today()
        return obj.joined_on <= today and (obj.left_on is None or obj.left_on > today)


@admin.register(LeadResponsibility)
class LeadResponsibilityAdmin(PartnershipsAdmin):
    list_display = (name_column("activity", "activity"),
                    name_column("organisation", "lead organisation"),
                    name_column("partnership", "partnership"), date_column("starts_on", "from"),
                    date_column("ends_on", "until"))
    list_filter = ("activity", CurrentResponsibilityFilter)
    list_select_related = ("activity", "organisation", "partnership")
    search_fields = ("activity__name", "organisation__name", "partnership__name", "contact")
    autocomplete_fields = ("partnership", "organisation")

    def view_on_site(self, obj: LeadResponsibility) -> str | None:
        return partnership_page(obj.partnership, "lead-agencies")


@admin.register(Funding)
class FundingAdmin(PartnershipsAdmin):
    list_display = (name_column("partnership", "partnership"), name_column("funder", "funder"),
                    "source", "amount_display", "period")
    list_filter = ("source", CurrentFundingFilter)
    list_select_related = ("partnership", "funder", "recipient")
    search_fields = ("partnership__name", "funder__name", "recipient__name", "reference")
    autocomplete_fields = ("partnership", "funder", "recipient")
    date_hierarchy = "period_start"

    def view_on_site(self, obj: Funding) -> str | None:
        return partnership_page(obj.partnership, "funding")

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, obj: Funding) -> str:
        return money(obj.amount)

    @admin.display(description="period", ordering="period_start")
    def period(self, obj: Funding) -> str:
        return f"{govuk_date(obj.period_start)} to {govuk_date(obj.period_end)}"


# -- quarterly reviews (read-only: they change through partnerships.actions) ---------------------


class ReviewAttendanceInline(ReadOnlyInline):
    model = ReviewAttendance
    fields = ("organisation", "attended")
    readonly_fields = fields


@admin.register(ReviewMeeting)
class ReviewMeetingAdmin(ReadOnlyAdminMixin, PartnershipsAdmin):
    """Read-only: reviews are planned, moved and recorded on the partnership's review pages
    (``partnerships.actions``), which check the dates, ask for every member's attendance and
    plan the next one; an admin form would skip all of that."""

    list_display = (name_column("partnership", "partnership"),
                    date_column("planned_on", "planned for"), "status",
                    date_column("held_on", "held on"), "attendance_summary", "page_link")
    list_filter = ("status",)
    list_select_related = ("partnership",)
    search_fields = ("partnership__name", "notes")
    date_hierarchy = "planned_on"
    fields = ("partnership", "planned_on", "status", "held_on", "notes", "recorded_by",
              "page_link")
    readonly_fields = fields
    inlines = (ReviewAttendanceInline,)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        attended = models.Count("attendance", filter=Q(attendance__attended=True))
        return super().get_queryset(request).annotate(
            attended_count=attended, expected_count=models.Count("attendance"))

    def view_on_site(self, obj: ReviewMeeting) -> str:
        return reverse("partnerships:reviews", args=[obj.partnership.slug])

    @admin.display(description="attendance")
    def attendance_summary(self, obj: ReviewMeeting) -> str:
        if obj.held_on is None:
            return "—"
        return f"{obj.attended_count} of {obj.expected_count} attended"

    @admin.display(description="page")
    def page_link(self, obj: ReviewMeeting) -> str:
        url = reverse("partnerships:reviews", args=[obj.partnership.slug])
        return format_html('<a href="{}">Reviews of {}</a>', url, obj.partnership)

"""Admin for organisations, partnerships, memberships, agreements, lead responsibilities and
funding: where administrators configure the registry.

Writes go through ``core.actions`` (audited) or, for named operations, this app's actions;
permissions come from ``partnerships.rules``. A partnership manager sees only the partnerships their
organisation currently leads (and what belongs to them).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

from accounts.rules import is_partnership_manager, is_platform_admin
from core import audit, clock
from core.admin import (
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    RegistryModelAdmin,
    TabularInline,
    error_text,
)
from core.errors import DomainError

from . import actions
from .choices import AgreementStatus, MemberRole
from .models import (
    Activity,
    Agreement,
    Funding,
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
    Region,
    ReviewAttendance,
    ReviewMeeting,
    Signatory,
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
            if (isinstance(obj, Agreement) and stored.status == AgreementStatus.DRAFT
                    and obj.status == AgreementStatus.ACTIVE
                    and changed <= {"status", "effective_from"}):
                return actions.agreement_activate(agreement=stored, by=by,
                                                  effective_from=obj.effective_from)
        # Signing goes through agreement_sign (no signing superseded versions or future dates).
        if (isinstance(obj, Signatory) and obj.signed_on
                and (stored is None or (stored.signed_on is None
                                        and changed <= {"signed_by", "signed_on"}))):
            return actions.agreement_sign(agreement=obj.agreement, organisation=obj.organisation,
                                          signed_by=obj.signed_by, signed_on=obj.signed_on, by=by)
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
        managed = managed_partnerships(request.user)
        if managed is not None:
            if db_field.related_model is Partnership:
                kwargs["queryset"] = managed
            elif db_field.related_model is Agreement:
                kwargs["queryset"] = Agreement.objects.filter(partnership__in=managed.values("pk"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = "review overdue"
    parameter_name = "review_overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        if self.value() == "yes":
            return queryset.review_overdue()
        if self.value() == "no":
            return queryset.exclude(pk__in=Agreement.objects.review_overdue().values("pk"))
        return queryset


# -- organisations, regions, activities -----------------------------------------------------------


@admin.register(Region)
class RegionAdmin(PartnershipsAdmin):
    partnership_lookup = None
    list_display = ("name", "code", "position")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


@admin.register(Organisation)
class OrganisationAdmin(PartnershipsAdmin):
    partnership_lookup = None  # the register of organisations is open to every user
    list_display = ("name", "kind", "identifier", "region", "parent")
    list_filter = ("kind", "region")
    list_select_related = ("region", "parent")
    search_fields = ("name", "identifier")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "identifier", "region", "parent")}),
        ("About", {"fields": ("website", "description")}),
    )


@admin.register(Activity)
class ActivityAdmin(PartnershipsAdmin):
    list_display = ("name", "is_standard", "partnership", "position")
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
    list_display = ("name", "status", "setting", "started_on", "ended_on", "lead_partner")
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

    @admin.display(description="current lead partner", ordering="lead_partner_name")
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
    list_display = ("organisation", "partnership", "role", "joined_on", "left_on", "is_current")
    list_filter = ("role", CurrentFilter)
    list_select_related = ("organisation", "partnership")
    search_fields = ("organisation__name", "partnership__name", "notes")
    autocomplete_fields = ("partnership", "organisation")
    date_hierarchy = "joined_on"

    @admin.display(description="current", boolean=True)
    def is_current(self, obj: Membership) -> bool:
        today = clock.today()
        return obj.joined_on <= today and (obj.left_on is None or obj.left_on > today)


@admin.register(LeadResponsibility)
class LeadResponsibilityAdmin(PartnershipsAdmin):
    list_display = ("activity", "organisation", "partnership", "starts_on", "ends_on", "contact")
    list_filter = ("activity", CurrentResponsibilityFilter)
    list_select_related = ("activity", "organisation", "partnership")
    search_fields = ("activity__name", "organisation__name", "partnership__name", "contact")
    autocomplete_fields = ("partnership", "organisation")


@admin.register(Funding)
class FundingAdmin(PartnershipsAdmin):
    list_display = ("partnership", "funder", "recipient", "source", "amount_display",
                    "period_start", "period_end", "reference")
    list_filter = ("source",)
    list_select_related = ("partnership", "funder", "recipient")
    search_fields = ("partnership__name", "funder__name", "recipient__name", "reference")
    autocomplete_fields = ("partnership", "funder", "recipient")
    date_hierarchy = "period_start"

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, obj: Funding) -> str:
        return f"£{obj.amount:,.2f}"


# -- agreements -----------------------------------------------------------------------------------


class SignatoryInline(TabularInline):
    model = Signatory
    fields = ("organisation", "signed_by", "signed_on")
    autocomplete_fields = ("organisation",)


@admin.register(Agreement)
class AgreementAdmin(PartnershipsAdmin):
    list_display = ("title", "version", "kind", "status", "partnership", "effective_from",
                    "review_due_display")
    list_filter = ("kind", "status", ReviewOverdueFilter)
    list_select_related = ("partnership",)
    search_fields = ("title", "reference", "summary", "partnership__name")
    date_hierarchy = "review_due"
    autocomplete_fields = ("partnership", "replaces")
    inlines = (SignatoryInline,)
    actions = ("put_into_effect",)
    fieldsets = (
        (None, {"fields": ("partnership", "kind", "title", "reference", "version", "status",
                           "summary")}),
        ("Dates", {"fields": ("effective_from", "review_due", "expires_on")}),
        ("Document", {"fields": ("document",)}),
        ("Versions", {"fields": ("replaces", "change_reason")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None:  # the version chain is written by 'supersede', not edited
            readonly += ("replaces", "change_reason", "replaced_by")
        return readonly

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        *rest, (title, options) = fieldsets
        return (*rest, (title, {**options,
                                "fields": (*options["fields"], "replaced_by")}))

    @admin.display(description="review due", ordering="review_due")
    def review_due_display(self, obj: Agreement) -> str:
        if obj.review_due is None:
            return "—"
        date = f"{obj.review_due:%-d %b %Y}"
        if not obj.review_overdue_on():
            return date
        return format_html('<img src="{}" alt="" width="14" height="14"> '
                           "<strong>{} — overdue</strong>",
                           static("admin/img/icon-alert.svg"), date)

    @admin.display(description="replaced by")
    def replaced_by(self, obj: Agreement) -> str:
        newer = Agreement.objects.filter(replaces=obj).first()
        if newer is None:
            return "—"
        url = reverse(f"{self.admin_site.name}:partnerships_agreement_change", args=[newer.pk])
        return format_html('<a href="{}">{}</a>', url, newer)

    def has_activate_permission(self, request: HttpRequest) -> bool:
        # Shown to whoever may record agreements; each agreement is checked again below.
        return self.has_add_permission(request) or self.has_change_permission(request)

    @admin.action(description="Put draft into effect", permissions=["activate"])
    def put_into_effect(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        done = 0
        for agreement in queryset.select_related("partnership"):
            if not self.has_change_permission(request, agreement):
                self.message_user(request, f"{agreement}: you may not change this agreement.",
                                  level=messages.ERROR)
                continue
            try:
                actions.agreement_activate(agreement=agreement, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{agreement} was not put into effect: "
                                           f"{error_text(exc)}", level=messages.ERROR)
            else:
                done += 1
        if done:
            noun = "agreement" if done == 1 else "agreements"
            self.message_user(request, f"Put {done} {noun} into effect.", level=messages.SUCCESS)


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

    list_display = ("partnership", "planned_on", "status", "held_on", "attendance_summary",
                    "page_link")
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

    @admin.display(description="attendance")
    def attendance_summary(self, obj: ReviewMeeting) -> str:
        if obj.held_on is None:
            return "—"
        return f"{obj.attended_count} of {obj.expected_count} attended"

    @admin.display(description="page")
    def page_link(self, obj: ReviewMeeting) -> str:
        url = reverse("partnerships:reviews", args=[obj.partnership.slug])
        return format_html('<a href="{}">Reviews of {}</a>', url, obj.partnership)

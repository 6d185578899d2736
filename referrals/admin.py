"""Admin for the configuration of casework: referral pathways, the sharing terms of
information-sharing protocols, and each partnership's casework settings.

Casework itself (cases, people, referrals, conferences, the access log) is deliberately not
here: it is personal data, seen only by the agencies involved on the casework pages, where
every read is logged. Writes go through ``core.actions.audited_save`` (``RegistryModelAdmin``);
permissions come from ``referrals.rules``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from core.admin import RegistryModelAdmin
from partnerships.choices import AgreementKind, AgreementStatus
from partnerships.models import Agreement

from .models import CaseworkSettings, ReferralPathway, SharingProtocol


class SharingProtocolForm(forms.ModelForm):
    class Meta:
        model = SharingProtocol
        fields = ("agreement", "parties", "purpose", "data_items", "lawful_basis",
                  "special_category_condition", "criminal_offence_condition",
                  "retention_months", "review_on")

    def clean(self) -> dict[str, Any]:
        """Parties must belong to the protocol's partnership, or the protocol could never
        allow a referral between them."""
        cleaned = super().clean()
        agreement, parties = cleaned.get("agreement"), cleaned.get("parties")
        if agreement is None and self.instance.agreement_id:  # read-only once saved
            agreement = self.instance.agreement
        if agreement is not None and parties:
            members = set(agreement.partnership.memberships
                          .values_list("organisation_id", flat=True))
            outsiders = sorted(p.name for p in parties if p.pk not in members)
            if outsiders:
                self.add_error("parties", "Not members of "
                                          f"{agreement.partnership}: {', '.join(outsiders)}.")
        return cleaned


@admin.register(SharingProtocol)
class SharingProtocolAdmin(RegistryModelAdmin):
    """The terms the ICO's data sharing code expects, recorded against an information-sharing
    agreement: who shares, why, what, on which lawful basis and conditions, and for how long."""

    form = SharingProtocolForm
    list_display = ("agreement", "partnership", "lawful_basis", "retention_months",
                    "review_on")
    list_filter = ("lawful_basis", "special_category_condition", "criminal_offence_condition")
    list_select_related = ("agreement__partnership",)
    search_fields = ("agreement__title", "agreement__partnership__name", "purpose")
    autocomplete_fields = ("parties",)
    date_hierarchy = "review_on"
    fieldsets = (
        (None, {"fields": ("agreement", "parties", "purpose", "data_items")}),
        ("Lawful basis and conditions (UK GDPR, DPA 2018)",
         {"fields": ("lawful_basis", "special_category_condition",
                     "criminal_offence_condition")}),
        ("Retention and review", {"fields": ("retention_months", "review_on")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        # The terms belong to one agreement version; a new version gets terms of its own.
        return (*readonly, "agreement") if obj is not None else readonly

    @admin.display(description="partnership", ordering="agreement__partnership__name")
    def partnership(self, obj: SharingProtocol) -> str:
        return str(obj.agreement.partnership)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest,
                                 **kwargs: Any) -> Any:
        if db_field.name == "agreement":
            # Only information-sharing agreements carry sharing terms; superseded versions
            # no longer bind anyone.
            kwargs["queryset"] = (Agreement.objects
                                  .filter(kind=AgreementKind.INFORMATION_SHARING)
                                  .exclude(status=AgreementStatus.SUPERSEDED)
                                  .select_related("partnership")
                                  .order_by("partnership__name", "title"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReferralPathwayForm(forms.ModelForm):
    class Meta:
        model = ReferralPathway
        fields = ("partnership", "name", "agreement", "eligibility_notes", "from_service",
                  "from_category", "to_service", "to_category", "target_response_days",
                  "last_reviewed_on")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        partnership, agreement = cleaned.get("partnership"), cleaned.get("agreement")
        if partnership is not None and agreement is not None \
                and agreement.partnership_id != partnership.pk:
            self.add_error("agreement", f"Choose an agreement of {partnership}.")
        return cleaned


@admin.register(ReferralPathway)
class ReferralPathwayAdmin(RegistryModelAdmin):
    """Agreed routes from one service (or category) to another within a partnership."""

    form = ReferralPathwayForm
    list_display = ("name", "partnership", "target_response_days", "agreement",
                    "last_reviewed_on")
    list_filter = ("partnership",)
    list_select_related = ("partnership", "agreement")
    search_fields = ("name", "eligibility_notes", "partnership__name")
    autocomplete_fields = ("partnership", "from_service", "from_category", "to_service",
                           "to_category")
    fieldsets = (
        (None, {"fields": ("partnership", "name", "agreement", "eligibility_notes")}),
        ("From (one service or one category)", {"fields": ("from_service", "from_category")}),
        ("To (one service or one category)", {"fields": ("to_service", "to_category")}),
        ("Response and review", {"fields": ("target_response_days", "last_reviewed_on")}),
    )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest,
                                 **kwargs: Any) -> Any:
        if db_field.name == "agreement":
            kwargs["queryset"] = (Agreement.objects.select_related("partnership")
                                  .order_by("partnership__name", "title", "version"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(CaseworkSettings)
class CaseworkSettingsAdmin(RegistryModelAdmin):
    """How often a partnership's joint case meetings recur, how far back repeated assessments
    are looked for, a prison's handover period and when release plans are due."""

    list_display = ("partnership", "joint_meeting_interval", "assessment_window_days",
                    "custody_handover_days", "release_plan_weeks")
    list_filter = ("joint_meeting_interval",)
    list_select_related = ("partnership",)
    search_fields = ("partnership__name",)
    autocomplete_fields = ("partnership",)

"""The admin for governance (platform admins): bodies with their seats, and decisions. Saves
and deletes write audit rows (``core.admin.RegistryModelAdmin``); a terms of reference upload is
checked by content as on the pages (``partnerships.documents``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from core.admin import RegistryModelAdmin, TabularInline
from core.errors import DomainError
from partnerships.documents import check_agreement_document

from .models import Body, BodySeat, Decision


class BodyForm(forms.ModelForm):
    class Meta:
        model = Body
        fields = ("partnership", "name", "kind", "reports_to", "chair", "formed_on", "ended_on",
                  "terms_of_reference", "terms_document")

    def clean_terms_document(self) -> Any:
        """A new upload must be a real PDF, DOCX or ODT within the size limit."""
        document = self.cleaned_data.get("terms_document")
        if document and "terms_document" in self.changed_data:
            try:
                check_agreement_document(document)
            except DomainError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return document

    def clean(self) -> dict[str, Any]:
        """The body it reports to belongs to the same partnership."""
        cleaned = super().clean()
        partnership, reports_to = cleaned.get("partnership"), cleaned.get("reports_to")
        if partnership and reports_to and reports_to.partnership_id != partnership.pk:
            self.add_error("reports_to", "Choose a body of the same partnership.")
        return cleaned


class SeatInline(TabularInline):
    model = BodySeat
    extra = 0
    fields = ("organisation", "seat", "joined_on", "left_on")
    autocomplete_fields = ("organisation",)


@admin.register(Body)
class BodyAdmin(RegistryModelAdmin):
    """A partnership's board, working groups and service-user group, with the seats held."""

    form = BodyForm
    inlines = (SeatInline,)
    list_display = ("name", "partnership", "kind", "formed_on", "ended_on")
    list_filter = ("kind",)
    list_select_related = ("partnership",)
    search_fields = ("name", "partnership__name")
    autocomplete_fields = ("partnership", "chair")


@admin.register(Decision)
class DecisionAdmin(RegistryModelAdmin):
    """What a body decided (the pages record them; here to correct a mistake)."""

    list_display = ("body", "decided_on")
    list_select_related = ("body", "body__partnership")
    search_fields = ("body__name", "body__partnership__name")
    date_hierarchy = "decided_on"
    autocomplete_fields = ("body",)
    readonly_fields = ("recorded_by",)

    def save_model(self, request: Any, obj: Decision, form: Any, change: bool) -> None:
        if not change and obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

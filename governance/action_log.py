"""The action log's reads, in one spelling for its page, its downloads and its API
(``governance.views.actions``, ``governance.api.actions``): the filters (status, owner
organisation, body, overdue only) and the rows as download cells.

An owner organisation is named by its slug and a body by its id, each offered only among the
partnership's own, so a hand-typed value the log does not know is refused with the parameter
named, never answered with an empty list that looks like "no actions"."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from core import clock
from core.display import display_name
from partnerships.models import Membership, Organisation, Partnership

from .choices import ActionStatus
from .models import ActionItem, Body

#: The downloads' columns, in the order of the page's table.
HEADER = ["Action", "Owner organisation", "Owner", "Due on", "Status", "Overdue",
          "Done on", "Reason dropped", "Body", "Decision of"]


def owner_organisations(partnership: Partnership) -> QuerySet[Organisation]:
    """Organisations that are or were members of the partnership: those an action may be
    (or may have been) owned by."""
    ids = Membership.objects.filter(partnership=partnership).values("organisation_id")
    return Organisation.objects.filter(pk__in=ids).order_by("name")


class ActionItemFilter(django_filters.FilterSet):
    """Status, owner organisation, body and "overdue only", among the partnership's own."""

    status = django_filters.ChoiceFilter(
        label="Status", choices=ActionStatus.choices, empty_label="Any status",
        error_messages={"invalid_choice": "Choose open, done or dropped."})
    owner_organisation = django_filters.ModelChoiceFilter(
        label="Owner organisation", to_field_name="slug", empty_label="All organisations",
        queryset=Organisation.objects.none(),  # the partnership's, set in __init__
        error_messages={"invalid_choice": "Choose an organisation of this partnership."})
    body = django_filters.ModelChoiceFilter(
        label="Board or group", empty_label="All boards and groups",
        queryset=Body.objects.none(),
        error_messages={"invalid_choice": "Choose a board or group of this partnership."})
    overdue = django_filters.BooleanFilter(
        label="Overdue only", method="filter_overdue", widget=forms.CheckboxInput)

    class Meta:
        model = ActionItem
        fields = ["status", "owner_organisation", "body", "overdue"]

    def __init__(self, data: Any = None, *, partnership: Partnership, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", log_rows(partnership))
        super().__init__(data, **kwargs)
        self.filters["owner_organisation"].queryset = owner_organisations(partnership)
        self.filters["body"].queryset = Body.objects.filter(partnership=partnership) \
            .order_by("name")

    def filter_overdue(self, queryset: QuerySet[ActionItem], name: str,
                       value: bool | None) -> QuerySet[ActionItem]:
        return queryset.overdue() if value else queryset  # type: ignore[attr-defined]

    @property
    def filtered(self) -> bool:
        """Whether any filter is chosen (then an empty list says "none match")."""
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        return any(data.get(name) for name in self.filters)


def log_rows(partnership: Partnership) -> QuerySet[ActionItem]:
    """The partnership's actions with what a row shows joined, earliest due first."""
    return (ActionItem.objects.filter(partnership=partnership)
            .select_related("owner_organisation", "owner", "body", "decision__body")
            .order_by("due_on", "pk"))


def is_overdue(item: ActionItem) -> bool:
    """Open and past its due date (the day after it is due, it is late)."""
    return item.status == ActionStatus.OPEN and item.due_on < clock.today()


def owner_name(item: ActionItem) -> str:
    """The owner person's name as the registry shows staff (empty when none is named)."""
    return display_name(item.owner) if item.owner_id else ""


def table_rows(items: Any) -> list[list[Any]]:
    """The log's rows as download cells: dates stay dates, nothing is left as a formula."""
    return [[item.text, item.owner_organisation.name, owner_name(item), item.due_on,
             item.get_status_display(), "Yes" if is_overdue(item) else "No",
             item.completed_on, item.dropped_reason, item.body.name if item.body_id else "",
             item.decision.decided_on if item.decision_id else None] for item in items]

"""Filters on registry objects, in one spelling.

- the building blocks every registry FilterSet uses (a setting, a region by code, an
  organisation or partnership by slug);
- the partnership filters themselves (a current member or a funder named by slug *or* by part
  of its name, an overdue agreement review, the settings worked in) as plain expressions;
- ``PartnershipFilter``, the API's partnership list filters, built on those expressions.

The registry search page (``composition.search.selector``) applies the same expressions, so the page
and the API cannot disagree about which partnerships a member, a funder, a setting or an overdue
review finds. They live here, in partnerships rather than in an API module or in pages, because
the API is in this app and the search page sits above it (it adds the services' category
filter itself).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django_filters.filters import QuerySetRequestMixin
from rest_framework.request import Request

from core import clock
from core.api import StrictBooleanFilter

from .choices import PartnershipStatus, Setting
from .models import Agreement, Funding, Membership, Organisation, Partnership, Region


def setting_matches(value: str, field: str = "setting") -> Q:
    """Rows that work in ``value``: asking for custody also finds 'custody and community'."""
    if value == Setting.BOTH:
        return Q(**{field: Setting.BOTH})
    return Q(**{f"{field}__in": [value, Setting.BOTH]})


def region_filter(field_name: str, help_text: str) -> django_filters.ModelChoiceFilter:
    """A filter on a region by its code; an unknown code is a 400, not an empty list."""
    return django_filters.ModelChoiceFilter(
        field_name=field_name, to_field_name="code", queryset=Region.objects.all(),
        help_text=help_text,
    )


def visible_organisations(request: Request | None) -> QuerySet[Organisation]:
    """The organisations a filter may name: those the requesting user can see."""
    return Organisation.objects.visible_to(getattr(request, "user", None))


def visible_partnerships(request: Request | None) -> QuerySet[Partnership]:
    """The partnerships a filter may name: those the requesting user can see."""
    return Partnership.objects.visible_to(getattr(request, "user", None))


def organisation_filter(help_text: str, **kwargs: Any) -> django_filters.ModelChoiceFilter:
    """A filter on an organisation by its slug; an unknown (or hidden) slug is a 400."""
    return django_filters.ModelChoiceFilter(
        to_field_name="slug", queryset=visible_organisations, help_text=help_text, **kwargs,
    )


def partnership_filter(help_text: str) -> django_filters.ModelChoiceFilter:
    """A filter on a partnership by its slug; an unknown (or hidden) slug is a 400."""
    return django_filters.ModelChoiceFilter(
        to_field_name="slug", queryset=visible_partnerships, help_text=help_text,
    )


# --------------------------------------------------------------------------------------------
# The partnership filters: one definition for the API and the search page
# --------------------------------------------------------------------------------------------


def organisation_named(value: str, prefix: str = "") -> Q:
    """An organisation named by its slug (links from organisation pages, API clients) or by all
    or part of its name (typed into a filter), ignoring case."""
    return Q(**{f"{prefix}slug": value}) | Q(**{f"{prefix}name__icontains": value})


def works_in(settings: Iterable[str]) -> Q:
    """Partnerships working in any of ``settings``: asking for custody also finds 'custody and
    community'."""
    q = Q()
    for value in settings:
        q |= setting_matches(value)
    return q


def has_current_member(user: Any, value: str, today: datetime.date) -> Exists:
    """Partnerships (the outer query) with a member on ``today`` named ``value``."""
    current = Membership.objects.visible_to(user).active_on(today).filter(
        organisation_named(value, "organisation__"), partnership_id=OuterRef("pk"))
    return Exists(current)


def has_funder(user: Any, value: str) -> Exists:
    """Partnerships (the outer query) that an organisation named ``value`` has funded."""
    return Exists(Funding.objects.visible_to(user).filter(
        organisation_named(value, "funder__"), partnership_id=OuterRef("pk")))


def has_review_overdue(user: Any, today: datetime.date) -> Exists:
    """Partnerships (the outer query) with an active agreement whose review date has passed."""
    return Exists(Agreement.objects.visible_to(user).review_overdue(today)
                  .filter(partnership_id=OuterRef("pk")))


class OrganisationNameField(forms.CharField):
    """A slug or part of a name that must name at least one organisation of ``queryset``: a
    name that matches nobody is a clear 400, as an unknown slug always was, not an empty list."""

    default_error_messages = {
        "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"],
    }

    def __init__(self, *, queryset: QuerySet[Organisation] | None = None,
                 **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if value and self.queryset is not None and not self.queryset.filter(
                organisation_named(value)).exists():
            raise forms.ValidationError(self.error_messages["invalid_choice"],
                                        code="invalid_choice")
        return value


class OrganisationNameFilter(QuerySetRequestMixin, django_filters.CharFilter):
    """A filter on an organisation by slug or by all or part of its name, among those the
    requesting user can see."""

    field_class = OrganisationNameField


class PartnershipFilter(django_filters.FilterSet):
    """Partnerships by status, setting, region, current member, funder and overdue reviews:
    the API's spelling of the search page's filters, through the same expressions."""

    status = django_filters.ChoiceFilter(choices=PartnershipStatus.choices)
    setting = django_filters.ChoiceFilter(
        choices=Setting.choices, method="filter_setting",
        help_text="custody or community also finds partnerships working in both.")
    region = region_filter("regions", "Region code of a region served, e.g. london.")
    member = OrganisationNameFilter(
        queryset=visible_organisations, method="filter_member",
        help_text="Slug, or all or part of the name, of an organisation that is a current "
                  "member (as the search page's member filter).")
    funder = OrganisationNameFilter(
        queryset=visible_organisations, method="filter_funder",
        help_text="Slug, or all or part of the name, of an organisation that has funded the "
                  "partnership (as the search page's funder filter).")
    review_overdue = StrictBooleanFilter(
        method="filter_review_overdue",
        help_text="true: has an active agreement whose review date has passed; false: has none.")

    # Each filter is optional and reads one parameter (core.api.OptionalFiltersBackend).
    only_filters_given = True

    class Meta:
        model = Partnership
        fields = ["status", "setting", "region", "member", "funder", "review_overdue"]

    def filter_setting(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(works_in([value]))

    def filter_member(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(has_current_member(self.request.user, value, clock.today()))

    def filter_funder(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(has_funder(self.request.user, value))

    def filter_review_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        overdue = has_review_overdue(self.request.user, clock.today())
        return queryset.filter(overdue if value else ~overdue)

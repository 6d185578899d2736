"""The service directory's filters, parsed from the query string.

Filters live in the URL so a search can be bookmarked and shared; URLs outlive data (a category
renamed, a link typed by hand), so an unknown value is reported next to its filter and left out,
while every other filter still applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from partnerships.choices import Setting
from partnerships.selectors import region_choices

from . import selectors
from .choices import Gender, LocationKind
from .selectors import DEFAULT_SORT, SORT_KEYS, DirectoryFilters

TEXT_MAX_LENGTH = 200

REFERRAL_ROUTE_CHOICES = [
    ("self", "Self-referral"),
    ("professional", "Professional referral"),
    ("court_ordered", "Court-ordered"),
]
SETTING_CHOICES = [("", "Any setting"), (Setting.CUSTODY.value, "Custody"),
                   (Setting.COMMUNITY.value, "Community")]
GENDER_CHOICES = [("", "Any"), (Gender.WOMEN.value, "Women"), (Gender.MEN.value, "Men")]


def _shown(value: str, limit: int = 40) -> str:
    """A user-typed value, shortened, for quoting back in an error message."""
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1] + "…"


class CheckboxList(forms.CheckboxSelectMultiple):
    """Checkboxes whose field id is the first box's id. Django returns no id for a choice
    widget as a whole, which left the GOV.UK component's boxes with empty and clashing ids
    (and the error summary with nothing to link to)."""

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return id_ if index is None else super().id_for_label(id_, index)


class ChoiceListField(forms.MultipleChoiceField):
    """Checkboxes whose unknown values are checked by the form (``clean_<name>``), so the
    known ones can still be applied instead of the whole filter being dropped."""

    widget = CheckboxList

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)


@dataclass(frozen=True)
class SelectedFilter:
    """One applied filter value, for the MOJ "Selected filters" tags and the empty state."""

    heading: str
    label: str
    param: str
    value: str


class DirectoryFilterForm(forms.Form):
    """GET parameters of the directory and its CSV export (the same form for both, so the
    download always matches the page)."""

    q = forms.CharField(
        label="Search services", required=False, max_length=TEXT_MAX_LENGTH,
        help_text="Service name, description or provider",
        error_messages={"max_length": f"Search text must be {TEXT_MAX_LENGTH} characters or "
                                      f"fewer"})
    category = ChoiceListField(label="Category", required=False)
    kind = ChoiceListField(label="Type of location", required=False,
                           choices=LocationKind.choices)
    location = forms.CharField(
        label="Location", required=False, max_length=TEXT_MAX_LENGTH,
        help_text="All or part of its name, for example Kestrelford",
        error_messages={"max_length": f"Location must be {TEXT_MAX_LENGTH} characters or "
                                      f"fewer"})
    region = forms.ChoiceField(label="Region", required=False)
    setting = forms.ChoiceField(
        label="Setting", required=False, choices=SETTING_CHOICES,
        help_text="Includes services delivered in both",
        error_messages={"invalid_choice": "Choose custody or community for setting"})
    gender = forms.ChoiceField(
        label="Gender", required=False, choices=GENDER_CHOICES,
        help_text="Includes services open to any gender",
        error_messages={"invalid_choice": "Choose women or men for gender"})
    route = ChoiceListField(label="Referral route", required=False,
                            choices=REFERRAL_ROUTE_CHOICES)
    co_located = forms.BooleanField(
        label="Co-located only", required=False,
        help_text="Provider staff based in another agency's building")
    include_inactive = forms.BooleanField(label="Include services no longer running",
                                          required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = selectors.category_choices()
        self.fields["region"].choices = [("", "Any region"), *region_choices()]
        self.fields["region"].error_messages["invalid_choice"] = (
            "Choose a region from the list")
        # Known values of a multi-value filter that also had unknown ones (still applied).
        self._salvaged: dict[str, list[str]] = {}

    def _clean_choice_list(self, name: str, noun: str, nouns: str) -> list[str]:
        values: list[str] = self.cleaned_data.get(name) or []
        known = {key for key, _ in self.fields[name].choices}
        unknown = [v for v in values if v not in known]
        if unknown:
            self._salvaged[name] = [v for v in values if v in known]
            quoted = ", ".join(f"‘{_shown(v)}’" for v in unknown[:3])
            raise forms.ValidationError(
                f"There is no {noun} {quoted}: choose {nouns} from the list")
        return values

    def clean_category(self) -> list[str]:
        return self._clean_choice_list("category", "category", "categories")

    def clean_kind(self) -> list[str]:
        return self._clean_choice_list("kind", "type of location", "types of location")

    def clean_route(self) -> list[str]:
        return self._clean_choice_list("route", "referral route", "referral routes")

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data.get("q", "").split())

    def clean_location(self) -> str:
        return " ".join(self.cleaned_data.get("location", "").split())

    def clean_sort(self) -> str:
        sort = self.cleaned_data.get("sort") or DEFAULT_SORT
        if sort not in SORT_KEYS:
            # Not a filter the user chose in the panel: say so, but keep their filters.
            self.add_error(None, "The results cannot be sorted that way, so they are sorted "
                                 "by name")
            return DEFAULT_SORT
        return sort

    def _value(self, name: str, default: Any) -> Any:
        if not hasattr(self, "cleaned_data"):
            return default
        if name in self.cleaned_data:
            return self.cleaned_data[name]
        return self._salvaged.get(name, default)

    def filters(self) -> DirectoryFilters:
        """The valid part of the input (call after ``is_valid()``): a bad value in one filter
        never stops the others from applying."""
        return DirectoryFilters(
            text=self._value("q", ""),
            categories=tuple(self._value("category", [])),
            kinds=tuple(self._value("kind", [])),
            location=self._value("location", ""),
            region=self._value("region", ""),
            setting=self._value("setting", ""),
            gender=self._value("gender", ""),
            routes=tuple(self._value("route", [])),
            co_located_only=bool(self._value("co_located", False)),
            include_inactive=bool(self._value("include_inactive", False)),
            sort=self._value("sort", DEFAULT_SORT) or DEFAULT_SORT,
        )

    def selected(self, filters: DirectoryFilters, *,
                 location_name: str = "") -> list[SelectedFilter]:
        """The applied filters in the users' words, one entry per value (each can be removed
        on its own)."""
        labels = {name: dict(self.fields[name].choices)
                  for name in ("category", "kind", "region", "setting", "gender", "route")}
        chosen: list[SelectedFilter] = []
        if filters.text:
            chosen.append(SelectedFilter("Search", f"‘{filters.text}’", "q", filters.text))
        chosen += [SelectedFilter("Category", labels["category"][v], "category", v)
                   for v in filters.categories]
        chosen += [SelectedFilter("Type of location", labels["kind"][v], "kind", v)
                   for v in filters.kinds]
        if filters.location:
            chosen.append(SelectedFilter("Location", location_name or filters.location,
                                         "location", filters.location))
        if filters.region:
            chosen.append(SelectedFilter("Region", labels["region"][filters.region], "region",
                                         filters.region))
        if filters.setting:
            chosen.append(SelectedFilter("Setting", labels["setting"][filters.setting],
                                         "setting", filters.setting))
        if filters.gender:
            chosen.append(SelectedFilter("Gender", labels["gender"][filters.gender], "gender",
                                         filters.gender))
        chosen += [SelectedFilter("Referral route", labels["route"][v], "route", v)
                   for v in filters.routes]
        if filters.co_located_only:
            chosen.append(SelectedFilter("Delivery", "Co-located only", "co_located", "true"))
        if filters.include_inactive:
            chosen.append(SelectedFilter("Status", "Including services no longer running",
                                         "include_inactive", "true"))
        return chosen


def query_params(filters: DirectoryFilters) -> list[tuple[str, str]]:
    """``filters`` as query-string pairs: the canonical URL of a directory search. Links built
    from it (removing one filter, adding another) leave out any unknown values the user's URL
    had, so following one clears the error instead of carrying it along."""
    pairs: list[tuple[str, str]] = []
    if filters.text:
        pairs.append(("q", filters.text))
    pairs += [("category", v) for v in filters.categories]
    pairs += [("kind", v) for v in filters.kinds]
    for name, value in (("location", filters.location), ("region", filters.region),
                        ("setting", filters.setting), ("gender", filters.gender)):
        if value:
            pairs.append((name, value))
    pairs += [("route", v) for v in filters.routes]
    if filters.co_located_only:
        pairs.append(("co_located", "true"))
    if filters.include_inactive:
        pairs.append(("include_inactive", "true"))
    if filters.sort != DEFAULT_SORT:
        pairs.append(("sort", filters.sort))
    return pairs

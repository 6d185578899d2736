"""The form behind the search page's GET parameters: it reads the query string into
``SearchParams``, keeps what is valid, explains what is not, and builds the links of the
selected-filter tags."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from partnerships.choices import OrganisationKind, PartnershipStatus, Setting
from partnerships.models import Organisation
from partnerships.selectors import region_choices
from services.selectors import category_choices

from .parser import SORT_CHOICES, SearchParams

MAX_QUERY_LENGTH = 200

SETTING_FILTER_CHOICES = [(Setting.CUSTODY.value, "Custody"),
                          (Setting.COMMUNITY.value, "Community")]


class _Checkboxes(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, noun: str, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("error_messages", {"invalid_choice": f"Choose {noun} from the list"})
        super().__init__(**kwargs)


@dataclass
class FilterTag:
    text: str
    href: str


@dataclass
class FilterGroup:
    """One selected filter (e.g. Region) with a tag per chosen value and links that drop it."""

    key: str
    label: str
    tags: list[FilterTag] = field(default_factory=list)
    remove_href: str = ""


class SearchForm(forms.Form):
    """The search box and filter panel of the home page, read from the query string.

    Always bound. A bad value (an unknown status, a region code that does not exist) becomes a
    message on the page and is left out of the search; everything else still applies, and a
    checkbox list keeps its other, valid ticks. An over-long query is cut to
    ``MAX_QUERY_LENGTH`` characters and searched, with a message saying so.
    """

    q = forms.CharField(
        label="Search partnerships, organisations and services", required=False,
        max_length=MAX_QUERY_LENGTH,
        help_text='For example a partnership, a charity, a prison or a kind of service. '
                  'Put "quotes" round a phrase.')
    status = _Checkboxes(label="Status", noun="a status", choices=PartnershipStatus.choices)
    setting = _Checkboxes(label="Setting", noun="a setting", choices=SETTING_FILTER_CHOICES,
                          help_text="Partnerships working in both settings match either.")
    region = _Checkboxes(label="Region served", noun="a region")
    category = _Checkboxes(label="Service category", noun="a service category")
    kind = _Checkboxes(label="Kind of member organisation", noun="a kind of organisation",
                       choices=OrganisationKind.choices)
    member = forms.CharField(
        label="Member organisation", required=False, max_length=200,
        help_text="A current member: all or part of its name.",
        error_messages={"max_length": "Member organisation must be 200 characters or fewer"})
    funder = forms.CharField(
        label="Funder", required=False, max_length=200,
        help_text="All or part of the name of an organisation that has funded the partnership.",
        error_messages={"max_length": "Funder must be 200 characters or fewer"})
    overdue = forms.BooleanField(
        label="Agreement review overdue", required=False,
        help_text="Only partnerships with an active agreement whose review date has passed.")
    sort = forms.ChoiceField(required=False, choices=[("", "Default"), *SORT_CHOICES],
                             widget=forms.HiddenInput,
                             error_messages={"invalid_choice": "Sort the results by choosing a "
                                                               "column heading"})

    # In the order the filter panel shows them.
    FILTER_FIELDS = ("status", "setting", "overdue", "member", "funder", "region", "category",
                     "kind")
    MULTI_FIELDS = ("status", "setting", "region", "category", "kind")

    data: QueryDict  # always bound, to the cleaned query string (``__init__``)

    def __init__(self, data: QueryDict | dict[str, Any] | None = None, *, user: Any = None,
                 **kwargs: Any) -> None:
        self.user = user
        if not isinstance(data, QueryDict):  # a plain dict from a test or the benchmark
            plain, data = data or {}, QueryDict(mutable=True)
            for key, value in plain.items():
                data.setlist(key, [str(v) for v in value] if isinstance(value, list | tuple)
                             else [str(value)])
        cleaned = QueryDict(mutable=True)
        self.query_was_shortened = False
        for key, values in data.lists():
            # Empty values come from blank inputs and hand-edited URLs: they mean "not set".
            kept = list(dict.fromkeys(v.strip() for v in values if v.strip()))
            if key in self.MULTI_FIELDS:
                cleaned.setlist(key, kept)
            elif kept:
                cleaned[key] = values[-1].strip()
        q = cleaned.get("q", "")
        if len(q) > MAX_QUERY_LENGTH:
            cleaned["q"] = q[:MAX_QUERY_LENGTH].rstrip()
            self.query_was_shortened = True
        super().__init__(cleaned, **kwargs)
        self._choice_field("region").choices = region_choices()
        self._choice_field("category").choices = category_choices()

    def _choice_field(self, name: str) -> forms.ChoiceField:
        """One of this form's choice fields (``self.fields`` is typed as plain fields)."""
        return cast(forms.ChoiceField, self.fields[name])

    def _choices(self, name: str) -> list[tuple[Any, Any]]:
        """A choice field's (value, label) pairs. Django normalises choices to this list when
        they are set; the stubs type the getter as anything the setter accepts."""
        return cast(list[tuple[Any, Any]], self._choice_field(name).choices)

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.MULTI_FIELDS:
            if name in self.errors:
                # Keep the valid ticks so the results match the boxes still shown ticked.
                valid = {str(k) for k, _ in self._choices(name)}
                self.cleaned_data[name] = [v for v in self.data.getlist(name) if v in valid]
        if self.query_was_shortened:
            self.errors.setdefault("q", self.error_class()).append(
                f"Search words must be {MAX_QUERY_LENGTH} characters or fewer. We searched for "
                f"the first {MAX_QUERY_LENGTH}.")

    def search_params(self) -> SearchParams:
        """The valid values as a ``SearchParams``; invalid ones are left out."""
        self.is_valid()
        data = self.cleaned_data
        return SearchParams(
            q=data.get("q") or "",
            regions=tuple(data.get("region") or ()),
            settings=tuple(data.get("setting") or ()),
            categories=tuple(data.get("category") or ()),
            kinds=tuple(data.get("kind") or ()),
            member=data.get("member") or "",
            funder=data.get("funder") or "",
            statuses=tuple(data.get("status") or ()),
            review_overdue=bool(data.get("overdue")),
            sort=data.get("sort") or "",
        )

    def error_list(self) -> list[dict[str, str]]:
        """Messages for the error summary, each linking to the control to fix (the results
        table for a bad sort, which has no control of its own)."""
        errors: list[dict[str, str]] = []
        for name, messages in self.errors.items():
            if name == "sort":
                href = "#results"
            elif name in self.MULTI_FIELDS:
                href = f"#{self[name].auto_id}_0"  # the group's first checkbox
            else:
                href = f"#{self[name].auto_id}"
            errors.extend({"href": href, "text": str(m)} for m in messages)
        return errors

    def selected_filters(self, path: str) -> list[FilterGroup]:
        """The filters in force, as MOJ filter tags whose links drop one value (or the whole
        filter), keeping the search words, the other filters and the sort."""
        self.is_valid()
        groups = []
        labels = {name: dict(self._choices(name)) for name in self.MULTI_FIELDS}
        for name in self.FILTER_FIELDS:
            value = self.cleaned_data.get(name)
            if not value:
                continue
            group = FilterGroup(key=name, label=str(self.fields[name].label),
                                remove_href=self.url(path, drop=name))
            if name in self.MULTI_FIELDS:
                for v in value:
                    group.tags.append(FilterTag(text=str(labels[name].get(v, v)),
                                                href=self.url(path, drop=name, value=v)))
            elif name == "overdue":
                group.label = "Agreements"
                group.tags.append(FilterTag(text="Review overdue", href=group.remove_href))
            else:
                # A slug from a link on an organisation page reads better as the name.
                name_of_slug = (Organisation.objects.visible_to(self.user).filter(slug=value)
                                .values_list("name", flat=True).first())
                group.tags.append(FilterTag(text=name_of_slug or f"“{value}”",
                                            href=group.remove_href))
            groups.append(group)
        return groups

    def url(self, path: str, *, drop: str | Sequence[str] = (), value: str | None = None
            ) -> str:
        """This search's URL without ``drop`` (or, with ``value``, without that one value of
        it), from the cleaned values so bad ones are not carried along; always page 1."""
        drop = (drop,) if isinstance(drop, str) else tuple(drop)
        pairs: list[tuple[str, str]] = []
        for name in ("q", *self.FILTER_FIELDS, "sort"):
            current = self.cleaned_data.get(name)
            if not current or (name in drop and value is None):
                continue
            values = current if isinstance(current, list) else [current]
            if name == "overdue":
                values = ["true"]
            pairs.extend((name, v) for v in values if not (name in drop and v == value))
        encoded = urllib.parse.urlencode(pairs)
        return f"{path}?{encoded}" if encoded else path

    def clear_filters_url(self, path: str) -> str:
        return self.url(path, drop=self.FILTER_FIELDS)

    def checkbox_groups(self) -> dict[str, SafeString]:
        """Each checkbox filter (``MULTI_FIELDS``) as the GOV.UK small checkboxes, by field
        name: the markup ``partnerships/_search_checkboxes.html`` drew, built in Python because
        the panel's forty-odd options rendered one template node at a time cost more than the
        search's queries (issue 17). Ids, ticks and error messages are the bound fields' own.

        Rendered here rather than with govuk_field, whose option ids come from
        ``BoundField.id_for_label``: Django returns "" for a CheckboxSelectMultiple there, which
        would give every group empty and repeated ids."""
        return {name: self._checkbox_group(name) for name in self.MULTI_FIELDS}

    def _checkbox_group(self, name: str) -> SafeString:
        bound = self[name]
        field = self.fields[name]
        auto_id = bound.auto_id
        hint_id, error_id = f"{auto_id}-hint", f"{auto_id}-error"
        errors = bound.errors
        ticked = {str(v) for v in (bound.value() or [])}
        described = " ".join(i for i, on in ((hint_id, field.help_text), (error_id, errors)) if on)
        parts = [f'<div class="govuk-form-group{" govuk-form-group--error" if errors else ""}">\n'
                 '  <fieldset class="govuk-fieldset"'
                 + (f' aria-describedby="{described}"' if described else "") + ">\n"
                 '    <legend class="govuk-fieldset__legend govuk-fieldset__legend--m">'
                 f"{escape(field.label)}</legend>\n"]
        if field.help_text:
            parts.append(f'    <div id="{hint_id}" class="govuk-hint">'
                         f"{escape(field.help_text)}</div>\n")
        if errors:
            messages = escape(" ".join(str(e) for e in errors))
            parts.append(f'    <p id="{error_id}" class="govuk-error-message"><span class="govuk-'
                         f'visually-hidden">Error:</span> {messages}</p>\n')
        parts.append('    <div class="govuk-checkboxes govuk-checkboxes--small" '
                     'data-module="govuk-checkboxes">\n')
        for i, (value, label) in enumerate(self._choices(name)):
            option_id = f"{auto_id}_{i}"
            checked = " checked" if str(value) in ticked else ""
            parts.append(
                '      <div class="govuk-checkboxes__item">\n'
                f'        <input class="govuk-checkboxes__input" id="{option_id}" name="{name}" '
                f'type="checkbox" value="{escape(value)}"{checked}>\n'
                f'        <label class="govuk-label govuk-checkboxes__label" for="{option_id}">'
                f"{escape(label)}</label>\n      </div>\n")
        parts.append("    </div>\n  </fieldset>\n</div>\n")
        # Safe: labels, hints, values and messages went through escape() above.
        return mark_safe("".join(parts))  # noqa: S308

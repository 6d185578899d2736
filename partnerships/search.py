"""Registry search: the form that reads the home page's GET parameters, and the selector that
turns them into a filtered, ranked, sorted queryset of partnerships.

The page, its CSV export and the benchmark all call ``search_partnerships`` so they can never
disagree about which partnerships a search finds or in which order.

Text search: a partnership matches when its own name or summary, the name of an organisation
that is or was a member, or the name or description of an active service delivered under it
matches. On PostgreSQL this is full-text search (``websearch_to_tsquery``, English stemming, GIN
indexes) ranked by ``ts_rank`` on the partnership's name plus fixed amounts for a match in its
own words, a member's name and a service, in that order; all the words must be in one of those
documents. SQLite has no full-text search Django can use, so there each word or "quoted phrase"
must appear, case-insensitively, in one of the same fields (not necessarily the same one), and
the rank scores a word in the name above one in the summary, a member's name, a service.
Both read ``-word`` as "without" and ``a or b`` as either.

Filters are ``Exists``/``IN`` subqueries rather than joins, so a partnership is never repeated
and no ``DISTINCT`` is needed; counts are correlated subqueries, so a page of results costs the
same number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
import itertools
import re
import urllib.parse
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from services.models import Service
from services.selectors import category_choices

from .choices import MemberRole, OrganisationKind, PartnershipStatus, Setting
from .models import Agreement, Funding, Membership, Organisation, Partnership, Region
from .querysets import in_force_on
from .selectors import region_choices

MAX_QUERY_LENGTH = 200
# More words than this add little to a registry search but grow the SQLite query.
MAX_TERMS = 10
EXPORT_CHUNK_SIZE = 500

# PostgreSQL text-search configuration: English stemming, so "housing" finds "house".
SEARCH_CONFIG = "english"
# PostgreSQL rank: ts_rank of the name (about 0.6 for a match) plus these, so a name match
# comes first, then a summary match, then a member's name, then a service's words.
OWN_MATCH_BONUS = 0.3
MEMBER_MATCH_BONUS = 0.1
SERVICE_MATCH_BONUS = 0.05

SETTING_FILTER_CHOICES = [(Setting.CUSTODY.value, "Custody"),
                          (Setting.COMMUNITY.value, "Community")]

# Sortable columns: key in the URL ("-key" sorts descending) and how the page names the order.
SORT_COLUMNS = {
    "name": "partnership name",
    "lead": "lead partner",
    "started": "date started",
    "members": "number of current members",
    "status": "status",
}
SORT_CHOICES = [("relevance", "Best match")] + [
    (f"{prefix}{key}", f"{label} ({'descending' if prefix else 'ascending'})")
    for key, label in SORT_COLUMNS.items() for prefix in ("", "-")
]
_STATUS_ORDER = {PartnershipStatus.FORMING: 0, PartnershipStatus.ACTIVE: 1,
                 PartnershipStatus.ENDED: 2}


# --------------------------------------------------------------------------------------------
# What a search asks for
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchParams:
    """The valid parts of a search. Built by ``SearchForm.search_params`` from the URL, or
    directly by the benchmark and tests; bad values never reach here."""

    q: str = ""
    regions: tuple[str, ...] = ()  # Region.code
    settings: tuple[str, ...] = ()  # custody / community
    categories: tuple[str, ...] = ()  # ServiceCategory.slug, descendants included
    kinds: tuple[str, ...] = ()  # OrganisationKind of a current member
    member: str = ""  # slug, or part of the name, of a current member
    funder: str = ""  # slug, or part of the name, of a funder
    statuses: tuple[str, ...] = ()
    review_overdue: bool = False
    sort: str = ""  # a SORT_CHOICES key; empty means best match with words, else name

    @property
    def effective_sort(self) -> str:
        """The order results come in: "relevance" only makes sense with search words."""
        if self.sort and not (self.sort == "relevance" and not self.q):
            return self.sort
        return "relevance" if self.q else "name"


def uses_full_text_search(using: str = "default") -> bool:
    """PostgreSQL gets full-text search with ranking; other databases the word-match fallback."""
    return connections[using].vendor == "postgresql"


@dataclass(frozen=True)
class ParsedQuery:
    """A query in the websearch syntax PostgreSQL understands, for the fallback: every group
    must match (any one of its words will do: ``a or b``); excluded words (``-a``) must not."""

    groups: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()


def parse_query(q: str) -> ParsedQuery:
    """Split ``q`` into lower-cased words and "quoted phrases", ``or`` alternatives and
    ``-excluded`` words, as ``websearch_to_tsquery`` reads them; at most ``MAX_TERMS`` terms."""
    groups: list[list[str]] = []
    excluded: list[str] = []
    join_next = False
    for minus, phrase, word in re.findall(r'(-?)"([^"]*)"|(\S+)', q):
        if word:
            minus, word = ("-", word[1:]) if word.startswith("-") else ("", word)
            if word.lower() == "or" and not minus:
                join_next = bool(groups)
                continue
        term = (phrase or word).strip().strip(".,;:!?()[]{}'\"").lower()
        if not term or sum(map(len, groups)) + len(excluded) >= MAX_TERMS:
            continue
        if minus:
            excluded.append(term)
        elif join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next = False
    return ParsedQuery(tuple(dict.fromkeys(tuple(dict.fromkeys(g)) for g in groups)),
                       tuple(dict.fromkeys(excluded)))


# --------------------------------------------------------------------------------------------
# Text search
# --------------------------------------------------------------------------------------------


def partnership_search_vector() -> SearchVector:
    """The partnership's own words, name above summary. The 0003 migration indexes exactly this
    expression (GIN), so keep the two in step."""
    return (SearchVector("name", weight="A", config=SEARCH_CONFIG)
            + SearchVector("summary", weight="B", config=SEARCH_CONFIG))


def organisation_search_vector(prefix: str = "") -> SearchVector:
    """An organisation's name; the 0003 migration indexes it (GIN) on the organisation
    table."""
    return SearchVector(f"{prefix}name", config=SEARCH_CONFIG)


def service_search_vector() -> SearchVector:
    """A service's name and description. Its GIN index belongs in a services migration."""
    return (SearchVector("name", weight="A", config=SEARCH_CONFIG)
            + SearchVector("description", weight="B", config=SEARCH_CONFIG))


def _postgres_text_search(qs: QuerySet, user: Any, q: str) -> QuerySet:
    query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
    own = (Partnership.objects.visible_to(user).annotate(document=partnership_search_vector())
           .filter(document=query).values("pk"))
    members = (Membership.objects.visible_to(user)
               .annotate(document=organisation_search_vector("organisation__"))
               .filter(document=query).values("partnership_id"))
    services = (Service.objects.visible_to(user).active().filter(partnership__isnull=False)
                .annotate(document=service_search_vector())
                .filter(document=query).values("partnership_id"))

    def bonus(ids: QuerySet, value: float) -> Case:
        return Case(When(pk__in=ids, then=Value(value)), default=Value(0.0),
                    output_field=FloatField())

    # Uncorrelated IN subqueries: PostgreSQL runs each once (a hashed subplan) on its GIN
    # index. The rank reads only the (short) name per row; the summary, member and service
    # matches come from those subplans, so no summary is parsed at query time.
    return qs.filter(Q(pk__in=own) | Q(pk__in=members) | Q(pk__in=services)).annotate(
        rank=SearchRank(SearchVector("name", weight="A", config=SEARCH_CONFIG), query)
        + bonus(own, OWN_MATCH_BONUS) + bonus(members, MEMBER_MATCH_BONUS)
        + bonus(services, SERVICE_MATCH_BONUS),
    )


def _fallback_text_search(qs: QuerySet, user: Any, q: str) -> QuerySet:
    def matches(term: str) -> tuple[Q, Any, Any]:
        members = (Membership.objects.visible_to(user)
                   .filter(organisation__name__icontains=term).values("partnership_id"))
        services = (Service.objects.visible_to(user).active().filter(partnership__isnull=False)
                    .filter(Q(name__icontains=term) | Q(description__icontains=term))
                    .values("partnership_id"))
        found = (Q(name__icontains=term) | Q(summary__icontains=term)
                 | Q(pk__in=members) | Q(pk__in=services))
        return found, members, services

    parsed = parse_query(q)
    score: Any = Value(0, output_field=IntegerField())
    for group in parsed.groups:
        in_group = Q()
        for term in group:
            found, members, services = matches(term)
            in_group |= found
            score = score + Case(
                When(name__icontains=term, then=Value(8)),
                When(summary__icontains=term, then=Value(4)),
                When(pk__in=members, then=Value(2)),
                When(pk__in=services, then=Value(1)),
                default=Value(0), output_field=IntegerField(),
            )
        qs = qs.filter(in_group)
    for term in parsed.excluded:
        qs = qs.exclude(matches(term)[0])
    return qs.annotate(rank=score)


# --------------------------------------------------------------------------------------------
# Filters, annotations, order
# --------------------------------------------------------------------------------------------


def _current_memberships(user: Any, today: datetime.date) -> QuerySet[Membership]:
    return Membership.objects.visible_to(user).filter(in_force_on(today, "joined_on", "left_on"))


def _organisation_matches(value: str, prefix: str) -> Q:
    """An organisation named by its slug (links from organisation pages) or by part of its
    name (typed into the filter)."""
    return Q(**{f"{prefix}slug": value}) | Q(**{f"{prefix}name__icontains": value})


def _apply_filters(qs: QuerySet, user: Any, params: SearchParams,
                   today: datetime.date) -> QuerySet:
    outer = OuterRef("pk")
    if params.statuses:
        qs = qs.filter(status__in=params.statuses)
    if params.settings:
        # "Custody and community" partnerships work in either setting.
        qs = qs.filter(setting__in=[*params.settings, Setting.BOTH])
    if params.regions:
        served = Partnership.regions.through.objects.filter(
            partnership_id=outer, region__code__in=params.regions)
        qs = qs.filter(Exists(served))
    if params.categories:
        # A parent category also finds services filed under its children and grandchildren.
        slugs = params.categories
        in_category = (Q(categories__slug__in=slugs) | Q(categories__parent__slug__in=slugs)
                       | Q(categories__parent__parent__slug__in=slugs))
        delivered = Service.objects.visible_to(user).active().filter(
            in_category, partnership_id=outer)
        qs = qs.filter(Exists(delivered))
    if params.kinds:
        qs = qs.filter(Exists(_current_memberships(user, today).filter(
            partnership_id=outer, organisation__kind__in=params.kinds)))
    if params.member:
        qs = qs.filter(Exists(_current_memberships(user, today).filter(
            _organisation_matches(params.member, "organisation__"), partnership_id=outer)))
    if params.funder:
        qs = qs.filter(Exists(Funding.objects.visible_to(user).filter(
            _organisation_matches(params.funder, "funder__"), partnership_id=outer)))
    if params.review_overdue:
        qs = qs.filter(Exists(Agreement.objects.visible_to(user).review_overdue(today)
                              .filter(partnership_id=outer)))
    return qs


def _count_of(qs: QuerySet, expression: Any = None) -> Coalesce:
    """A correlated count over ``qs`` (already filtered on partnership_id=OuterRef("pk"))."""
    counted = (qs.order_by().values("partnership_id")
               .annotate(n=expression if expression is not None else Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _summary_annotations(qs: QuerySet, user: Any, today: datetime.date) -> QuerySet:
    outer = OuterRef("pk")
    current = _current_memberships(user, today).filter(partnership_id=outer)
    lead = (current.filter(role=MemberRole.LEAD_PARTNER)
            .order_by("-joined_on", "pk"))
    return qs.annotate(
        current_member_count=_count_of(current, Count("organisation_id", distinct=True)),
        lead_partner_name=Subquery(lead.values("organisation__name")[:1]),
        lead_partner_slug=Subquery(lead.values("organisation__slug")[:1]),
        review_overdue=Exists(Agreement.objects.visible_to(user).review_overdue(today)
                              .filter(partnership_id=outer)),
    )


def _ordering(sort: str) -> list[Any]:
    tie_break = [Lower("name").asc(), F("pk").asc()]
    if sort == "relevance":
        return [F("rank").desc(), *tie_break]
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    expression = {
        "name": Lower("name"),
        "lead": Lower("lead_partner_name"),
        "started": F("started_on"),
        "members": F("current_member_count"),
        "status": Case(*[When(status=s, then=Value(n)) for s, n in _STATUS_ORDER.items()],
                       default=Value(9), output_field=IntegerField()),
    }[key]
    # Partnerships with no lead partner or start date go last whichever way the column sorts.
    first = (expression.desc(nulls_last=True) if descending
             else expression.asc(nulls_last=True))
    return [first, *tie_break]


def search_partnerships(user: Any, params: SearchParams,
                        today: datetime.date | None = None) -> QuerySet[Partnership]:
    """The partnerships ``user`` may see that match ``params``, each annotated with
    ``current_member_count``, ``lead_partner_name``/``_slug``, ``review_overdue`` and (with
    search words) ``rank``, in the order ``params.effective_sort`` asks for, with regions
    prefetched in their display order."""
    today = today or timezone.localdate()
    qs = Partnership.objects.visible_to(user)
    if params.q:
        if uses_full_text_search(qs.db):
            qs = _postgres_text_search(qs, user, params.q)
        else:
            qs = _fallback_text_search(qs, user, params.q)
    qs = _apply_filters(qs, user, params, today)
    qs = _summary_annotations(qs, user, today)
    regions = Prefetch("regions", queryset=Region.objects.order_by("position", "name"))
    return qs.prefetch_related(regions).order_by(*_ordering(params.effective_sort))


# --------------------------------------------------------------------------------------------
# CSV export
# --------------------------------------------------------------------------------------------

EXPORT_HEADER = [
    "Name", "URL path", "Status", "Setting", "Regions", "Started on", "Ended on",
    "Lead partner", "Current members", "Services", "Active agreements",
    "Agreements overdue for review", "Total funding (£)",
]


EXPORT_VALUES = ("pk", "name", "slug", "status", "setting", "started_on", "ended_on",
                 "lead_partner_name", "services_count", "active_agreements",
                 "overdue_agreements", "total_funding")


def search_export_queryset(user: Any, params: SearchParams,
                           today: datetime.date | None = None) -> QuerySet:
    """``search_partnerships`` as plain values with what the CSV adds: counts of active
    services and agreements, and total funding. Values, not model instances: building 1,000
    partnerships and their members as objects costs more than the query."""
    today = today or timezone.localdate()
    outer = OuterRef("pk")
    agreements = Agreement.objects.visible_to(user).in_force().filter(partnership_id=outer)
    funding = (Funding.objects.visible_to(user).filter(partnership_id=outer).order_by()
               .values("partnership_id").annotate(total=Sum("amount")).values("total"))
    money = DecimalField(max_digits=14, decimal_places=2)
    return search_partnerships(user, params, today).prefetch_related(None).annotate(
        services_count=_count_of(Service.objects.visible_to(user).active()
                                 .filter(partnership_id=outer)),
        active_agreements=_count_of(agreements),
        overdue_agreements=_count_of(agreements.review_overdue(today)),
        total_funding=Coalesce(Subquery(funding, output_field=money), Value(Decimal("0.00")),
                               output_field=money),
    ).values(*EXPORT_VALUES)


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch


def search_export_rows(user: Any, params: SearchParams,
                       today: datetime.date | None = None) -> Iterator[list[Any]]:
    """One CSV row per partnership the search finds, in its order. Rows are read
    ``EXPORT_CHUNK_SIZE`` at a time, each chunk with one query for its regions and one for its
    current members, so memory and the number of queries stay flat however many rows."""
    today = today or timezone.localdate()
    status_labels = dict(PartnershipStatus.choices)
    setting_labels = dict(Setting.choices)
    detail_path = reverse("partnerships:detail", args=["slug-placeholder"])
    rows = search_export_queryset(user, params, today).iterator(chunk_size=EXPORT_CHUNK_SIZE)
    for batch in _batches(rows, EXPORT_CHUNK_SIZE):
        ids = [row["pk"] for row in batch]
        regions: dict[int, list[str]] = defaultdict(list)
        for partnership_id, name in (
                Partnership.regions.through.objects.filter(partnership_id__in=ids)
                .order_by("region__position", "region__name")
                .values_list("partnership_id", "region__name")):
            regions[partnership_id].append(name)
        members: dict[int, dict[str, None]] = defaultdict(dict)  # ordered, each name once
        for partnership_id, name in (
                _current_memberships(user, today).filter(partnership_id__in=ids)
                .order_by(Lower("organisation__name"), "organisation__name")
                .values_list("partnership_id", "organisation__name")):
            members[partnership_id][name] = None
        for row in batch:
            yield [
                row["name"],
                detail_path.replace("slug-placeholder", row["slug"]),
                status_labels.get(row["status"], row["status"]),
                setting_labels.get(row["setting"], row["setting"]),
                "; ".join(regions[row["pk"]]),
                row["started_on"],
                row["ended_on"],
                row["lead_partner_name"] or "",
                "; ".join(members[row["pk"]]),
                row["services_count"],
                row["active_agreements"],
                row["overdue_agreements"],
                f"{row['total_funding']:.2f}",
            ]


# --------------------------------------------------------------------------------------------
# The form behind the page's GET parameters
# --------------------------------------------------------------------------------------------


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
        if len(cleaned.get("q", "")) > MAX_QUERY_LENGTH:
            cleaned["q"] = cleaned["q"][:MAX_QUERY_LENGTH].rstrip()
            self.query_was_shortened = True
        super().__init__(cleaned, **kwargs)
        self.fields["region"].choices = region_choices()
        self.fields["category"].choices = category_choices()

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.MULTI_FIELDS:
            if name in self._errors:
                # Keep the valid ticks so the results match the boxes still shown ticked.
                valid = {str(k) for k, _ in self.fields[name].choices}
                self.cleaned_data[name] = [v for v in self.data.getlist(name) if v in valid]
        if self.query_was_shortened:
            self._errors.setdefault("q", self.error_class()).append(
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
        errors = []
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
        labels = {name: dict(self.fields[name].choices) for name in self.MULTI_FIELDS}
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
        pairs = []
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

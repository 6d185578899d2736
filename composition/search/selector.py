"""The selector behind the search page, its CSV export and the benchmark:
``search_partnerships`` turns ``SearchParams`` into a filtered, ranked, sorted queryset, so
they can never disagree about which partnerships a search finds or in which order.

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
and no ``DISTINCT`` is needed. The member, funder, setting and overdue-review filters are the
expressions of ``partnerships.filters``, the ones the API's ``PartnershipFilter`` applies, so the
page and the API find the same partnerships. Counts are correlated subqueries, so a page of
results costs the same number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression, Expression
from django.db.models.functions import Coalesce, Lower

from core import clock
from partnerships.choices import MemberRole, PartnershipStatus
from partnerships.filters import has_current_member, has_funder, has_review_overdue, works_in
from partnerships.models import Membership, Partnership, Region
from partnerships.querysets import in_force_on
from services.models import Service

from .parser import SearchParams, parse_query

# PostgreSQL text-search configuration: English stemming, so "housing" finds "house".
SEARCH_CONFIG = "english"
# PostgreSQL rank: ts_rank of the name (about 0.6 for a match) plus these, so a name match
# comes first, then a summary match, then a member's name, then a service's words.
OWN_MATCH_BONUS = 0.3
MEMBER_MATCH_BONUS = 0.1
SERVICE_MATCH_BONUS = 0.05

_STATUS_ORDER = {PartnershipStatus.FORMING: 0, PartnershipStatus.ACTIVE: 1,
                 PartnershipStatus.ENDED: 2}


def uses_full_text_search(using: str = "default") -> bool:
    """PostgreSQL gets full-text search with ranking; other databases the word-match fallback."""
    return connections[using].vendor == "postgresql"


def partnership_search_vector() -> CombinedExpression:
    """The partnership's own words, name above summary. The 0003 migration indexes exactly this
    expression (GIN), so keep the two in step."""
    return (SearchVector("name", weight="A", config=SEARCH_CONFIG)
            + SearchVector("summary", weight="B", config=SEARCH_CONFIG))


def organisation_search_vector(prefix: str = "") -> SearchVector:
    """An organisation's name; the 0003 migration indexes it (GIN) on the organisation
    table."""
    return SearchVector(f"{prefix}name", config=SEARCH_CONFIG)


def service_search_vector() -> CombinedExpression:
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


def current_memberships(user: Any, today: datetime.date) -> QuerySet[Membership]:
    """The memberships in force on ``today`` that ``user`` may see: the "current members"
    of every filter, count and export column."""
    return Membership.objects.visible_to(user).filter(in_force_on(today, "joined_on", "left_on"))


def _apply_filters(qs: QuerySet, user: Any, params: SearchParams,
                   today: datetime.date) -> QuerySet:
    outer = OuterRef("pk")
    if params.statuses:
        qs = qs.filter(status__in=params.statuses)
    if params.settings:
        # "Custody and community" partnerships work in either setting.
        qs = qs.filter(works_in(params.settings))
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
        qs = qs.filter(Exists(current_memberships(user, today).filter(
            partnership_id=outer, organisation__kind__in=params.kinds)))
    # Member, funder and overdue review: the same expressions as the API's PartnershipFilter.
    if params.member:
        qs = qs.filter(has_current_member(user, params.member, today))
    if params.funder:
        qs = qs.filter(has_funder(user, params.funder))
    if params.review_overdue:
        qs = qs.filter(has_review_overdue(user, today))
    return qs


def count_of(qs: QuerySet, expression: Any = None) -> Coalesce:
    """A correlated count over ``qs`` (already filtered on partnership_id=OuterRef("pk"))."""
    counted = (qs.order_by().values("partnership_id")
               .annotate(n=expression if expression is not None else Count("pk")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _summary_annotations(qs: QuerySet, user: Any, today: datetime.date,
                         only: tuple[str, ...] | None = None) -> QuerySet:
    """Current members, lead partner and overdue review; ``only`` names the ones wanted."""
    outer = OuterRef("pk")
    current = current_memberships(user, today).filter(partnership_id=outer)
    lead = (current.filter(role=MemberRole.LEAD_PARTNER)
            .order_by("-joined_on", "pk"))
    builders = {
        "current_member_count": lambda: count_of(current, Count("organisation_id",
                                                                distinct=True)),
        "lead_partner_name": lambda: Subquery(lead.values("organisation__name")[:1]),
        "lead_partner_slug": lambda: Subquery(lead.values("organisation__slug")[:1]),
        "review_overdue": lambda: has_review_overdue(user, today),
    }
    wanted = builders if only is None else only
    return qs.annotate(**{name: builders[name]() for name in wanted}) if wanted else qs


# The annotation each column sort needs (the others sort on the partnership's own columns).
_SORT_ANNOTATIONS = {"lead": ("lead_partner_name",), "members": ("current_member_count",)}


def _ordering(sort: str) -> list[Any]:
    tie_break = [Lower("name").asc(), F("pk").asc()]
    if sort == "relevance":
        return [F("rank").desc(), *tie_break]
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    columns: dict[str, Expression | F] = {
        "name": Lower("name"),
        "lead": Lower("lead_partner_name"),
        "started": F("started_on"),
        "members": F("current_member_count"),
        "status": Case(*[When(status=s, then=Value(n)) for s, n in _STATUS_ORDER.items()],
                       default=Value(9), output_field=IntegerField()),
    }
    expression = columns[key]
    # Partnerships with no lead partner or start date go last whichever way the column sorts.
    first = (expression.desc(nulls_last=True) if descending
             else expression.asc(nulls_last=True))
    return [first, *tie_break]


def search_partnerships(user: Any, params: SearchParams, today: datetime.date | None = None,
                        *, summary: bool = True) -> QuerySet[Partnership]:
    """The partnerships ``user`` may see that match ``params``, each annotated with
    ``current_member_count``, ``lead_partner_name``/``_slug``, ``review_overdue`` and (with
    search words) ``rank``, in the order ``params.effective_sort`` asks for, with the names
    of the regions served in their display order: ``region_names`` on PostgreSQL (an array
    subquery), the ``regions`` prefetched elsewhere (``region_names_of`` reads either).

    ``summary=False`` leaves out what only a result's row shows (``with_summary`` adds it to
    a page of them), keeping what the order needs: for counting, and for finding a page's ids
    before reading its rows."""
    today = today or clock.today()
    qs: QuerySet[Partnership] = Partnership.objects.visible_to(user)
    if params.q:
        if uses_full_text_search(qs.db):
            qs = _postgres_text_search(qs, user, params.q)
        else:
            qs = _fallback_text_search(qs, user, params.q)
    qs = _apply_filters(qs, user, params, today)
    if summary:
        qs = with_region_names(_summary_annotations(qs, user, today))
    else:
        sort_key = params.effective_sort.removeprefix("-")
        qs = _summary_annotations(qs, user, today, only=_SORT_ANNOTATIONS.get(sort_key, ()))
    return qs.order_by(*_ordering(params.effective_sort))


def with_summary(qs: QuerySet[Partnership], user: Any,
                 today: datetime.date | None = None) -> QuerySet[Partnership]:
    """``qs`` with what a search result shows besides its own columns: the annotations of
    ``search_partnerships`` (current members, lead partner, overdue review) and the regions'
    names, for a page of partnerships already found."""
    return with_region_names(_summary_annotations(qs, user, today or clock.today()))


def with_region_names(qs: QuerySet[Partnership]) -> QuerySet[Partnership]:
    """The names of the regions each partnership serves, in display order: in the same query
    on PostgreSQL (an array subquery, ``region_names``), prefetched elsewhere
    (``region_names_of`` reads either)."""
    if uses_full_text_search(qs.db):
        served = (Region.objects.filter(partnerships=OuterRef("pk")).order_by("position", "name")
                  .values("name"))
        return qs.annotate(region_names=ArraySubquery(served))
    return qs.prefetch_related(
        Prefetch("regions", queryset=Region.objects.order_by("position", "name")))


def region_names_of(partnership: Partnership) -> list[str]:
    """The names of the regions a partnership from ``search_partnerships`` serves, in display
    order, whichever way the selector fetched them."""
    names = getattr(partnership, "region_names", None)
    if names is not None:
        return list(names)
    return [region.name for region in partnership.regions.all()]

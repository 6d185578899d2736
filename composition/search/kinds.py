"""The search's other two kinds of result, organisations and services, and the annotations that
say why a partnership matched (the member or service whose name has the words).

Each kind is one query for its page and one for its count, whatever the number of rows: the
"why" is a correlated subquery in the select list (PostgreSQL evaluates it for the page's rows
only), and the phrase excerpt is cut in Python from text the row already has
(``composition.search.highlight``).

On PostgreSQL the words are a ``websearch`` full-text query on the same expressions the GIN
indexes are built on; elsewhere the word-match fallback of ``parse_query`` (every group must
match, any of its words will do, ``-words`` must not).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import (
    Case,
    CharField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Lower

from partnerships.models import Membership, Organisation, Partnership
from services.models import Service

from .parser import parse_query
from .selector import (
    SEARCH_CONFIG,
    organisation_search_vector,
    service_search_vector,
    uses_full_text_search,
    with_summary,
)

# The kinds of result, in the order the page lists them: (key in ``?show=``, plural label).
RESULT_KINDS = (("partnerships", "Partnerships"), ("organisations", "Organisations"),
                ("services", "Services"))


def _query(q: str) -> SearchQuery:
    return SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)


def _word_match(qs: QuerySet, q: str, matches: Callable[[str], Q]) -> QuerySet:
    """The fallback: every group of ``q`` must match (``matches(term)``), no excluded word may."""
    parsed = parse_query(q)
    if not parsed.groups:
        return qs.none()
    for group in parsed.groups:
        found = Q()
        for term in group:
            found |= matches(term)
        qs = qs.filter(found)
    for term in parsed.excluded:
        qs = qs.exclude(matches(term))
    return qs


def _any_term(q: str, field: str) -> Q:
    """``field`` contains any of the words of ``q`` (the fallback's "why it matched")."""
    found = Q(pk__in=[])
    for group in parse_query(q).groups:
        for term in group:
            found |= Q(**{f"{field}__icontains": term})
    return found


def _first_name(qs: QuerySet, field: str) -> Subquery:
    return Subquery(qs.order_by(Lower(field), "pk").values(field)[:1])


def _name_first(name_matches: Q) -> Case:
    """0 for a row whose own name has the words, else 1: names first, then the rest."""
    return Case(When(name_matches, then=Value(0)), default=Value(1),
                output_field=IntegerField())


def _active_services(user: Any) -> QuerySet[Service]:
    return Service.objects.visible_to(user).active()


def with_match_reasons(qs: QuerySet[Partnership], user: Any, q: str) -> QuerySet[Partnership]:
    """Annotate each partnership with ``matched_member_name`` and ``matched_service_name``:
    the first member organisation (past or present, as the search finds them) and active
    service whose words match ``q``, or ``None``.

    On PostgreSQL both are ``None`` for a partnership whose own name has the words: the page
    then says nothing more (``match_reason``), so the subqueries are not run for those rows
    (``CASE`` evaluates its default only when needed). The matching organisations are found on
    their GIN index, not by parsing the name of every member of every row."""
    if not q:
        return qs
    outer = OuterRef("pk")
    members = Membership.objects.visible_to(user).filter(partnership_id=outer)
    services = _active_services(user).filter(partnership_id=outer)
    if uses_full_text_search(qs.db):
        query = _query(q)
        matching_organisations = (Organisation.objects.annotate(
            document=organisation_search_vector()).filter(document=query).values("pk"))
        members = members.filter(organisation_id__in=matching_organisations)
        # A partnership's few services are parsed in place (cheaper than a join back to the
        # index's matches).
        services = services.annotate(document=service_search_vector()).filter(document=query)
        qs = qs.alias(name_document=SearchVector("name", weight="A", config=SEARCH_CONFIG))

        def unless_named(subquery: Subquery) -> Case:
            return Case(When(name_document=query, then=Value(None)), default=subquery,
                        output_field=CharField())

        return qs.annotate(
            matched_member_name=unless_named(_first_name(members, "organisation__name")),
            matched_service_name=unless_named(_first_name(services, "name")))
    members = members.filter(_any_term(q, "organisation__name"))
    services = services.filter(_any_term(q, "name") | _any_term(q, "description"))
    return qs.annotate(matched_member_name=_first_name(members, "organisation__name"),
                       matched_service_name=_first_name(services, "name"))


def partnerships_shown(user: Any, pks: list[int], q: str,
                       today: datetime.date | None = None) -> list[Partnership]:
    """The partnerships ``pks`` (a page of a search, already found and sorted) with everything
    their rows show — ``with_summary`` and, for words, ``with_match_reasons`` — in the order of
    ``pks``. The page's rows are read by id, so the search's own filters and its per-row
    subqueries run for these rows only, not for every row before them (issue 17)."""
    if not pks:
        return []
    rows = with_match_reasons(
        with_summary(Partnership.objects.visible_to(user).filter(pk__in=pks), user, today),
        user, q)
    by_pk = {p.pk: p for p in rows}
    return [by_pk[pk] for pk in pks if pk in by_pk]


def _organisations(user: Any, q: str) -> tuple[QuerySet[Organisation], QuerySet[Service], Case]:
    """The organisations the words find (non-empty ``q``), the active services that match
    them, and the "named by the words first" rank."""
    visible = Organisation.objects.visible_to(user)
    provided = _active_services(user)
    qs: QuerySet[Organisation]
    matching_services: QuerySet[Service]
    if uses_full_text_search(visible.db):
        query = _query(q)
        by_name = (Organisation.objects.annotate(document=organisation_search_vector())
                   .filter(document=query).values("pk"))
        by_description = (Organisation.objects.exclude(description="")
                          .annotate(document=SearchVector("description", config=SEARCH_CONFIG))
                          .filter(document=query).values("pk"))
        matching_services = provided.annotate(document=service_search_vector()).filter(
            document=query)
        qs = visible.filter(Q(pk__in=by_name) | Q(pk__in=by_description)
                            | Q(pk__in=matching_services.values("provider_id")))
        return qs, matching_services, _name_first(Q(pk__in=by_name))

    def matches(term: str) -> Q:
        services = provided.filter(Q(name__icontains=term) | Q(description__icontains=term))
        return (Q(name__icontains=term) | Q(description__icontains=term)
                | Q(pk__in=services.values("provider_id")))

    qs = _word_match(visible, q, matches)
    matching_services = provided.filter(_any_term(q, "name") | _any_term(q, "description"))
    return qs, matching_services, _name_first(_any_term(q, "name"))


def organisations_found(user: Any, q: str) -> QuerySet[Organisation]:
    """The organisations ``search_organisations`` lists, unordered and without its
    annotations: what the "Show" row counts when organisations are not the kind on show."""
    if not q:
        return Organisation.objects.none()
    return _organisations(user, q)[0]


def search_organisations(user: Any, q: str) -> QuerySet[Organisation]:
    """The organisations ``user`` may see whose name or description has the words of ``q``,
    or that provide an active service that has them; those named by the words first, then by
    name. Each is annotated with ``matched_service_name`` (the first such service, or
    ``None``). Without words, none: the search lists organisations only for words."""
    if not q:
        return Organisation.objects.none()
    qs, matching_services, name_rank = _organisations(user, q)
    return qs.annotate(
        name_rank=name_rank,
        matched_service_name=_first_name(matching_services.filter(provider_id=OuterRef("pk")),
                                         "name"),
    ).order_by("name_rank", Lower("name"), "pk")


def services_found(user: Any, q: str) -> QuerySet[Service]:
    """The services ``search_services`` lists, unordered and without its annotations: what
    the "Show" row counts when services are not the kind on show."""
    visible = _active_services(user)
    if not q:
        return visible.none()
    if uses_full_text_search(visible.db):
        return visible.annotate(document=service_search_vector()).filter(document=_query(q))
    return _word_match(visible, q,
                       lambda term: Q(name__icontains=term) | Q(description__icontains=term))


def search_services(user: Any, q: str) -> QuerySet[Service]:
    """The active services ``user`` may see whose name or description has the words of ``q``,
    those named by the words first, then by name; with their provider and partnership. Without
    words, none."""
    visible = _active_services(user).select_related("provider", "partnership")
    if not q:
        return visible.none()
    if uses_full_text_search(visible.db):
        query = _query(q)
        # The name is parsed only for the rows the index already found.
        qs = (visible.annotate(document=service_search_vector()).filter(document=query)
              .annotate(name_document=SearchVector("name", config=SEARCH_CONFIG)))
        name_rank = _name_first(Q(name_document=query))
    else:
        qs = _word_match(visible, q,
                         lambda term: Q(name__icontains=term) | Q(description__icontains=term))
        name_rank = _name_first(_any_term(q, "name"))
    return qs.annotate(name_rank=name_rank).order_by("name_rank", Lower("name"), "pk")

"""Registry search: the form that reads the home page's GET parameters, and the selector that
turns them into a filtered, ranked, sorted queryset of partnerships.

The page, its CSV export and the benchmark all call ``search_partnerships`` so they can never
disagree about which partnerships a search finds or in which order.

- ``parser``: what a search asks for (``SearchParams``, the sort choices) and the parser of
  its words for databases without full-text search;
- ``selector``: ``search_partnerships`` (text search, filters, counts, order) and the search
  vectors the full-text indexes are built on;
- ``export``: the CSV export's rows, in the page's order;
- ``form``: ``SearchForm``, the search box and filter panel;
- ``kinds``: the other two kinds of result, organisations and services (found by words only),
  and the annotations that say which member or service a partnership matched by;
- ``highlight``: why a result matched, as an excerpt with the words in ``<mark>``.

It lives in the composition layer because a partnership is found by its services too. Every
public name is re-exported here (``from composition.search import SearchForm``).
"""

from .export import (
    EXPORT_CHUNK_SIZE,
    EXPORT_HEADER,
    EXPORT_VALUES,
    search_export_queryset,
    search_export_rows,
)
from .form import MAX_QUERY_LENGTH, SETTING_FILTER_CHOICES, FilterGroup, FilterTag, SearchForm
from .highlight import MatchReason, excerpt, highlight, match_reason, terms_pattern
from .kinds import (
    RESULT_KINDS,
    organisations_found,
    partnerships_shown,
    search_organisations,
    search_services,
    services_found,
    with_match_reasons,
)
from .parser import MAX_TERMS, SORT_CHOICES, SORT_COLUMNS, ParsedQuery, SearchParams, parse_query
from .selector import (
    MEMBER_MATCH_BONUS,
    OWN_MATCH_BONUS,
    SEARCH_CONFIG,
    SERVICE_MATCH_BONUS,
    organisation_search_vector,
    partnership_search_vector,
    search_partnerships,
    service_search_vector,
    uses_full_text_search,
)

__all__ = [
    "EXPORT_CHUNK_SIZE",
    "EXPORT_HEADER",
    "EXPORT_VALUES",
    "MAX_QUERY_LENGTH",
    "MAX_TERMS",
    "MEMBER_MATCH_BONUS",
    "OWN_MATCH_BONUS",
    "RESULT_KINDS",
    "SEARCH_CONFIG",
    "SERVICE_MATCH_BONUS",
    "SETTING_FILTER_CHOICES",
    "SORT_CHOICES",
    "SORT_COLUMNS",
    "FilterGroup",
    "FilterTag",
    "MatchReason",
    "ParsedQuery",
    "SearchForm",
    "SearchParams",
    "excerpt",
    "highlight",
    "match_reason",
    "organisation_search_vector",
    "organisations_found",
    "parse_query",
    "partnership_search_vector",
    "partnerships_shown",
    "search_export_queryset",
    "search_export_rows",
    "search_organisations",
    "search_partnerships",
    "search_services",
    "service_search_vector",
    "services_found",
    "terms_pattern",
    "uses_full_text_search",
    "with_match_reasons",
]

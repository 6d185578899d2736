"""What a search asks for: ``SearchParams`` (the valid parts of a search, whoever builds them)
and the parser that reads its words the way PostgreSQL's ``websearch_to_tsquery`` does, for
databases without full-text search."""

from __future__ import annotations

import re
from dataclasses import dataclass

# More words than this add little to a registry search but grow the SQLite query.
MAX_TERMS = 10

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

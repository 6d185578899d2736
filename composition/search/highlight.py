"""Why a search result matched: the search words found in a piece of text, as a short excerpt
with each word in ``<mark>``.

Runs in Python on the rows of one page (25 at most), on text the page's query already loaded,
so it costs no queries. The text is the users' own (summaries, descriptions), so every piece of
it is escaped before the ``<mark>`` tags are put round the matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .parser import parse_query

# Characters of context either side of the first match, before snapping to whole words.
EXCERPT_BEFORE = 60
EXCERPT_AFTER = 110
# Endings dropped before matching, so the excerpt finds the word PostgreSQL's English stemming
# matched ("housing" for "house", "recovered" for "recovery"). Only when a root of at least
# MIN_ROOT characters is left, so short words are matched as typed.
_ENDINGS = ("ies", "ing", "ed", "es", "s", "y", "e")
MIN_ROOT = 4


def _root(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_ROOT:
            return word[: -len(ending)]
    return word


def terms_pattern(q: str) -> re.Pattern[str] | None:
    """A case-insensitive pattern matching any of the words and phrases ``q`` searches for
    (excluded ``-words`` left out), or ``None`` when it has none."""
    parsed = parse_query(q)
    alternatives = []
    for group in parsed.groups:
        for term in group:
            words = [re.escape(_root(w)) for w in term.split()]
            if words:
                alternatives.append(r"\W+".join(words))
    if not alternatives:
        return None
    # Longest first, so a phrase wins over one of its own words.
    alternatives.sort(key=len, reverse=True)
    return re.compile("(?:" + "|".join(alternatives) + r")\w*", re.IGNORECASE)


def contains_terms(text: str, pattern: re.Pattern[str] | None) -> bool:
    return bool(pattern and text and pattern.search(text))


def highlight(text: str, pattern: re.Pattern[str] | None) -> SafeString:
    """``text`` escaped, with every match of ``pattern`` in ``<mark>``."""
    if not pattern:
        return SafeString(escape(text))
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last:match.start()]))
        pieces.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    pieces.append(escape(text[last:]))
    # Safe: every piece of the user's text above went through escape().
    return mark_safe("".join(pieces))  # noqa: S308


def excerpt(text: str, pattern: re.Pattern[str] | None) -> SafeString:
    """A short passage of ``text`` around the first search word in it, the words marked; empty
    when none of the words is in it."""
    text = " ".join((text or "").split())  # one line: paragraphs and line breaks collapse
    match = pattern.search(text) if pattern else None
    if match is None:
        return SafeString("")
    start, end = max(0, match.start() - EXCERPT_BEFORE), min(len(text), match.end()
                                                             + EXCERPT_AFTER)
    # Cut at spaces so no word is shown in part.
    if start > 0:
        space = text.find(" ", start, match.start())
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", match.end(), end)
        end = space if space != -1 else end
    body = highlight(text[start:end].strip(" ,;:"), pattern)
    return mark_safe(("… " if start > 0 else "") + body  # noqa: S308 (escaped above)
                     + (" …" if end < len(text) else ""))


@dataclass(frozen=True)
class MatchReason:
    """Why a result matched, for the line under it: "Member: …", "Service: …", or (no label)
    an excerpt of its summary or description."""

    label: str
    text: SafeString


def match_reason(pattern: re.Pattern[str] | None, *, name: str, text: str = "",
                 member: str | None = None, service: str | None = None) -> MatchReason | None:
    """The first reason in the order a reader would look: none when the result's own name has
    the words (the name says it), else a phrase of its ``text``, else the matching member, else
    the matching service."""
    if pattern is None or contains_terms(name, pattern):
        return None
    phrase = excerpt(text, pattern)
    if phrase:
        return MatchReason(label="", text=phrase)
    if member:
        return MatchReason(label="Member", text=highlight(member, pattern))
    if service:
        return MatchReason(label="Service", text=highlight(service, pattern))
    return None

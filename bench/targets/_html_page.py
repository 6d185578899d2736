"""What the HTML page targets of the search and "Your work" share (not a target itself: the
leading underscore): the request's own lookups a hand-written handler makes (the session row,
its user and organisation, and the header's unread count, in one query), the page chrome as a
constant string around the dynamic header, and the check that compares the visible content
of two pages (the text and links of ``<main>`` and the header's user line and unread count)."""

from __future__ import annotations

import datetime
import re
from html import escape
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

from . import Case

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_SHORT_MONTHS = tuple(m[:3] for m in _MONTHS)


def today() -> datetime.date:
    """The registry's "today": the UK date (core.clock)."""
    return datetime.datetime.now(ZoneInfo("Europe/London")).date()


def govuk_date(value: datetime.date) -> str:
    """1 April 2013, as core.display.govuk_date writes it."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def short_date(value: datetime.date) -> tuple[str, str]:
    """("27 May", "2009"): the ``j M`` and ``Y`` of a table cell."""
    return f"{value.day} {_SHORT_MONTHS[value.month - 1]}", str(value.year)


class SignedIn:
    """The signed-in user as the page needs them: id, role, organisation, header line, unread
    notifications."""

    def __init__(self, row: tuple[Any, ...]) -> None:
        (self.id, self.username, first, last, self.role, self.organisation_id,
         self.organisation_name, self.unread) = row
        full = f"{first} {last}".strip()
        self.display = full or self.username


def signed_in(conn: Any, case: Case) -> SignedIn:
    """The request's own lookups in one statement: the session row (by the runner's session
    key, unexpired) and its user with the organisation's name, and the unread count the header
    shows."""
    row = conn.execute(
        "SELECT u.id, u.username, u.first_name, u.last_name, u.role, u.organisation_id, o.name,"
        "  (SELECT count(*) FROM notifications_notification n"
        "    WHERE n.recipient_id = u.id AND n.read_at IS NULL)"
        " FROM accounts_user u"
        " LEFT JOIN django_session s ON s.session_key = %s AND s.expire_date > now()"
        " LEFT JOIN partnerships_organisation o ON o.id = u.organisation_id"
        " WHERE u.username = %s AND u.is_active",
        (case.params.get("session_key", ""), case.user)).fetchone()
    if row is None:
        raise PermissionError("not signed in")
    return SignedIn(row)


_NAV = (("your-work", "/your-work/", "Your work"), ("search", "/search/", "Search the registry"),
        ("services", "/services/", "Service directory"),
        ("compare", "/partnerships/compare/", "Compare"), ("monitoring", "/monitoring/",
                                                            "Monitoring"),
        ("casework", "/casework/", "Casework"))

_HEAD = ('<!DOCTYPE html>\n<html lang="en-GB" class="govuk-template govuk-template--rebranded">'
         '<head><meta charset="utf-8"><title>{title} – Partnership Registry</title>'
         '<meta name="viewport" content="width=device-width, initial-scale=1, '
         'viewport-fit=cover"><meta name="theme-color" content="#1d70b8">'
         '<link rel="icon" sizes="48x48" href="/static/vendor/govuk-frontend/assets/images/'
         'favicon.ico"><link rel="stylesheet" href="/static/vendor/govuk-frontend/'
         'govuk-frontend.min.css"><link rel="stylesheet" href="/static/vendor/moj-frontend/'
         'moj-frontend.min.css"><link rel="stylesheet" href="/static/css/registry.css"></head>'
         '<body class="govuk-template__body"><a href="#main-content" class="govuk-skip-link" '
         'data-module="govuk-skip-link">Skip to main content</a>'
         '<header class="govuk-template__header"><div class="govuk-generic-header">'
         '<div class="govuk-generic-header__container govuk-width-container">'
         '<div class="govuk-generic-header__logo"><a href="/" '
         'class="govuk-generic-header__homepage-link">Partnership Registry</a></div>'
         '<div class="registry-header-account">')
_FOOT = ('</main></div><footer class="govuk-footer"><div class="govuk-width-container">'
         '<div class="govuk-footer__meta"><div class="govuk-footer__meta-item '
         'govuk-footer__meta-item--grow"><span class="govuk-footer__licence-description">'
         'All content is available under the Open Government Licence v3.0</span></div>'
         '</div></div></footer><script src="/static/vendor/govuk-frontend/'
         'govuk-frontend.min.js" type="module"></script></body></html>')


def page(*, title: str, user: SignedIn, nav: str, main: str, breadcrumbs: str = "") -> str:
    """The whole page: constant chrome, the header's user line and unread count, the
    navigation with ``nav`` current, and ``main``."""
    org = f", {escape(user.organisation_name)}" if user.organisation_name else ""
    items = []
    for key, href, label in _NAV:
        if key == nav:
            items.append(f'<li class="govuk-service-navigation__item '
                         f'govuk-service-navigation__item--active"><a class="govuk-service-'
                         f'navigation__link" href="{href}" aria-current="true"><strong class='
                         f'"govuk-service-navigation__active-fallback">{label}</strong></a></li>')
        else:
            items.append(f'<li class="govuk-service-navigation__item"><a class="govuk-service-'
                         f'navigation__link" href="{href}">{label}</a></li>')
    return "".join((
        _HEAD.format(title=escape(title)),
        f'<p class="govuk-body-s registry-header-user">{escape(user.display)}{org}'
        '<span class="govuk-visually-hidden"> (signed in)</span></p>'
        '<p class="govuk-body-s govuk-!-margin-0"><a class="govuk-link govuk-link--inverse" '
        'href="/notifications/">Notifications <strong class="govuk-tag">'
        f'{user.unread} unread</strong></a></p>',
        '<p class="govuk-body-s govuk-!-margin-0"><a class="govuk-link govuk-link--inverse" '
        'href="/account/api-tokens/">API tokens</a></p><form method="post" action="/sign-out/" '
        'class="registry-sign-out"><button type="submit" class="govuk-button '
        'govuk-button--inverse" data-module="govuk-button">Sign out</button></form></div></div>'
        '</div><section aria-label="Service information" class="govuk-service-navigation">'
        '<div class="govuk-width-container"><nav aria-label="Menu"><ul class="govuk-service-'
        'navigation__list" id="navigation">', *items,
        '</ul></nav></div></section></header><div class="govuk-width-container">',
        breadcrumbs, '<main class="govuk-main-wrapper" id="main-content">', main, _FOOT))


class _Visible(HTMLParser):
    """The text and link targets inside ``<main>``, and the header's user line and unread
    count."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside <main>
        self.in_header = False
        self.text: list[str] = []
        self.header: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.depth += 1
        elif tag == "header":
            self.in_header = True
        elif tag == "a" and self.depth:
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.depth -= 1
        elif tag == "header":
            self.in_header = False

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)
        elif self.in_header:
            self.header.append(data)


def visible(output: str | bytes) -> tuple[str, str, list[str]]:
    """(text of <main>, header's account text, links of <main>), whitespace collapsed."""
    parser = _Visible()
    parser.feed(output.decode() if isinstance(output, bytes) else output)
    text = re.sub(r"\s+", " ", " ".join(parser.text)).strip()
    header = re.sub(r"\s+", " ", " ".join(parser.header)).strip()
    account = re.search(r"Partnership Registry (.*? unread)", header)
    return text, account.group(1) if account else header, parser.links


def _words(text: str) -> str:
    # Tags split words differently in the two outputs ("Partnerships (647)" vs "...(647 )"):
    # compare without the spaces either side of punctuation.
    return re.sub(r"\s*([()\[\],.:;“”…])\s*", r"\1", text)


def check(case: Case, output: Any, baseline_output: Any) -> None:
    """The page and the baseline show the same: the same text and links in ``<main>`` and the
    same user line and unread count in the header."""
    got_text, got_header, got_links = visible(output)
    want_text, want_header, want_links = visible(baseline_output)
    assert got_header == want_header, (case.label, got_header, want_header)
    got, want = _words(got_text), _words(want_text)
    if got != want:
        at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
                  min(len(got), len(want)))
        raise AssertionError(f"{case.label}: <main> text differs at {at}:\n"
                             f"  page:     …{got[max(0, at - 80):at + 80]}…\n"
                             f"  baseline: …{want[max(0, at - 80):at + 80]}…")
    assert got_links == want_links, (case.label, [
        (a, b) for a, b in zip(got_links, want_links, strict=False) if a != b][:5],
        len(got_links), len(want_links))

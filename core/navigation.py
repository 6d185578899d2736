"""The service navigation every signed-in page shows, drawn once per section and process.

Its links are the same on every request (URL names without arguments), so reversing them and
rendering the items on each page was pure repetition: the rendered items are kept per URLconf,
script prefix and active section, which is everything they depend on. Under DEBUG they are
drawn every time, so an edited template shows at once.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString

#: (section key, label, URL name): the service navigation after "Your work", in the users'
#: words.
NAV_ITEMS = [
    ("search", "Search the registry", "home"),
    ("directory", "Service directory", "services:directory"),
    ("compare", "Compare", "partnerships:compare"),  # short: seven items fit one row at 1280 px
    ("monitoring", "Monitoring", "monitoring:home"),
    ("casework", "Casework", "referrals:caseload"),
]
SECTIONS = frozenset({"your-work", *(key for key, _label, _url in NAV_ITEMS)})

_drawn: dict[tuple[str, str, str], SafeString] = {}
_reversed: dict[tuple[str, str, str], str] = {}


def _where() -> tuple[str, str]:
    """What a URL without arguments depends on: the URLconf and the script prefix."""
    return str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix()


def fixed_url(name: str) -> str:
    """``reverse(name)`` for a URL name without arguments, reversed once per URLconf and
    script prefix (the header's and breadcrumbs' links are the same on every page)."""
    key = (*_where(), name)
    url = _reversed.get(key)
    if url is None:
        url = _reversed[key] = reverse(name)
    return url


def service_navigation(section: object) -> SafeString:
    """The navigation's items with ``section`` marked as the current one (any other value, or
    none, marks none)."""
    current = section if isinstance(section, str) and section in SECTIONS else ""
    key = (*_where(), current)
    drawn = _drawn.get(key)
    if drawn is None:
        drawn = render_to_string("components/service_navigation.html",
                                 {"section": current, "nav_items": NAV_ITEMS})
        if not settings.DEBUG:
            _drawn[key] = drawn
    return drawn

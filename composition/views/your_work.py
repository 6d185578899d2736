"""The "Your work" page, and the home page that chooses between it and the registry search.

A signed-in user with something to act on lands on Your work; one with nothing to act on (most
commissioners) keeps the registry search as home. A query string on the home page means the
user is searching (a bookmarked search, a filter link, a page of results), so it always shows
the search, whoever asks. The search itself is also at its own address (``search``), which
never redirects, for the "Search the registry" links.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ..selectors.your_work import CONFERENCE_DAYS, UNREAD_SECTION, needs_action
from ..selectors.your_work import your_work as work_of
from .search import search

NAV = "your-work"


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Your work for a user with something to act on (``needs_action``), else the registry
    search (which every query string also asks for)."""
    if not request.GET and needs_action(request.user):
        return redirect("your-work")
    return search(request)


@login_required
@require_GET
def your_work(request: HttpRequest) -> HttpResponse:
    """What needs the user's action now, by role: each kind of work with its count, the first
    few, and a link to the page where it is done."""
    work = work_of(request.user)
    unread = next((s.count for s in work.sections if s.key == UNREAD_SECTION), 0)
    return render(request, "partnerships/your_work.html", {
        "work": work,
        "conference_days": CONFERENCE_DAYS,
        "nav_section": NAV,
        # The header's unread count is the section's: the same rows, never counted twice.
        "notifications_unread": unread,
    })

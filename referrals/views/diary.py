"""The organisation's conference diary: the planned conferences of the open cases it is
involved in over the next weeks, a week at a time, for the team that runs its diary; and its
iCalendar feed, whose secret link the organisation's caseworkers create, replace and turn off here.

The feed is fetched by calendar programs with no session, so the URL's random token is the only
credential; any token that does not open a live feed gets the same plain 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST, require_safe

from core import clock
from core.display import govuk_date, govuk_datetime
from core.errors import DomainError
from notifications.calendar import calendar_feed_note_use

from .. import actions, diary
from .common import NAV, forbidden


def _refused(request: HttpRequest) -> HttpResponse:
    return forbidden(request, "You cannot see a conference diary",
                     "The conference diary lists the case conferences of an organisation's "
                     "cases, for its caseworkers: provider staff and partnership managers.",
                     (reverse("referrals:caseload"), "Back to casework"))


def _feed_status(organisation_id: int | None) -> dict[str, Any]:
    feed = diary.live_diary_feed(organisation_id)
    if feed is None:
        return {"live": False}
    return {"live": True, "created": govuk_date(timezone.localdate(feed.created_on)),
            "last_used": govuk_datetime(feed.last_used_at) if feed.last_used_at else ""}


@login_required
@require_GET
def conference_diary(request: HttpRequest) -> HttpResponse:
    """One week of the organisation's planned conferences (``?week=`` any day of it, today's
    week by default; ``?page=`` within a busy week), between today and eight weeks ahead, by
    day; with the diary's calendar link. Caseworkers only (others: a 403 that says why)."""
    user: Any = request.user  # signed in (login_required)
    if not user.has_perm("referrals.view_conference_diary"):
        return _refused(request)
    week = diary.conference_diary(user, clock.today(), week=request.GET.get("week"),
                                  page=request.GET.get("page"))
    return render(request, "referrals/conference_diary.html", {
        "week": week, "weeks_ahead": diary.DIARY_WEEKS,
        "feed": _feed_status(user.organisation_id), "nav_section": NAV,
        "casework_tab": "diary"})


@login_required
@require_POST
def diary_feed_create(request: HttpRequest) -> HttpResponse:
    """Create (or replace) the organisation's diary link and show it this once: only its hash
    is stored, so this response is the only place the URL appears."""
    user: Any = request.user  # signed in (login_required)
    if not user.has_perm("referrals.manage_conference_diary_feed"):
        return _refused(request)
    replacing = diary.live_diary_feed(user.organisation_id) is not None
    try:
        token = actions.diary_feed_create(by=user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("referrals:conference-diary")
    return render(request, "referrals/diary_feed_created.html", {
        "feed_url": diary.diary_feed_url(token), "replacing": replacing, "nav_section": NAV})


@login_required
@require_POST
def diary_feed_revoke(request: HttpRequest) -> HttpResponse:
    """Turn the organisation's diary link off; calendars subscribed to it stop updating."""
    user: Any = request.user  # signed in (login_required)
    if not user.has_perm("referrals.manage_conference_diary_feed"):
        return _refused(request)
    if actions.diary_feed_revoke(by=user):
        messages.success(request, "The conference diary calendar link is turned off. Calendars "
                                  "subscribed to it will no longer update.")
    else:
        messages.info(request, "There is no conference diary calendar link to turn off.")
    return redirect("referrals:conference-diary")


@require_safe
def diary_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The organisation's conferences as iCalendar, for calendar programs (no sign-in: the
    token is the credential). Unknown, revoked or malformed: the same plain 404, marked as
    logged so the path (which holds the token) is not written to the request log."""
    feed = diary.live_diary_feed_for_token(token)
    if feed is None:
        missing = HttpResponseNotFound("Not found", content_type="text/plain; charset=utf-8")
        missing._has_been_logged = True  # type: ignore[attr-defined]
        return missing
    calendar_feed_note_use(feed)
    response = HttpResponse(diary.diary_ics(feed.organisation_id, clock.today()),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="case-conferences.ics"'
    return response

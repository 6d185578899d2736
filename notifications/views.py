"""The user's notifications: the list (unread first), opening one, email settings, and the
private calendar feed (its link is managed on the settings page)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from core import clock
from core.display import govuk_date, govuk_datetime
from core.errors import DomainError
from core.pagination import paginate

from . import actions, calendar, preferences
from .forms import PreferencesForm
from .models import CalendarFeed, Notification


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's own notifications, unread first, newest first."""
    queryset = Notification.objects.for_recipient(request.user).unread_first().only(
        "id", "kind", "subject", "body", "url", "created_on", "read_at", "recipient_id")
    result = paginate(queryset, request.GET.get("page"))
    rows = [{"notification": n, "created": govuk_datetime(n.created_on)} for n in result.page]
    return render(request, "notifications/list.html", {
        "page": result.page, "rows": rows, "page_notice": result.notice})


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and go where it leads (others: 404)."""
    notification = Notification.objects.for_recipient(request.user).filter(pk=pk).first()
    if notification is None:
        raise Http404("No notification found")
    actions.notification_mark_read(notification=notification, by=request.user)
    # Only paths in this registry: a stored URL never sends anyone elsewhere.
    if notification.url and url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts={request.get_host()},
            require_https=request.is_secure()):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    changed = actions.notification_mark_all_read(by=request.user)
    if changed:
        messages.success(request, "All your notifications are marked as read.")
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """One email choice per area (email each one now, a daily digest, or in the service only),
    with per-kind choices behind a details component; the calendar link below. All choices
    are saved together through ``actions.preferences_save`` (all or nothing)."""
    form = PreferencesForm(request.POST or None, stored=preferences.stored_choices(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            actions.preferences_save(user=request.user, areas=form.area_values(),
                                     kinds=form.kind_values())
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your notification settings are saved.")
            return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {
        "form": form, "areas": form.areas(), "calendar": _calendar_status(request.user)})


def _calendar_status(user: Any) -> dict[str, Any]:
    """The settings page's calendar section: whether a live link exists, and when it was
    created and last fetched (UK time). One query, plus the permission lookup of a
    non-caseworker."""
    conferences = user.has_perm("notifications.calendar_case_conferences")
    feed = CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).only(
        "id", "created_on", "last_used_at", "user_id").first()
    if feed is None:
        return {"live": False, "conferences": conferences}
    return {"live": True, "conferences": conferences,
            "created": govuk_date(timezone.localdate(feed.created_on)),
            "last_used": govuk_datetime(feed.last_used_at) if feed.last_used_at else ""}


@login_required
@require_POST
def calendar_create(request: HttpRequest) -> HttpResponse:
    """Create (or replace) the user's calendar link and show it this once: only its hash is
    stored, so this response is the only place the URL ever appears (not cached, not
    redirected through a session)."""
    replacing = CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True).exists()
    try:
        token = actions.calendar_feed_create(user=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("notifications:settings")
    response = render(request, "notifications/calendar_created.html", {
        "feed_url": calendar.feed_url(token), "replacing": replacing})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    """Turn the user's calendar link off; subscribed calendars stop updating."""
    if actions.calendar_feed_revoke(user=request.user):
        messages.success(request, "Your calendar link is turned off. Calendars subscribed to it "
                                  "will no longer update.")
    else:
        messages.info(request, "You have no calendar link to turn off.")
    return redirect("notifications:settings")


def _not_found() -> HttpResponse:
    """The one answer for every token that does not open a feed. Marked as logged, so Django's
    request logger does not write the path (which holds the token) as a warning."""
    response = HttpResponseNotFound("Not found", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True
    return response


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The user's meetings as iCalendar, for calendar programs (no sign-in: the URL's random
    token is the credential). Unknown, revoked, malformed, or of a user no longer active: the
    same plain 404. A fixed number of queries whatever the number of meetings."""
    feed = calendar.live_feed_for_token(token)
    if feed is None:
        return _not_found()
    calendar.calendar_feed_note_use(feed)
    body = calendar.ics_text(calendar.events_for(feed.user, clock.today()))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="meetings.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response

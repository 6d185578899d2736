"""The user's notifications: the list (unread first), opening one, and email settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.display import govuk_datetime
from core.errors import DomainError
from core.pagination import paginate

from . import actions
from .forms import PreferencesForm
from .models import Notification, NotificationPreference


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
    actions.mark_read(notification=notification, by=request.user)
    # Only paths in this registry: a stored URL never sends anyone elsewhere.
    if notification.url and url_has_allowed_host_and_scheme(
            notification.url, allowed_hosts={request.get_host()},
            require_https=request.is_secure()):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_mark_all_read(request: HttpRequest) -> HttpResponse:
    changed = actions.mark_all_read(by=request.user)
    if changed:
        messages.success(request, "All your notifications are marked as read.")
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    """Per kind: an email for each one or not, and whether gathered into a daily digest."""
    current = {p.kind: (p.email, p.digest)
               for p in NotificationPreference.objects.filter(user=request.user)}
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                for kind, (email, digest) in form.choices().items():
                    actions.preference_set(user=request.user, kind=kind, email=email,
                                           digest=digest)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your notification settings are saved.")
            return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})

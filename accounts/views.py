"""The API tokens page: each user creates, sees and revokes their own tokens.

Someone else's token is a 404 here (as if it did not exist). Platform admins revoke other
people's tokens in the admin. The key is shown once, in the response to the create form (not
stored, not redirected through the session, not cached).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from core import clock
from core.display import govuk_date, govuk_datetime
from core.errors import DomainError

from . import actions
from .models import ApiToken
from .token_forms import ApiTokenCreateForm


def _status(token: ApiToken, today: Any) -> str:
    if token.revoked_at is not None:
        return "Revoked"
    return "Active" if token.is_live_on(today) else "Expired"


@login_required
@require_safe
def api_token_list(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    rows = [{"token": token, "status": _status(token, today),
             "created": govuk_date(timezone.localdate(token.created_at)),
             "expires": govuk_date(token.expires_on),
             "last_used": govuk_datetime(token.last_used_at) if token.last_used_at else "Never",
             "revoked": govuk_date(timezone.localdate(token.revoked_at))
             if token.revoked_at else ""}
            for token in ApiToken.objects.owned_by(request.user)]
    return render(request, "accounts/api_tokens.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, key = actions.api_token_create(
                user=request.user, name=form.cleaned_data["name"],
                expires_on=form.expires_on(clock.today()))
        except DomainError as exc:
            field = {"expires_on": "expires_in"}.get(exc.field or "", exc.field)
            form.add_error(field if field in form.fields else None, str(exc))
        else:
            response = render(request, "accounts/api_token_created.html", {
                "token": token, "key": key, "expires": govuk_date(token.expires_on)})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "accounts/api_token_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first, then revoke: a revoked token cannot be brought back."""
    token = get_object_or_404(ApiToken.objects.owned_by(request.user), pk=pk)
    if token.revoked_at is not None:
        messages.info(request, f"The token ‘{token.name}’ is already revoked.")
        return redirect("accounts:api-tokens")
    if request.method == "POST":
        try:
            actions.api_token_revoke(token=token, by=request.user)
        except DomainError as exc:
            messages.info(request, str(exc))
        else:
            messages.success(request, f"The token ‘{token.name}’ is revoked. Programs using it "
                                      "can no longer reach the API.")
        return redirect("accounts:api-tokens")
    return render(request, "accounts/api_token_revoke.html", {"token": token})

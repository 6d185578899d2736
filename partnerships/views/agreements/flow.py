"""The machinery every agreement page shares: finding the partnership and agreement version
(404 when the user cannot see them), answering 403 with the reason, and one page's journey:
form -> (check your answers ->) action -> back to the partnership page with a banner.

Check your answers: the form posts to itself; a valid first post shows the answers with
"Change" links (back to the form, the answers in the query string) and a confirm button that
posts them again (hidden) with ``confirm``; only that second post calls the action. An action's
``DomainError`` lands on the field it names, with everything typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import rules
from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.date_input import DateInputField
from core.display import govuk_date
from core.errors import DomainError

from ...models import Agreement, Partnership
from ...rules import MANAGE_PARTNERSHIP

NAV = "search"
NOT_A_MANAGER = ("Agreements are kept up to date by the partnership managers of the lead "
                 "partner and by platform admins.")
REFUSED = object()  # an action's refusal (some actions return None when they succeed)

# Builds a page's form from (data, files, initial).
FormMaker = Callable[[Any, Any, dict[str, Any]], forms.Form]


@dataclass
class Target:
    """The partnership (and agreement version) a page is about, and whether the user manages
    the partnership (asked once per request)."""

    partnership: Partnership
    agreement: Agreement | None
    can_manage: bool


# -- finding what the page is about --------------------------------------------------------------


def target_of(request: HttpRequest, slug: str, pk: int | None = None) -> Target:
    """The partnership ``slug`` (and its agreement ``pk``); not found if the user cannot see
    them or the agreement belongs to another partnership."""
    user = request.user
    partnership = Partnership.objects.visible_to(user).filter(slug=slug).first()
    if partnership is None:
        raise Http404("No partnership found.")
    agreement = None
    if pk is not None:
        agreement = (Agreement.objects.visible_to(user).filter(partnership=partnership, pk=pk)
                     .first())
        if agreement is None:
            raise Http404("No agreement found.")
        agreement.partnership = partnership  # already read: spare a query
    # Ask the rules registry directly: user.has_perm() would fall through to ModelBackend.
    return Target(partnership, agreement,
                  rules.has_perm(MANAGE_PARTNERSHIP, user, partnership))


def forbidden(request: HttpRequest, target: Target, title: str, reason: str) -> HttpResponse:
    return render(request, "partnerships/manage/agreement_forbidden.html", {
        "partnership": target.partnership, "title": title, "reason": reason,
        "nav_section": NAV}, status=403)


def version_words(agreement: Agreement) -> str:
    return f"version {agreement.version} of {agreement.title}"


def state_refusal(agreement: Agreement, allowed: list[str], what: str) -> str:
    """Why this page does not apply to the version (empty when it does)."""
    if agreement.status in allowed:
        return ""
    status = agreement.get_status_display().lower()
    return f"{what}; {version_words(agreement)} is {status}."


def back_to_agreements(target: Target) -> str:
    return reverse("partnerships:detail", args=[target.partnership.slug]) + "#agreements"


# -- one page: form, check your answers, action --------------------------------------------------


def _fields(form: forms.Form) -> list[tuple[str, forms.BoundField]]:
    """Each field with how the template draws it (GOV.UK date input, file upload, or the rest)."""
    shown = []
    for bound in form:
        field = bound.field
        kind = ("date" if isinstance(field, DateInputField)
                else "file" if isinstance(field, forms.FileField) else "field")
        shown.append((kind, bound))
    return shown


def _answer_text(bound: forms.BoundField, value: Any) -> str:
    """An answer as the check page says it: dates in words, choices by their label."""
    if value in (None, "", []):
        return "Not given"
    if hasattr(value, "isoformat"):
        return govuk_date(value)
    choices = dict(getattr(bound.field, "choices", []) or [])
    if isinstance(value, list):
        return ", ".join(str(choices.get(v, v)) for v in value)
    return str(choices.get(value, value))


def _posted_pairs(request: HttpRequest) -> list[tuple[str, str]]:
    """What was typed, to carry through the check page (hidden) and its "Change" links."""
    return [(key, value) for key, values in request.POST.lists()
            if key not in ("csrfmiddlewaretoken", "confirm") for value in values]


def _initial_from_query(make: FormMaker, request: HttpRequest,
                        initial: dict[str, Any]) -> dict[str, Any]:
    """A "Change" link from the check page brings the answers back in its query string: start
    the form from the valid ones (an unbound form, so no errors show)."""
    if not request.GET:
        return initial
    probe = make(request.GET, None, {})
    probe.is_valid()
    return {**initial, **{k: v for k, v in probe.cleaned_data.items() if v not in (None, "")}}


def _attempt(form: forms.Form, action: Callable[..., Any], **arguments: Any) -> Any:
    """``action(**arguments)``, or ``REFUSED`` with the reason on the form (next to its field
    when the form has one)."""
    try:
        return action(**arguments)
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        return REFUSED


@dataclass
class Page:
    """What one agreement page asks and does."""

    title: str
    button: str
    make: FormMaker
    action: Callable[..., Any]
    arguments: dict[str, Any]  # the action's own arguments besides the form's (and ``by``)
    success: Callable[[Any], str]
    check: bool = False  # a check-your-answers step before the action
    intro: tuple[str, ...] = ()
    initial: dict[str, Any] | None = None
    multipart: bool = False
    warning: bool = False  # the confirm button warns (it removes or ends something)


def run(request: HttpRequest, target: Target, page: Page) -> HttpResponse:
    """Show the form; on a valid post show the check page (if the page has one) or act; after
    the action, back to the partnership page's agreements with a banner."""
    initial = page.initial or {}
    if request.method == "POST":
        form = page.make(request.POST, request.FILES, initial)
        if form.is_valid():
            if page.check and "confirm" not in request.POST:
                return _check_page(request, target, page, form)
            done = _attempt(form, page.action, by=request.user, **page.arguments,
                            **form.arguments())  # type: ignore[attr-defined]
            if done is not REFUSED:
                messages.success(request, page.success(done))
                return redirect(back_to_agreements(target))
    else:
        form = page.make(None, None, _initial_from_query(page.make, request, initial))
        if page.check and not form.fields:
            return _check_page(request, target, page, form)
    return render(request, "partnerships/manage/agreement_form.html", {
        "partnership": target.partnership, "agreement": target.agreement, "page": page,
        "form": form, "fields": _fields(form), "nav_section": NAV})


def _check_page(request: HttpRequest, target: Target, page: Page,
                form: forms.Form) -> HttpResponse:
    """Check your answers: each answer with a "Change" link back to its question."""
    pairs = _posted_pairs(request)
    change_base = request.path + ("?" + urlencode(pairs) if pairs else "")
    answers = [{"label": bound.label, "value": _answer_text(bound, form.cleaned_data.get(name)),
                "href": f"{change_base}#{bound.auto_id}"}
               for name, bound in ((n, form[n]) for n in form.fields)]
    agreement = target.agreement
    return render(request, "partnerships/manage/agreement_check.html", {
        "partnership": target.partnership, "agreement": agreement, "page": page,
        "answers": answers, "hidden": pairs, "nav_section": NAV})



def managed_version(request: HttpRequest, slug: str, pk: int, title: str,
                     allowed: list[str], what: str) -> Target | HttpResponse:
    """The partnership and agreement version for a manager's page; 403 with the reason for
    anyone else or when the version is not in a state the page applies to."""
    target = target_of(request, slug, pk)
    if not target.can_manage:
        return forbidden(request, target, title, NOT_A_MANAGER)
    assert target.agreement is not None
    refusal = state_refusal(target.agreement, allowed, what)
    if refusal:
        return forbidden(request, target, title, refusal)
    return target

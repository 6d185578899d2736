"""Providers' returns and the lead partner's reviews.

Providers see what their organisation owes, start a return, fill it in (each metric once, with
the frameworks that use it), submit it and correct it. Lead partners review submitted returns:
approve them or return them for correction with comments. Views parse forms, call
``monitoring.actions`` (which decide and write) and render what ``monitoring.selectors`` reads;
a return the user may not see is a 404, so its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from core import clock
from core.display import display_name, govuk_datetime
from core.errors import DomainError
from core.pagination import paginate
from partnerships.models import Partnership

from .. import actions, selectors
from ..choices import ReturnStatus
from ..forms import (
    CorrectionForm,
    ReturnForm,
    ReviewForm,
    StartReturnForm,
    initial_values,
)
from ..models import MonitoringReturn, ReportingPeriod
from ..recipients import reviewer_phrase
from ..validation import TEXT_MAX

NAV = "monitoring"


def _visible(request: HttpRequest, pk: int) -> MonitoringReturn:
    """The return if the user may see it; 404 otherwise (never "forbidden": that would say it
    exists)."""
    return get_object_or_404(selectors.visible_returns(request.user), pk=pk)


def _add_domain_error(form: Any, exc: DomainError) -> None:
    """Show an action's refusal next to its field when the form has one, else at the top."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc))


def _attempt(form: Any, action: Callable[..., MonitoringReturn],
             **arguments: Any) -> MonitoringReturn | None:
    """``action(**arguments)``, or None when it refuses: its reason then goes on ``form``, which
    the page shows again with what was typed."""
    try:
        return action(**arguments)
    except DomainError as exc:
        _add_domain_error(form, exc)
        return None


def _may_correct(user: Any, ret: MonitoringReturn, sheet: selectors.ReturnSheet) -> bool:
    """Approved, not already being corrected, and the user submits for its organisation."""
    return (ret.status == ReturnStatus.APPROVED and not sheet.corrections
            and rules.has_perm("monitoring.start_return", user, ret.organisation))


def _corrections(user: Any, sheet: selectors.ReturnSheet) -> list[tuple[MonitoringReturn, bool]]:
    """The revisions correcting the return, each with whether the user may open it: a
    correction still in draft is its organisation's own, so others read only that it was
    started."""
    return [(later, rules.has_perm("monitoring.view_monitoringreturn", user, later))
            for later in sheet.corrections]


def _base_context(ret: MonitoringReturn, sheet: selectors.ReturnSheet) -> dict[str, Any]:
    return {
        "ret": ret,
        "sheet": sheet,
        "status_tag": selectors.STATUS_TAGS.get(ret.get_status_display(), "govuk-tag--grey"),
        "submitted_by": display_name(ret.submitted_by),
        "approved_by": display_name(ret.approved_by),
        "submitted_when": govuk_datetime(ret.submitted_at),
        "first_submitted_when": govuk_datetime(ret.first_submitted_at),
        "approved_when": govuk_datetime(ret.approved_at),
        "nav_section": NAV,
    }


# -- what the organisation owes ------------------------------------------------------------------


@login_required
@require_GET
def my_returns(request: HttpRequest) -> HttpResponse:
    """What the user's organisation owes: returned for correction and overdue first, then due,
    then the submitted and approved history (paged)."""
    user = request.user
    owed = selectors.owed_returns(user)
    result = paginate(owed.done, request.GET.get("page"))  # type: ignore[arg-type]
    submits = user.role == Role.PROVIDER_STAFF and bool(user.organisation_id)
    return render(request, "monitoring/my_returns.html", {
        "owed": owed,
        "done_page": result.page,
        "page_notice": result.notice,
        "submits": submits,
        "reviews": user.is_platform_admin or user.role == Role.PARTNERSHIP_MANAGER,
        "dashboards": user.is_platform_admin or user.role in (Role.PARTNERSHIP_MANAGER,
                                                              Role.COMMISSIONER),
        "nav_section": NAV,
    })


@login_required
@require_POST
def return_start(request: HttpRequest) -> HttpResponse:
    """Start the return the user's organisation owes a partnership for a period."""
    form = StartReturnForm(request.POST)
    organisation = request.user.organisation
    partnership = period = None
    if form.is_valid():
        partnership = Partnership.objects.filter(pk=form.cleaned_data["partnership"]).first()
        period = ReportingPeriod.objects.filter(pk=form.cleaned_data["period"]).first()
    if organisation is None:
        messages.error(request, "Your account is not linked to an organisation, so there is no "
                                "return for you to start.")
        return redirect("monitoring:my-returns")
    if partnership is None or period is None:
        messages.error(request, "That return could not be found. Choose it again from the list.")
        return redirect("monitoring:my-returns")
    try:
        ret, created = actions.return_get_or_start(organisation=organisation,
                                                   partnership=partnership, period=period,
                                                   by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("monitoring:my-returns")
    if not created:
        # A double click, or a colleague got there first: the one return, not an error.
        messages.info(request, f"The {period} return for {partnership} was already started on "
                               f"{govuk_datetime(ret.created_on)}.")
        if ret.status not in ReturnStatus.editable():
            return redirect("monitoring:return", pk=ret.pk)
        return redirect("monitoring:return-edit", pk=ret.pk)
    messages.success(request, f"You started the {period} return for {partnership}. Your "
                              "figures are saved as a draft until you submit them.")
    return redirect("monitoring:return-edit", pk=ret.pk)


# -- one return -----------------------------------------------------------------------------------


def _back_link(user: Any, ret: MonitoringReturn) -> tuple[str, str]:
    """Where the user came from, most likely: their returns, their reviews or the dashboards."""
    if user.organisation_id == ret.organisation_id:
        return reverse("monitoring:my-returns"), "Back to your organisation's returns"
    if user.is_platform_admin or user.role == Role.PARTNERSHIP_MANAGER:
        return reverse("monitoring:reviews"), "Back to returns to review"
    return reverse("monitoring:home"), "Back to monitoring"


def _render_detail(request: HttpRequest, ret: MonitoringReturn, correction_form: CorrectionForm,
                   status: int = 200) -> HttpResponse:
    user = request.user
    sheet = selectors.return_sheet(ret)
    context = _base_context(ret, sheet)
    context.update({
        "may_edit": (ret.status in ReturnStatus.editable()
                     and rules.has_perm("monitoring.edit_return", user, ret)),
        "may_review": (ret.status == ReturnStatus.SUBMITTED
                       and rules.has_perm("monitoring.review_return", user, ret)),
        "may_correct": _may_correct(user, ret, sheet),
        "correction_form": correction_form,
        "corrections": _corrections(user, sheet),
        "back": _back_link(user, ret),
    })
    return render(request, "monitoring/return_detail.html", context, status=status)


@login_required
@require_GET
def return_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A return, read only: its state, every figure once with the frameworks that use it, the
    queries raised on it, its revisions, and what the user may do next."""
    return _render_detail(request, _visible(request, pk), CorrectionForm())


@login_required
@require_POST
def return_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a correction of an approved return: a new draft revision with the same figures."""
    ret = _visible(request, pk)
    form = CorrectionForm(request.POST)
    if form.is_valid() and (new := _attempt(form, actions.return_correct, approved_return=ret,
                                            by=request.user,
                                            reason=form.cleaned_data["reason"])):
        messages.success(request, f"You started revision {new.revision}. Change the figures "
                                  "and submit it; the approved revision is reported until the "
                                  "lead partner approves this one.")
        return redirect("monitoring:return-edit", pk=new.pk)
    return _render_detail(request, ret, form)


def _locked_reason(user: Any, ret: MonitoringReturn) -> str:
    """Why the user cannot change this return now, in words they can act on."""
    if not rules.has_perm("monitoring.edit_return", user, ret):
        return f"Only provider staff of {ret.organisation} can change its returns."
    if ret.status == ReturnStatus.APPROVED:
        return (f"This return was approved on {govuk_datetime(ret.approved_at)} and is locked. "
                "Start a correction to change its figures.")
    return (f"This return has been submitted and is waiting for review by "
            f"{reviewer_phrase(ret)}, so it cannot be changed now. If it is returned for "
            "correction, you can change it then.")


#: The session key under which a warning note typed on the form waits for the check page.
#: Figures are saved as a draft on "Continue" (nothing lost, whatever device the user comes back
#: on); the note is kept in the session because only a submission stores it on the return.
NOTE_SESSION_KEY = "monitoring-return-note-{pk}"


def _kept_note(request: HttpRequest, ret: MonitoringReturn) -> str:
    return str(request.session.get(NOTE_SESSION_KEY.format(pk=ret.pk), ""))


def _keep_note(request: HttpRequest, ret: MonitoringReturn, note: str) -> None:
    key = NOTE_SESSION_KEY.format(pk=ret.pk)
    if note.strip():
        request.session[key] = note.strip()
    else:
        request.session.pop(key, None)


def _submission_window(sheet: selectors.ReturnSheet) -> dict[str, Any]:
    """When the return may be submitted, for the edit and check pages."""
    opens_on = sheet.opens_on
    return {"opens_on": opens_on,
            "submission_open": opens_on is None or clock.today() >= opens_on}


def _render_edit(request: HttpRequest, ret: MonitoringReturn, sheet: selectors.ReturnSheet,
                 form: ReturnForm, *, warnings: list[str] | None = None,
                 stale: bool = False) -> HttpResponse:
    context = _base_context(ret, sheet)
    typed_note = bool((form.data.get("warning_note") if form.is_bound
                       else form.initial.get("warning_note")) or "")
    context.update({
        "form": form,
        "warnings": warnings or [],
        "show_note": bool(warnings) or typed_note,
        "stale": stale,
        "text_max": TEXT_MAX,
        **_submission_window(sheet),
    })
    return render(request, "monitoring/return_edit.html", context)


def _already_submitted(request: HttpRequest, ret: MonitoringReturn) -> HttpResponse:
    """A second Submit of a return already submitted (a double click, the browser's back
    button): nothing to do and nothing wrong, so the return page says when it was submitted."""
    messages.info(request, f"This return was submitted on {govuk_datetime(ret.submitted_at)}. "
                           f"{reviewer_phrase(ret).capitalize()} will review it.")
    return redirect("monitoring:return", pk=ret.pk)


def _render_locked(request: HttpRequest, ret: MonitoringReturn) -> HttpResponse:
    user = request.user
    sheet = selectors.return_sheet(ret)
    context = _base_context(ret, sheet)
    context.update({"locked_reason": _locked_reason(user, ret),
                    "corrections": _corrections(user, sheet),
                    "may_correct": _may_correct(user, ret, sheet),
                    "correction_form": CorrectionForm()})
    return render(request, "monitoring/return_edit.html", context, status=403)


@login_required
@require_http_methods(["GET", "POST"])
def return_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The return form: each metric once, with the frameworks that use it and the lead
    partner's queries. "Save as draft" saves; "Continue" saves the figures (as a draft) and
    goes on to "check your answers", only if the return could then be submitted — all or
    nothing, so whatever is refused is shown again as typed, with a message next to each bad
    figure. The submission itself is on the check page."""
    ret = _visible(request, pk)
    user = request.user
    # "submit": a page from before the check step; it continues to the check page too.
    continuing = request.method == "POST" and request.POST.get("action") in ("continue",
                                                                               "submit")
    if (continuing and ret.status == ReturnStatus.SUBMITTED
            and rules.has_perm("monitoring.edit_return", user, ret)):
        return _already_submitted(request, ret)
    if (ret.status not in ReturnStatus.editable()
            or not rules.has_perm("monitoring.edit_return", user, ret)):
        return _render_locked(request, ret)
    sheet = selectors.return_sheet(ret)
    if request.method == "GET" and any(f.asked and f.metric.is_computed for f in sheet.figures):
        # Figures from casework as they stand now (opening the draft is when the provider
        # looks at them); a POST keeps the version the form was opened at.
        actions.computed_values_refresh(monitoring_return=ret, by=user)
        sheet = selectors.return_sheet(ret)
    if request.method == "GET":
        initial = initial_values(sheet.figures, ret.version)
        initial["warning_note"] = _kept_note(request, ret)
        return _render_edit(request, ret, sheet, ReturnForm(figures=sheet.figures,
                                                            initial=initial))

    form = ReturnForm(request.POST, figures=sheet.figures, submitting=continuing)
    if not form.is_valid():
        return _render_edit(request, ret, sheet, form)
    note = form.cleaned_data.get("warning_note") or ""
    try:
        if continuing:
            actions.return_save_and_check(monitoring_return=ret, values=form.values(),
                                          expected_version=form.cleaned_data["version"],
                                          by=user, warning_note=note)
        else:
            actions.return_save_values(monitoring_return=ret, values=form.values(),
                                       expected_version=form.cleaned_data["version"], by=user)
    except DomainError as exc:
        ret.refresh_from_db()  # a refused check rolled back what the action had saved
        if continuing and actions.already_submitted(exc, monitoring_return=ret, by=user):
            return _already_submitted(request, ret)  # submitted from another tab meanwhile
        warnings = getattr(exc, "warnings", [])
        if warnings:
            form.add_error("warning_note", "Say why these figures are right, or change them")
        else:
            _add_domain_error(form, exc)
        stale = getattr(exc, "code", None) == "stale"
        return _render_edit(request, ret, sheet, form, warnings=warnings, stale=stale)
    _keep_note(request, ret, note)
    if continuing:
        return redirect("monitoring:return-check", pk=ret.pk)
    messages.success(request, "Your draft was saved. You can come back and finish it later.")
    return redirect("monitoring:return-edit", pk=ret.pk)


def _render_check(request: HttpRequest, ret: MonitoringReturn,
                  errors: list[dict[str, str]] | None = None) -> HttpResponse:
    sheet = selectors.return_sheet(ret)
    _errors, warnings = actions.return_check(ret)
    context = _base_context(ret, sheet)
    context.update({
        "figures": [f for f in sheet.figures if f.asked],
        "note": _kept_note(request, ret),
        "warnings": warnings,
        "errors": errors or [],
        "reviewer": reviewer_phrase(ret),
        **_submission_window(sheet),
    })
    return render(request, "monitoring/return_check.html", context,
                  status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def return_check(request: HttpRequest, pk: int) -> HttpResponse:
    """"Check your answers" (the GOV.UK pattern): every figure as saved, with the frameworks
    that use it and a link back to change it, then "Submit return". A second Submit (a double
    click, the back button) lands on the return saying when it was submitted."""
    ret = _visible(request, pk)
    user = request.user
    if not rules.has_perm("monitoring.edit_return", user, ret):
        return _render_locked(request, ret)
    if ret.status == ReturnStatus.SUBMITTED:
        return _already_submitted(request, ret)
    if ret.status not in ReturnStatus.editable():
        return redirect("monitoring:return-edit", pk=ret.pk)
    if request.method == "GET":
        return _render_check(request, ret)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1  # a form from elsewhere: refused as stale below
    try:
        actions.return_submit(monitoring_return=ret, by=user, warning_note=_kept_note(request, ret),
                              expected_version=version)
    except DomainError as exc:
        ret.refresh_from_db()
        if actions.already_submitted(exc, monitoring_return=ret, by=user):
            return _already_submitted(request, ret)  # the other click won the row lock
        href = reverse("monitoring:return-edit", args=[ret.pk])
        return _render_check(request, ret, [{"href": href, "text": str(exc)}])
    _keep_note(request, ret, "")
    messages.success(request, f"Your {ret.period} return for {ret.partnership} was submitted. "
                              f"{reviewer_phrase(ret).capitalize()} will review it.")
    return redirect("monitoring:return", pk=ret.pk)


# -- the lead partner's reviews -------------------------------------------------------------------


@login_required
@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    """Submitted returns waiting for the user's review (longest waiting first), and those
    recently returned for correction."""
    user = request.user
    result = paginate(selectors.review_queue(user), request.GET.get("page"))
    waiting = [(ret, _late(ret)) for ret in result.page.object_list]
    returned = selectors.recently_returned(user)
    counts = selectors.open_query_counts(returned) if returned else {}
    return render(request, "monitoring/reviews.html", {
        "page": result.page,
        "waiting": waiting,
        "total": result.page.paginator.count,
        "page_notice": result.notice,
        "returned": [(ret, counts.get(ret.pk, 0)) for ret in returned],
        "reviewer": user.is_platform_admin or user.role == Role.PARTNERSHIP_MANAGER,
        "nav_section": NAV,
    })


def _late(ret: MonitoringReturn) -> bool:
    """First submitted after its due date (timeliness is judged on the first submission)."""
    first = ret.first_submitted_at
    return first is not None and timezone.localtime(first).date() > ret.period.due_on


def _review_refusal(user: Any, ret: MonitoringReturn) -> str:
    """Why the user cannot review this return now ("" when they can)."""
    if ret.status != ReturnStatus.SUBMITTED:
        return (f"This return is {ret.get_status_display().lower()}: only a submitted return "
                "can be approved or returned for correction.")
    if getattr(user, "organisation_id", None) == ret.organisation_id:
        return ("You cannot review your own organisation's return: someone outside your "
                "organisation must approve it or return it.")
    if not rules.has_perm("monitoring.review_return", user, ret):
        return (f"Only a partnership manager of {ret.partnership}'s lead partner can approve or "
                "return its returns.")
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def return_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A submitted return for the lead partner: its figures (with the frameworks that use them
    and, for a correction, the approved figures it replaces) and warning note; approve it, or
    return it for correction with comments on the whole return and/or on figures."""
    ret = _visible(request, pk)
    user = request.user
    sheet = selectors.return_sheet(ret, with_previous=True)
    form = ReviewForm(figures=sheet.figures)
    approve_errors: list[str] = []
    if request.method == "POST":
        if request.POST.get("action") == "approve":
            try:
                actions.return_approve(monitoring_return=ret, by=user)
            except DomainError as exc:
                approve_errors.append(str(exc))
            else:
                messages.success(request, f"You approved {ret.organisation}'s {ret.period} "
                                          "return. Its figures now count in the reports.")
                return redirect("monitoring:reviews")
        else:
            form = ReviewForm(request.POST, figures=sheet.figures)
            if form.is_valid() and _attempt(form, actions.return_send_back,
                                            monitoring_return=ret, by=user,
                                            comment=form.cleaned_data["comment"],
                                            metric_comments=form.metric_comments()):
                messages.success(request, f"You returned {ret.organisation}'s {ret.period} "
                                          "return for correction. They can see your comments "
                                          "next to the figures.")
                return redirect("monitoring:reviews")
    refusal = _review_refusal(user, ret)
    context = _base_context(ret, sheet)
    context.update({
        "form": form,
        # The summary links to the approve button's section, or the top when it is not shown.
        "approve_errors": [{"href": "#main-content" if refusal else "#approve", "text": e}
                           for e in approve_errors],
        "refusal": refusal,
        "is_correction": ret.revision > 1,
    })
    return render(request, "monitoring/return_review.html", context)

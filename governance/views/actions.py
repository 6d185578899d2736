"""The action log of a partnership (issue 19, point 3): who must do what by when.

- ``action_log``: the partnership's actions with filters (status, owner organisation, body,
  overdue only), pagination, overdue tags, and the same rows as CSV and XLSX downloads.
- ``action_new``: add an action (the partnership's managers and chairs).
- ``action_detail``: one action, with the forms its reader may use: mark it done (its owner,
  managers, chairs), change it or drop it with a reason (managers, chairs).

A partnership whose governance the user may not read is not found (404), as if it did not exist;
a form the user may not use answers 403 with the reason. Views stay thin: ``governance.actions``
writes and checks everything again; ``governance.action_log`` reads.
"""

from __future__ import annotations

import datetime
from typing import Any

import rules
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from core import clock, downloads
from core.date_input import date_field
from core.display import display_name
from core.pagination import paginate
from partnerships.models import Organisation, Partnership

from .. import actions
from ..action_log import HEADER, ActionItemFilter, is_overdue, owner_name, table_rows
from ..choices import ActionStatus
from ..models import ActionItem, Body
from .common import attempt, partnership_for

VIEW, MANAGE, COMPLETE = "governance.view", "governance.manage", "governance.complete_action"
NAV = "search"


# -- forms ---------------------------------------------------------------------------------------


class _OwnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{display_name(obj)} ({obj.organisation})"


class ActionForm(forms.Form):
    """What needs doing, by whom and by when (adding and changing an action)."""

    text = forms.CharField(
        label="What needs to be done?", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Do not name people using services.",
        error_messages={"required": "Say what needs to be done",
                        "max_length": "The action must be 2000 characters or fewer"})
    owner_organisation = forms.ModelChoiceField(
        label="Owner organisation", queryset=Organisation.objects.none(),
        empty_label="Choose an organisation",
        error_messages={"required": "Choose the organisation that owns the action",
                        "invalid_choice": "Choose a current member organisation"})
    owner = _OwnerChoice(
        label="Owner (optional)", queryset=User.objects.none(), required=False,
        empty_label="No one named: the organisation's partnership managers",
        help_text="Someone who works at the owner organisation.",
        error_messages={"invalid_choice": "Choose someone who works at a member organisation"})
    due_on = date_field("Due date", "the date the action is due")
    body = forms.ModelChoiceField(
        label="Board or group (optional)", queryset=Body.objects.none(), required=False,
        empty_label="None",
        error_messages={"invalid_choice": "Choose a board or group of this partnership"})

    def __init__(self, *args: Any, partnership: Partnership, with_body: bool = True,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = clock.today()
        members = partnership.memberships.active_on(today).values("organisation_id")
        self.fields["owner_organisation"].queryset = (  # type: ignore[attr-defined]
            Organisation.objects.filter(pk__in=members).order_by("name"))
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            User.objects.filter(is_active=True, organisation_id__in=members)
            .select_related("organisation").order_by("organisation__name", "first_name",
                                                     "last_name", "username"))
        if with_body:
            self.fields["body"].queryset = (  # type: ignore[attr-defined]
                Body.objects.filter(partnership=partnership).current().order_by("name"))
        else:
            del self.fields["body"]

    def arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class CompleteForm(forms.Form):
    completed_on = date_field("When was it done?", "the date the action was done")

    def clean_completed_on(self) -> datetime.date | None:
        done = self.cleaned_data.get("completed_on")
        if done and done > clock.today():
            raise forms.ValidationError("The date the action was done must be today or in the "
                                        "past")
        return done


class DropForm(forms.Form):
    reason = forms.CharField(
        label="Why is the action dropped?", max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, the board decided the pathway review covers it.",
        error_messages={"required": "Say why the action is dropped",
                        "max_length": "The reason must be 1000 characters or fewer"})


# -- helpers -------------------------------------------------------------------------------------



def _item(partnership: Partnership, pk: int) -> ActionItem:
    item = (ActionItem.objects.filter(partnership=partnership, pk=pk)
            .select_related("owner_organisation", "owner", "body", "decision", "created_by")
            .first())
    if item is None:
        raise Http404("No action found.")
    item.partnership = partnership
    return item



def _forbidden(request: HttpRequest, partnership: Partnership, title: str,
               reason: str) -> HttpResponse:
    return render(request, "governance/actions/forbidden.html", {
        "partnership": partnership, "title": title, "reason": reason, "nav_section": NAV},
        status=403)


MANAGERS_ONLY = ("Actions are added, changed and dropped by the partnership's managers (the "
                 "lead partner's partnership managers), the chairs of its boards and groups, "
                 "and platform admins.")


# -- the log -------------------------------------------------------------------------------------


@login_required
@require_GET
def action_log(request: HttpRequest, slug: str) -> HttpResponse:
    """The partnership's action log, filtered and paginated, earliest due first."""
    partnership = partnership_for(request, slug)
    filters = ActionItemFilter(request.GET or None, partnership=partnership)
    valid = filters.is_valid() if filters.is_bound else True
    result = paginate(filters.qs if valid else ActionItem.objects.none(),
                      request.GET.get("page"))
    items = list(result.page.object_list)
    for item in items:
        item.overdue = is_overdue(item)
        item.owner_label = owner_name(item)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "governance/actions/log.html", {
        "partnership": partnership, "filters": filters.form, "valid": valid,
        "filtered": filters.filtered or not valid,
        "any_actions": bool(items) or ActionItem.objects.filter(partnership=partnership).exists(),
        "page": result.page, "page_notice": result.notice, "items": items,
        "can_manage": rules.has_perm(MANAGE, request.user, partnership),
        "query": f"?{query.urlencode()}" if valid and query else "",
        "nav_section": NAV})


@login_required
@require_GET
def action_log_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    """The filtered log as a CSV or XLSX download (every page)."""
    if fmt not in downloads.FORMATS:
        raise Http404("No such format.")
    partnership = partnership_for(request, slug)
    filters = ActionItemFilter(request.GET or None, partnership=partnership)
    if filters.is_bound and not filters.is_valid():
        raise Http404("No such filter value in this action log.")
    return downloads.table_response(
        fmt, filename_stem=f"{partnership.slug}-action-log", sheet_title="Action log",
        header=HEADER, rows=table_rows(filters.qs))


@login_required
@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Add an action to the log (managers and chairs)."""
    partnership = partnership_for(request, slug)
    if not rules.has_perm(MANAGE, request.user, partnership):
        return _forbidden(request, partnership, "You cannot add actions", MANAGERS_ONLY)
    form = ActionForm(request.POST if request.method == "POST" else None,
                      partnership=partnership)
    if request.method == "POST" and form.is_valid():
        item = attempt(form, actions.action_item_create, partnership=partnership,
                        by=request.user, **form.arguments())
        if item is not None:
            messages.success(request, f"The action for {item.owner_organisation} was added.")
            return redirect("governance:actions", slug=partnership.slug)
    return render(request, "governance/actions/new.html", {
        "partnership": partnership, "form": form, "nav_section": NAV})


# -- one action ----------------------------------------------------------------------------------


def _render_item(request: HttpRequest, partnership: Partnership, item: ActionItem, *,
                 complete: CompleteForm | None = None, drop: DropForm | None = None,
                 edit: ActionForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    is_open = item.status == ActionStatus.OPEN
    can_complete = is_open and rules.has_perm(COMPLETE, user, item)
    can_manage = is_open and rules.has_perm(MANAGE, user, item)
    if can_complete and complete is None:
        complete = CompleteForm(initial={"completed_on": clock.today()})
    if can_manage:
        drop = drop or DropForm()
        edit = edit or ActionForm(partnership=partnership, with_body=False, initial={
            "text": item.text, "owner_organisation": item.owner_organisation_id,
            "owner": item.owner_id, "due_on": item.due_on})
    return render(request, "governance/actions/detail.html", {
        "partnership": partnership, "item": item, "overdue": is_overdue(item),
        "owner_label": owner_name(item), "created_by": display_name(item.created_by),
        "complete": complete if can_complete else None,
        "drop": drop if can_manage else None, "edit": edit if can_manage else None,
        "forms": [f for f in (complete, drop, edit) if f is not None and f.is_bound],
        "nav_section": NAV}, status=status)


@login_required
@require_GET
def action_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    partnership = partnership_for(request, slug)
    return _render_item(request, partnership, _item(partnership, pk))


@login_required
@require_POST
def action_complete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Mark the action done (its owner, managers, chairs)."""
    partnership = partnership_for(request, slug)
    item = _item(partnership, pk)
    if not rules.has_perm(COMPLETE, request.user, item):
        return _forbidden(request, partnership, "You cannot mark this action done",
                          "An action is marked done by its owner (or a partnership manager of "
                          "the owning organisation), the partnership's managers and the chairs "
                          "of its boards and groups.")
    form = CompleteForm(request.POST)
    if form.is_valid() and attempt(form, actions.action_item_complete, item=item,
                                    completed_on=form.cleaned_data["completed_on"],
                                    by=request.user) is not None:
        messages.success(request, "The action is marked done.")
        return redirect("governance:actions", slug=partnership.slug)
    return _render_item(request, partnership, item, complete=form)


@login_required
@require_POST
def action_drop(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Drop the action with a reason (managers, chairs)."""
    partnership = partnership_for(request, slug)
    item = _item(partnership, pk)
    if not rules.has_perm(MANAGE, request.user, item):
        return _forbidden(request, partnership, "You cannot drop this action", MANAGERS_ONLY)
    form = DropForm(request.POST)
    if form.is_valid() and attempt(form, actions.action_item_drop, item=item,
                                    reason=form.cleaned_data["reason"],
                                    by=request.user) is not None:
        messages.success(request, "The action is dropped.")
        return redirect("governance:actions", slug=partnership.slug)
    return _render_item(request, partnership, item, drop=form)


@login_required
@require_POST
def action_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change the action's text, owner or due date (managers, chairs)."""
    partnership = partnership_for(request, slug)
    item = _item(partnership, pk)
    if not rules.has_perm(MANAGE, request.user, item):
        return _forbidden(request, partnership, "You cannot change this action", MANAGERS_ONLY)
    form = ActionForm(request.POST, partnership=partnership, with_body=False)
    if form.is_valid() and attempt(form, actions.action_item_update, item=item,
                                    by=request.user, **form.arguments()) is not None:
        messages.success(request, "The action is changed.")
        return redirect("governance:action", slug=partnership.slug, pk=item.pk)
    return _render_item(request, partnership, item, edit=form)

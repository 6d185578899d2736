"""The governance structure of a partnership and its bodies' pages:

- ``structure`` (``/partnerships/<slug>/governance/``): the bodies as a tree, each with its
  chair, current seats and recent decisions; an empty state telling a manager how to start.
- ``body_detail``: one body's seats (current and past, with dates) and all its decisions.
- ``body_add`` / ``body_edit`` / ``seat_add`` / ``seat_end`` / ``decision_add``: the forms, for
  those who hold ``governance.manage`` (the partnership's managers, its bodies' chairs, admins).
- ``terms_document``: the terms of reference file, for readers only.

As elsewhere: a partnership whose governance the user may not read is not found (404); a reader
who opens a form they may not use gets 403 with the reason. The actions
(``governance.actions.bodies``) check everything again in their transaction; a refusal is shown
next to the field it names with what was typed still there.
"""

from __future__ import annotations

import os
from typing import Any

import rules
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from core.date_input import date_field
from core.display import display_name, govuk_date
from partnerships.documents import ACCEPT, limit_label
from partnerships.models import Partnership

from .. import actions, structure
from ..choices import BodyKind
from ..models import Body, BodySeat
from .common import attempt, forbidden, partnership_for

MANAGE = "governance.manage"
NAV = "search"
REASON = ("Bodies, seats and decisions are kept up to date by the lead partner's partnership "
          "managers, the chairs of the partnership's bodies and platform admins.")


# -- forms ---------------------------------------------------------------------------------------


class ChairField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{display_name(obj)} ({obj.organisation})"


class BodyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class BodyForm(forms.Form):
    """A body's name, kind, place in the structure, chair and terms of reference."""

    name = forms.CharField(label="Name", max_length=200,
                           help_text="For example, Partnership board, or Operational working "
                                     "group",
                           error_messages={"required": "Enter the name of the body",
                                           "max_length": "The name must be 200 characters or "
                                                         "fewer"})
    kind = forms.ChoiceField(label="What kind of body is it?", widget=forms.RadioSelect,
                             choices=BodyKind.choices,
                             error_messages={"required": "Select the kind of body"})
    reports_to = BodyChoiceField(label="Who does it report to? (optional)",
                                 queryset=Body.objects.none(), required=False,
                                 empty_label="No one: it is the top of the structure",
                                 error_messages={"invalid_choice": "Choose a body of this "
                                                                   "partnership"})
    chair = ChairField(label="Chair (optional)", queryset=None, required=False,
                       empty_label="No chair yet",
                       help_text="Someone who works at a current member organisation",
                       error_messages={"invalid_choice": "Choose someone who works at a current "
                                                         "member organisation"})
    formed_on = date_field("When was it formed?", "the date the body was formed")
    terms_of_reference = forms.CharField(
        label="Terms of reference (optional)", required=False, max_length=5000,
        widget=forms.Textarea, help_text="What the body is for, how often it meets, who it "
                                         "reports to",
        error_messages={"max_length": "Terms of reference must be 5000 characters or fewer"})
    terms_document = forms.FileField(
        label="Terms of reference document (optional)", required=False,
        help_text=f"PDF, DOCX or ODT, {limit_label()} at most")
    ended_on = date_field("When did it stop meeting? (optional)",
                          "the date the body stopped meeting", required=False)

    def __init__(self, *args: Any, partnership: Partnership, body: Body | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bodies = partnership.governance_bodies.filter(ended_on__isnull=True)
        if body is not None:
            bodies = bodies.exclude(pk=body.pk)
            del self.fields["formed_on"]
        else:
            del self.fields["ended_on"]
        self.fields["reports_to"].queryset = bodies  # type: ignore[attr-defined]
        self.fields["chair"].queryset = structure.chair_choices(partnership)  # type: ignore[attr-defined]
        self.fields["terms_document"].accept = ACCEPT  # type: ignore[attr-defined]


class SeatForm(forms.Form):
    organisation: forms.ModelChoiceField = forms.ModelChoiceField(
        label="Organisation", queryset=None, empty_label="Choose an organisation",
        error_messages={"required": "Select the organisation",
                        "invalid_choice": "Select a current member organisation"})
    seat = forms.CharField(label="Seat (optional)", required=False, max_length=120,
                           help_text='For example, "Vice-chair" or "Police representative"',
                           error_messages={"max_length": "The seat must be 120 characters or "
                                                         "fewer"})
    joined_on = date_field("When did it take the seat?", "the date the seat was taken")

    def __init__(self, *args: Any, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = structure.member_organisations(partnership)  # type: ignore[attr-defined]


class SeatEndForm(forms.Form):
    left_on = date_field("When did the seat end?", "the date the seat ended")


class DecisionForm(forms.Form):
    decided_on = date_field("When was it decided?", "the date of the decision")
    text = forms.CharField(label="What was decided?", max_length=5000, widget=forms.Textarea,
                           help_text="Do not name people using services.",
                           error_messages={"required": "Say what was decided",
                                           "max_length": "The decision must be 5000 characters "
                                                         "or fewer"})


# -- helpers -------------------------------------------------------------------------------------


def _may_manage(request: HttpRequest, partnership: Partnership) -> bool:
    return bool(rules.has_perm(MANAGE, request.user, partnership))


def _body(partnership: Partnership, pk: int) -> Body:
    body = (partnership.governance_bodies.select_related("reports_to", "chair",
                                                         "chair__organisation")
            .filter(pk=pk).first())
    if body is None:
        raise Http404("No body found.")
    body.partnership = partnership  # already read: spare a query
    return body



def _structure_url(partnership: Partnership) -> str:
    return reverse("governance:structure", args=[partnership.slug])


def _body_url(body: Body) -> str:
    return reverse("governance:body", args=[body.partnership.slug, body.pk])


def _cannot(request: HttpRequest, partnership: Partnership, title: str,
            back_url: str) -> HttpResponse:
    return forbidden(request, partnership, title, REASON, back_url)


def _form_page(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    return render(request, f"governance/bodies/{template}", {"nav_section": NAV, **context})


# -- pages ---------------------------------------------------------------------------------------


@login_required
@require_GET
def structure_page(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = partnership_for(request, slug)
    nodes = structure.flatten(structure.tree(list(structure.bodies_of(partnership))))
    for node in nodes:
        node.body.recent_decisions = structure.recent_decisions(node.body)  # type: ignore[attr-defined]
    return render(request, "governance/bodies/structure.html", {
        "partnership": partnership, "nodes": nodes, "nav_section": NAV,
        "can_manage": _may_manage(request, partnership)})


@login_required
@require_GET
def body_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    partnership = partnership_for(request, slug)
    body = _body(partnership, pk)
    seats = list(body.seats.select_related("organisation")
                 .order_by("left_on", "organisation__name", "joined_on"))
    return render(request, "governance/bodies/body.html", {
        "partnership": partnership, "body": body, "nav_section": NAV,
        "current_seats": [s for s in seats if s.left_on is None],
        "past_seats": sorted((s for s in seats if s.left_on is not None),
                             key=lambda s: s.left_on, reverse=True),
        "feeders": list(body.feeders.order_by("name")),
        "decisions": list(body.decisions.select_related("recorded_by")),
        "can_manage": _may_manage(request, partnership)})


@login_required
@require_http_methods(["GET", "POST"])
def body_add(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = partnership_for(request, slug)
    if not _may_manage(request, partnership):
        return _cannot(request, partnership, "You cannot add a body",
                       _structure_url(partnership))
    form = BodyForm(request.POST or None, request.FILES or None, partnership=partnership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        body = attempt(form, actions.body_create, partnership=partnership, name=data["name"],
                        kind=data["kind"], formed_on=data["formed_on"],
                        reports_to=data["reports_to"], chair=data["chair"],
                        terms_of_reference=data["terms_of_reference"],
                        terms_document=data["terms_document"], by=request.user)
        if body is not None:
            messages.success(request, f"{body.name} added")
            return redirect(_body_url(body))
    return _form_page(request, "body_form.html", partnership=partnership, form=form,
                      title="Add a body", button="Add the body",
                      action=reverse("governance:body-add", args=[slug]),
                      back_url=_structure_url(partnership))


@login_required
@require_http_methods(["GET", "POST"])
def body_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    partnership = partnership_for(request, slug)
    body = _body(partnership, pk)
    if not _may_manage(request, partnership):
        return _cannot(request, partnership, "You cannot change this body", _body_url(body))
    initial = {"name": body.name, "kind": body.kind, "reports_to": body.reports_to,
               "chair": body.chair, "terms_of_reference": body.terms_of_reference,
               "ended_on": body.ended_on}
    form = BodyForm(request.POST or None, request.FILES or None, initial=initial,
                    partnership=partnership, body=body)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {name: data[name] for name in ("name", "kind", "reports_to", "chair",
                                                 "terms_of_reference", "terms_document",
                                                 "ended_on")}
        if attempt(form, actions.body_update, body=body, by=request.user, **changes):
            messages.success(request, f"{body.name} updated")
            return redirect(_body_url(body))
    return _form_page(request, "body_form.html", partnership=partnership, form=form, body=body,
                      title=f"Change {body.name}", button="Save the changes",
                      action=reverse("governance:body-edit", args=[slug, body.pk]),
                      back_url=_body_url(body))


@login_required
@require_http_methods(["GET", "POST"])
def seat_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    partnership = partnership_for(request, slug)
    body = _body(partnership, pk)
    if not _may_manage(request, partnership):
        return _cannot(request, partnership, "You cannot add a seat", _body_url(body))
    form = SeatForm(request.POST or None, partnership=partnership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        seat = attempt(form, actions.seat_add, body=body, organisation=data["organisation"],
                        seat=data["seat"], joined_on=data["joined_on"], by=request.user)
        if seat is not None:
            messages.success(request, f"{seat.organisation} now has a seat on {body.name}")
            return redirect(_body_url(body) + "#seats")
    return _form_page(request, "seat_add.html", partnership=partnership, body=body, form=form,
                      back_url=_body_url(body))


@login_required
@require_http_methods(["GET", "POST"])
def seat_end(request: HttpRequest, slug: str, pk: int, seat_pk: int) -> HttpResponse:
    partnership = partnership_for(request, slug)
    body = _body(partnership, pk)
    seat = (BodySeat.objects.filter(body=body, pk=seat_pk, left_on__isnull=True)
            .select_related("organisation").first())
    if seat is None:
        raise Http404("No current seat found.")
    if not _may_manage(request, partnership):
        return _cannot(request, partnership, "You cannot end this seat", _body_url(body))
    seat.body = body
    form = SeatEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and attempt(
            form, actions.seat_end, seat=seat, left_on=form.cleaned_data["left_on"],
            by=request.user):
        messages.success(request, f"{seat.organisation}'s seat on {body.name} ended on "
                                  f"{govuk_date(seat.left_on)}")
        return redirect(_body_url(body) + "#seats")
    return _form_page(request, "seat_end.html", partnership=partnership, body=body, seat=seat,
                      form=form, back_url=_body_url(body))


@login_required
@require_http_methods(["GET", "POST"])
def decision_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    partnership = partnership_for(request, slug)
    body = _body(partnership, pk)
    if not _may_manage(request, partnership):
        return _cannot(request, partnership, "You cannot record decisions", _body_url(body))
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if attempt(form, actions.decision_record, body=body, decided_on=data["decided_on"],
                    text=data["text"], by=request.user):
            messages.success(request, f"Decision of {body.name} recorded")
            return redirect(_body_url(body) + "#decisions")
    return _form_page(request, "decision_add.html", partnership=partnership, body=body,
                      form=form, back_url=_body_url(body))


@login_required
@require_GET
def terms_document(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """The body's terms of reference file, behind sign-in and the readers' rule (uploads are
    never served from an open media address)."""
    body = _body(partnership_for(request, slug), pk)
    if not body.terms_document:
        raise Http404("This body has no terms of reference document.")
    try:
        handle = body.terms_document.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The document file is missing.") from exc
    return FileResponse(handle, as_attachment=True,
                        filename=os.path.basename(str(body.terms_document.name)))

"""What the casework actions tell people as it happens (issue 15): a referral received, accepted,
declined or withdrawn; a case's lead agency handed over; end-of-order notices issued; case
conferences planned, moved or cancelled. Private to ``referrals.actions``: each action calls one
of these inside its own transaction, after its change, so a refused change tells nobody and the
emails go out only after commit (``notifications.events.notify``).

Who hears: the caseworkers (``accounts.recipients.caseworkers_of``, the function the conference
reminders use) of the organisations the event concerns, found by the need-to-know rule of
``involved_organisations`` (the current lead agency and both parties of each open referral,
as ``Case.objects.involving`` says in SQL). Never the person who acted.

Each event's ``occurrence`` names the event itself (the referral and what happened to it, the
lead agency row that began, the case whose order ended, the first conference a re-plan touched),
so a retried action or a form sent twice tells each person once.

Subjects and bodies carry case and referral references, organisation and service names and
dates only: never the person's initials, year of birth or identifiers, nor the free text of a
referral (its reason, or why it was declined or withdrawn), which the page shows to those
allowed to read it. Each costs a fixed number of queries, whatever the number of recipients.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from accounts.recipients import caseworkers_of
from core.display import govuk_date
from notifications.events import notify

from ..models import CaseConference, Referral
from . import notices  # a module, not its names: notices calls back here (end of order)


def _people(staff: dict[int, list[Any]], organisation_ids: Iterable[int]) -> list[Any]:
    """The users of ``staff`` (``caseworkers_of``) in ``organisation_ids``, in a stable
    order."""
    return [user for organisation_id in sorted(organisation_ids)
            for user in staff.get(organisation_id, [])]


def _staff(organisation_ids: Iterable[int]) -> list[Any]:
    """The caseworkers of ``organisation_ids``, in a stable order (one query)."""
    found = caseworkers_of(organisation_ids)
    return _people(found, found)


def _case_url(case: Any) -> str:
    return reverse("referrals:case", args=[case.reference])


def _referral_url(referral: Referral) -> str:
    return reverse("referrals:referral", args=[referral.reference])


def _by_access(*, kind: str, occurrence: str, organisation_ids: Iterable[int], case: Any,
               url: str, fallback: str, subject: str, body: str, obj: Any,
               actor: Any) -> list[int]:
    """Notify the caseworkers of ``organisation_ids``: those whose organisation is still
    involved in ``case`` get ``url`` (a casework page only the involved may open); the others
    ``fallback`` (a list of their own), so no link leads to a "not found" page."""
    wanted = set(organisation_ids)
    if not wanted:
        return []
    involved = set(notices.involved_organisations(case)) & wanted
    staff = caseworkers_of(wanted)
    made: list[int] = []
    for link, ids in ((url, involved), (fallback, wanted - involved)):
        people = _people(staff, ids)
        if people:
            made += notify(kind=kind, occurrence=occurrence, recipients=people, subject=subject,
                           body=body, url=link, obj=obj, actor=actor)
    return made


# -- referrals ------------------------------------------------------------------------------------


def referral_received(referral: Referral, by: Any) -> list[int]:
    """To the receiving organisation's caseworkers: a referral waits for their answer."""
    case = referral.case
    due = govuk_date(referral.response_due_on)
    return notify(
        kind="referral_received", occurrence=f"referral-{referral.pk}",
        recipients=_staff([referral.to_organisation_id]),
        subject=f"Referral {referral.reference} received: case {case.reference}",
        body=(f"{referral.from_organisation} referred case {case.reference} to "
              f"{referral.to_service.name} (referral {referral.reference}). Please accept or "
              f"decline it by {due} from the referral page."),
        url=_referral_url(referral), obj=referral, actor=by)


def referral_accepted(referral: Referral, by: Any) -> list[int]:
    """To the referring organisation's caseworkers: their referral was taken on."""
    case = referral.case
    return _by_access(
        kind="referral_accepted", occurrence=f"referral-{referral.pk}:accepted",
        organisation_ids=[referral.from_organisation_id], case=case,
        url=_referral_url(referral), fallback=reverse("referrals:sent"),
        subject=f"Referral {referral.reference} accepted: case {case.reference}",
        body=(f"{referral.to_organisation} accepted referral {referral.reference} of case "
              f"{case.reference} to {referral.to_service.name}."),
        obj=referral, actor=by)


def referral_declined(referral: Referral, by: Any) -> list[int]:
    """To the referring organisation's caseworkers. The reason is free text that may hold
    personal data, so it stays on the referral page and is not copied here."""
    case = referral.case
    return _by_access(
        kind="referral_declined", occurrence=f"referral-{referral.pk}:declined",
        organisation_ids=[referral.from_organisation_id], case=case,
        url=_referral_url(referral), fallback=reverse("referrals:sent"),
        subject=f"Referral {referral.reference} declined: case {case.reference}",
        body=(f"{referral.to_organisation} declined referral {referral.reference} of case "
              f"{case.reference} to {referral.to_service.name}; the reason is on the referral "
              "page."),
        obj=referral, actor=by)


def referral_withdrawn(referral: Referral, by: Any, *, case_closed: bool = False) -> list[int]:
    """To the receiving organisation's caseworkers: they need not answer or go on working it.
    Why it was withdrawn is free text and stays on the referral page."""
    case = referral.case
    why = (f"because case {case.reference} was closed" if case_closed
           else "; the reason is on the referral page")
    return _by_access(
        kind="referral_withdrawn", occurrence=f"referral-{referral.pk}:withdrawn",
        organisation_ids=[referral.to_organisation_id], case=case,
        url=_referral_url(referral), fallback=reverse("referrals:inbox"),
        subject=f"Referral {referral.reference} withdrawn: case {case.reference}",
        body=(f"{referral.from_organisation} withdrew referral {referral.reference} of case "
              f"{case.reference} to {referral.to_service.name}"
              f"{' ' if case_closed else ''}{why}."),
        obj=referral, actor=by)


# -- cases ----------------------------------------------------------------------------------------


def lead_changed(case: Any, lead: Any, previous: Any, by: Any) -> list[int]:
    """To the caseworkers of the new and the old lead agency. The old one keeps a link to the
    case only while it is still involved (an open referral); otherwise to its caseload."""
    when = govuk_date(lead.starts_on)
    before = f"from {previous.organisation} " if previous is not None else ""
    ids = [lead.organisation_id] + ([previous.organisation_id] if previous is not None else [])
    return _by_access(
        kind="case_lead_changed", occurrence=f"case-{case.pk}:lead-{lead.pk}",
        organisation_ids=ids, case=case, url=_case_url(case),
        fallback=reverse("referrals:caseload"),
        subject=f"Lead agency of case {case.reference} handed over to {lead.organisation}",
        body=(f"The lead of case {case.reference} passed {before}to {lead.organisation} on "
              f"{when}."),
        obj=case, actor=by)


def end_of_order(case: Any, organisation_ids: Iterable[int], responsible: Any,
                 on: datetime.date, by: Any) -> list[int]:
    """To the caseworkers of each agency sent an end-of-order notice now: the order ended,
    treatment continues, who is responsible and who leads from now on, and the open referrals
    that go on (services and organisations; nothing about the person)."""
    ids = set(organisation_ids)
    if not ids:
        return []
    lead = case.lead_agencies.current(on).select_related("organisation").first()
    continuing = [f"referral {r.reference} to {r.to_service.name} ({r.to_organisation})"
                  for r in case.referrals.open().select_related("to_service", "to_organisation")
                  .order_by("created_on", "pk")]
    leads = (f" {lead.organisation} is its lead agency." if lead is not None else "")
    goes_on = (f" Continuing: {'; '.join(continuing)}." if continuing else "")
    return notify(
        kind="end_of_order_notice", occurrence=f"case-{case.pk}:end-of-order",
        recipients=_staff(ids),
        subject=f"End of order: case {case.reference}, {responsible} now responsible",
        body=(f"The order on case {case.reference} ended on {govuk_date(case.order_ends_on)} "
              f"and treatment continues. From now on {responsible} is responsible for the "
              f"case.{leads}{goes_on} Please acknowledge the end-of-order notice sent to your "
              "organisation."),
        url=reverse("referrals:notices"), obj=case, actor=by)


# -- conferences ----------------------------------------------------------------------------------


def _line(conference: CaseConference) -> str:
    return f"{conference.get_kind_display()} on {govuk_date(conference.planned_on)}"


def _pair_moves(created: list[CaseConference], cancelled: list[CaseConference],
                ) -> tuple[list[tuple[CaseConference, CaseConference]], list[CaseConference],
                           list[CaseConference]]:
    """A re-plan cancels and creates rows; one of a kind cancelled and one of the same kind
    created is that conference moving to another date (matched in date order). Returns the
    moves (old, new) and what is left: the newly planned and the cancelled."""
    moves: list[tuple[CaseConference, CaseConference]] = []
    planned, dropped = [], []
    kinds = {c.kind for c in created} | {c.kind for c in cancelled}
    for kind in sorted(kinds):
        new = sorted((c for c in created if c.kind == kind), key=lambda c: (c.planned_on, c.pk))
        old = sorted((c for c in cancelled if c.kind == kind),
                     key=lambda c: (c.planned_on, c.pk))
        moves += list(zip(old, new, strict=False))
        planned += new[len(old):]
        dropped += old[len(new):]
    return moves, planned, dropped


def conferences_changed(case: Any, created: list[CaseConference],
                        cancelled: list[CaseConference], by: Any, *, why: str = "",
                        organisation_ids: Iterable[int] | None = None) -> list[int]:
    """To the caseworkers of every organisation involved in the case (those the conference
    reminders tell): one notification each for the conferences planned, moved and cancelled by
    one change of the case, listing them, so a re-plan that touches many joint meetings is one
    message of each kind rather than one per meeting. ``organisation_ids``: those involved
    before the change, when it ends their involvement (a case closing): those no longer
    involved are linked to their caseload, as the case page is no longer theirs to open."""
    moves, planned, dropped = _pair_moves(created, cancelled)
    if not (moves or planned or dropped):
        return []
    involved = set(notices.involved_organisations(case))
    wanted = involved if organisation_ids is None else set(organisation_ids)
    staff = caseworkers_of(wanted)
    groups = [(_case_url(case), _people(staff, wanted & involved)),
              (reverse("referrals:caseload"), _people(staff, wanted - involved))]
    ref = case.reference
    made: list[int] = []

    def send(kind: str, first: CaseConference, event: str, lines: list[str],
             one: str, many: str, lead_in: str) -> None:
        subject = (f"{one}: case {ref}, {govuk_date(first.planned_on)}" if len(lines) == 1
                   else f"{len(lines)} {many}: case {ref}")
        body = (f"{lead_in} for case {ref}{why}: " + "; ".join(lines) + ". You are told as a "
                "caseworker of an organisation involved in the case; the case page has the "
                "schedule.")
        for url, people in groups:
            if people:
                made.extend(notify(kind=kind, occurrence=f"conference-{first.pk}:{event}",
                                   recipients=people, subject=subject, body=body, url=url,
                                   obj=first, actor=by))

    if planned:
        planned.sort(key=lambda c: (c.planned_on, c.pk))
        send("conference_scheduled", planned[0], "scheduled", [_line(c) for c in planned],
             "Case conference planned", "case conferences planned", "Planned")
    if moves:
        moves.sort(key=lambda pair: (pair[1].planned_on, pair[1].pk))
        lines = [f"{new.get_kind_display()} on {govuk_date(new.planned_on)} (was "
                 f"{govuk_date(old.planned_on)})" for old, new in moves]
        first_old, first_new = moves[0]
        send("conference_moved", first_new, f"moved-from-{first_old.pk}", lines,
             "Case conference moved", "case conferences moved", "Moved")
    if dropped:
        dropped.sort(key=lambda c: (c.planned_on, c.pk))
        send("conference_cancelled", dropped[0], "cancelled", [_line(c) for c in dropped],
             "Case conference cancelled", "case conferences cancelled", "Cancelled")
    return made


def _when(day: datetime.date | None, time: datetime.time | None) -> str:
    """"5 March 2027" or "5 March 2027 at 10:30"."""
    return govuk_date(day) + (f" at {time:%H:%M}" if time is not None else "")


def _involved_staff(case: Any) -> list[Any]:
    """The caseworkers of every organisation involved in the case now (two queries)."""
    return _staff(notices.involved_organisations(case))


def conference_moved(case: Any, conference: CaseConference, entry: Any, by: Any) -> list[int]:
    """To the caseworkers of the organisations involved: a person moved a conference. The
    reason is free text and stays on the case page."""
    before = _when(entry.from_date, entry.from_time)
    after = _when(entry.to_date, entry.to_time)
    return notify(
        kind="conference_moved", occurrence=f"conference-{conference.pk}:move-{entry.pk}",
        recipients=_involved_staff(case),
        subject=f"Case conference moved: case {case.reference}, {govuk_date(entry.to_date)}",
        body=(f"The {conference.get_kind_display().lower()} for case {case.reference} moved "
              f"from {before} to {after}. The reason is on the case page. You are told as a "
              "caseworker of an organisation involved in the case."),
        url=_case_url(case), obj=conference, actor=by)


def conference_called_off(case: Any, conference: CaseConference, entry: Any,
                          by: Any) -> list[int]:
    """To the caseworkers of the organisations involved: a person cancelled a conference. The
    reason is free text and stays on the case page."""
    return notify(
        kind="conference_cancelled", occurrence=f"conference-{conference.pk}:called-off",
        recipients=_involved_staff(case),
        subject=(f"Case conference cancelled: case {case.reference}, "
                 f"{govuk_date(entry.from_date)}"),
        body=(f"The {conference.get_kind_display().lower()} for case {case.reference} planned "
              f"for {_when(entry.from_date, entry.from_time)} was cancelled. The reason is on "
              "the case page. You are told as a caseworker of an organisation involved in the "
              "case."),
        url=_case_url(case), obj=conference, actor=by)

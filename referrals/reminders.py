"""Reminders about case conferences: coming up soon, to the caseworkers of every organisation
involved in the case; and planned but not recorded a few days after its date, to the caseworkers
of the case's lead agency (who records it).

``sweep`` runs daily (Celery beat, ``referrals.remind_conferences``). It starts from one range
query on the ``conference_due`` index (status, planned_on) covering only the days that can call
for a reminder today, so its cost grows with what is due, not with the conferences stored; the
cases, lead agencies, open referrals and caseworkers of the due ones are then read with a fixed
number of queries, however many are due. Each reminder goes through
``notifications.sweeps.reminders_send`` with a key naming the kind, the conference, its planned
date and the recipient: a sweep run twice tells each person once, and a conference moved to a new
date reminds again for that date.

Closed cases (anonymised ones included) are skipped: nobody works them any more, and the
reminder must not point at a case whose details are gone. Messages name the case by its
reference and the conference by its kind and date, never anything about the person.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.urls import reverse

from accounts.recipients import caseworkers_of
from core import clock
from core.display import govuk_date
from notifications.sweeps import (
    Reminder,
    catch_up_days,
    days_until,
    plural,
    reminders_send,
)

from .choices import CaseStatus, ConferenceStatus
from .models import CaseConference, LeadAgency, Referral

DUE_SOON = "conference_due_soon"
UNRECORDED = "conference_unrecorded"
KINDS = (DUE_SOON, UNRECORDED)


def lead_days() -> int:
    """Days ahead of a conference its organisations are reminded (the day itself included)."""
    return int(getattr(settings, "CONFERENCE_REMINDER_LEAD_DAYS", 3))


def unrecorded_after_days() -> int:
    """Days after its date a conference still planned is flagged to the lead agency: time to
    record it first, so only the forgotten ones are flagged."""
    return int(getattr(settings, "CONFERENCE_UNRECORDED_AFTER_DAYS", 2))


@dataclass(frozen=True)
class DueConference:
    """A planned conference of an open case calling for reminders today.

    ``lead_ids``: the case's current lead agency (normally one organisation); ``involved_ids``:
    it and both parties of each open referral of the case (``Case.objects.involving``, for
    many cases at once). ``involved_ids`` is only filled in when a due-soon reminder is due."""

    conference: CaseConference
    kinds: tuple[str, ...]
    lead_ids: frozenset[int]
    involved_ids: frozenset[int]

    def organisations(self, kind: str) -> frozenset[int]:
        """The organisations whose caseworkers hear of this ``kind``."""
        return self.involved_ids if kind == DUE_SOON else self.lead_ids


def _window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The planned dates that can call for a reminder on ``today``: up to the lead time ahead,
    and back to the last day of the catch-up window after the unrecorded threshold. Older
    unrecorded conferences are left alone, so a first run (or one after a long outage) does not
    flood people with reminders about meetings months ago."""
    oldest = today - datetime.timedelta(days=unrecorded_after_days() + catch_up_days())
    return oldest, today + datetime.timedelta(days=lead_days())


def _kinds(planned_on: datetime.date, today: datetime.date) -> tuple[str, ...]:
    kinds = []
    if today <= planned_on <= today + datetime.timedelta(days=lead_days()):
        kinds.append(DUE_SOON)
    if planned_on <= today - datetime.timedelta(days=unrecorded_after_days()):
        kinds.append(UNRECORDED)
    return tuple(kinds)


def due_conferences(today: datetime.date) -> list[DueConference]:
    """The planned conferences of open cases that call for a reminder on ``today``, with the
    organisations to tell. Three queries, whatever the number due: the indexed range query
    (joined to the case, to skip closed ones), the current lead agencies of their cases, and
    the open referrals of the cases with a conference coming up."""
    oldest, latest = _window(today)
    conferences = [
        c for c in CaseConference.objects
        .filter(status=ConferenceStatus.PLANNED, planned_on__gte=oldest, planned_on__lte=latest)
        .filter(case__status=CaseStatus.OPEN)
        .select_related("case")
        if _kinds(c.planned_on, today)]
    if not conferences:
        return []
    leads: dict[int, set[int]] = defaultdict(set)
    for case_id, organisation_id in (
            LeadAgency.objects.current(today)
            .filter(case_id__in={c.case_id for c in conferences})
            .values_list("case_id", "organisation_id")):
        leads[case_id].add(organisation_id)
    parties: dict[int, set[int]] = defaultdict(set)
    coming = {c.case_id for c in conferences if DUE_SOON in _kinds(c.planned_on, today)}
    if coming:
        for case_id, sender, receiver in (
                Referral.objects.open().filter(case_id__in=coming)
                .values_list("case_id", "from_organisation_id", "to_organisation_id")):
            parties[case_id].update((sender, receiver))
    due = []
    for c in conferences:
        kinds = _kinds(c.planned_on, today)
        lead_ids = frozenset(leads.get(c.case_id, ()))
        involved = lead_ids | parties.get(c.case_id, set()) if DUE_SOON in kinds else frozenset()
        due.append(DueConference(c, kinds, lead_ids, frozenset(involved)))
    return due


def occurrence_key(kind: str, conference: CaseConference) -> str:
    """``<kind>:<conference>:<planned date>``; ``sweeps.reminders_send`` appends the recipient.
    The date is in the key so a conference moved to another day is reminded about again."""
    return f"{kind}:{conference.pk}:{conference.planned_on.isoformat()}"


def _message(kind: str, d: DueConference, today: datetime.date) -> tuple[str, str, str]:
    """Subject, body and link (the case page, where conferences are planned and recorded):
    the case reference, the conference's kind and date; nothing about the person."""
    conference = d.conference
    case, when = conference.case.reference, govuk_date(conference.planned_on)
    what = conference.get_kind_display()
    url = reverse("referrals:case", args=[case])
    if kind == DUE_SOON:
        soon = days_until(conference.planned_on, today)
        subject = f"Case conference {soon}: {case}, {when}"
        body = (f"{what} for case {case} is planned for {when}. You are told as a caseworker "
                f"of an organisation involved in the case; the case page has the details.")
        return subject, body, url
    late = (today - conference.planned_on).days
    subject = f"Case conference not recorded: {case}, {when}"
    body = (f"{what} for case {case} was planned for {when} ({plural(late, 'day')} ago) and "
            f"has not been recorded. You are told as a caseworker of the case's lead agency: "
            f"record it as held or missed, or plan it again, from the case page.")
    return subject, body, url


def sweep(today: datetime.date | None = None) -> dict[str, int]:
    """Send the conference reminders due on ``today`` (UK date; default: today) that were not
    sent yet. Returns how many notifications of each kind were created now."""
    today = today or clock.today()
    due = due_conferences(today)
    staff = caseworkers_of({org for d in due for org in d.lead_ids | d.involved_ids})
    return reminders_send((Reminder(kind=kind, key=occurrence_key(kind, d.conference),
                                    users=[user for org in sorted(d.organisations(kind))
                                           for user in staff.get(org, [])],
                                    message=partial(_message, kind, d, today), obj=d.conference)
                           for d in due for kind in d.kinds),
                          kinds=KINDS, what="Case conference", today=today)

"""Reminders about case conferences: coming up soon, to the caseworkers of every organisation
involved in the case; and planned but not recorded a few days after its date, to the caseworkers
of the case's lead agency (who records it).

``sweep`` runs daily (Celery beat, ``referrals.remind_conferences``) as ONE statement
(``notifications.actions.notification_insert_from``): an ``INSERT … SELECT … ON CONFLICT (key) DO
NOTHING`` whose SELECT (``reminder_rows``) starts from the range of the ``conference_due`` index
(status, planned_on) covering only the days that can call for a reminder today, joined to the
open cases, current lead agencies, open referrals and the active caseworkers of those
organisations (``accounts.recipients.caseworkers``), with every text made in SQL from the words
``message_texts`` writes. Its cost grows with what is due, not with the conferences stored, and
no row passes through Python. Each notification's key names the kind, the conference, its
planned date and the recipient: a sweep run twice, or two at once, tells each person once, and a
conference moved to a new date reminds again for that date. ``due_conferences`` reads the same
in Python (for pages and checks).

Closed cases (anonymised ones included) are skipped: nobody works them any more, and the
reminder must not point at a case whose details are gone. Messages name the case by its
reference and the conference by its kind and date, never anything about the person.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.urls import reverse

from accounts.recipients import caseworkers
from core import clock
from core.display import govuk_date
from notifications.actions import INSERT_COLUMNS, notification_insert_from
from notifications.sweeps import (
    Choose,
    catch_up_days,
    days_until,
    plural,
    sweep_report,
    text_by_day,
    text_in_sql,
)

from .choices import CaseStatus, ConferenceKind, ConferenceStatus, ReferralStatus
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
    """``<kind>:<conference>:<planned date>``; the recipient's id is appended. The date is in
    the key so a conference moved to another day is reminded about again."""
    return f"{kind}:{conference.pk}:{conference.planned_on.isoformat()}"


def message_texts(kind: str, *, reference: str, what: str, when: str, soon: str,
                  ago: str) -> tuple[str, str, str]:
    """Subject, body and link (the case page, where conferences are planned and recorded):
    the case reference, the conference's kind (``what``) and date (``when``: ``2 April 2025``;
    ``soon``: ``in 2 days``; ``ago``: ``3 days``); nothing about the person. The sweep calls it
    with placeholders, filled in by the database row by row."""
    case = reference
    url = reverse("referrals:case", args=[case])
    if kind == DUE_SOON:
        subject = f"Case conference {soon}: {case}, {when}"
        body = (f"{what} for case {case} is planned for {when}. You are told as a caseworker "
                f"of an organisation involved in the case; the case page has the details.")
        return subject, body, url
    subject = f"Case conference not recorded: {case}, {when}"
    body = (f"{what} for case {case} was planned for {when} ({ago} ago) and "
            f"has not been recorded. You are told as a caseworker of the case's lead agency: "
            f"record it as held or missed, or plan it again, from the case page.")
    return subject, body, url


# Placeholders for what the database fills in row by row (URL-safe: the link is reversed).
_REFERENCE, _WHAT, _WHEN, _SOON, _AGO = "_REFERENCE_", "_WHAT_", "_WHEN_", "_SOON_", "_AGO_"
_CONFERENCE, _DAY, _USER = "_CONFERENCE_", "_DAY_", "_USER_"


def _rows_via(path: str, kind: str, days: tuple[datetime.date, datetime.date],
              today: datetime.date, *conditions: Q) -> QuerySet[Any]:
    """One row per (planned conference of an open case in ``days``, active caseworker of an
    organisation reached from the user through ``path``), with every column of its
    notification. All conditions are in one ``filter`` so each relation is joined once."""
    conference = f"{path}case__conferences__"
    planned = f"{conference}planned_on"
    first, last = days
    dates = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    fills = {
        _CONFERENCE: Cast(F("conference_id"), CharField()), _USER: Cast(F("id"), CharField()),
        _REFERENCE: F("reference"),
        _WHAT: Choose(F("conference_kind"), dict(ConferenceKind.choices)),
        _DAY: text_by_day("planned", {day: day.isoformat() for day in dates}),
        _WHEN: text_by_day("planned", {day: govuk_date(day) for day in dates})}
    if kind == DUE_SOON:
        fills[_SOON] = text_by_day("planned", {day: days_until(day, today) for day in dates})
    else:
        fills[_AGO] = text_by_day("planned", {day: plural((today - day).days, "day")
                                              for day in dates})
    subject, body, url = message_texts(kind, reference=_REFERENCE, what=_WHAT, when=_WHEN,
                                       soon=_SOON, ago=_AGO)
    return (caseworkers()
            .filter(*conditions, **{f"{path}case__status": CaseStatus.OPEN,
                                    f"{conference}status": ConferenceStatus.PLANNED,
                                    f"{planned}__gte": first, f"{planned}__lte": last})
            # Named once (the joins of the filter above), so the CASEs below add no joins.
            .alias(planned=F(planned), conference_id=F(f"{conference}id"),
                   conference_kind=F(f"{conference}kind"), reference=F(f"{path}case__reference"))
            .annotate(
                kind=Value(kind, output_field=CharField()),
                key=text_in_sql(f"{kind}:{_CONFERENCE}:{_DAY}:{_USER}", fills),
                recipient_id=F("id"),
                subject=text_in_sql(subject, fills),
                body=text_in_sql(body, fills),
                url=text_in_sql(url, fills),
                content_type_id=Value(ContentType.objects.get_for_model(CaseConference).pk),
                object_id=fills[_CONFERENCE])
            .values(*INSERT_COLUMNS))


def reminder_rows(today: datetime.date) -> QuerySet[Any] | None:
    """Every conference reminder due on ``today`` as rows of notifications, in one SELECT:
    due soon to the caseworkers of the current lead agency and of both parties of each open
    referral, unrecorded to the lead agency's caseworkers. Conferences are read by the
    ``conference_due`` index range (status, planned_on), so the cost follows what is due, not
    what is stored. A person reached twice (lead agency and a referral's party) is one key,
    written once. None when no day can call for a reminder (settings)."""
    oldest, latest = _window(today)
    soon = (today, latest)
    late = (oldest, today - datetime.timedelta(days=unrecorded_after_days()))
    lead = "organisation__lead_cases__"
    in_force = Q(**{f"{lead}starts_on__lte": today}) & (
        Q(**{f"{lead}ends_on__isnull": True}) | Q(**{f"{lead}ends_on__gt": today}))
    members = [_rows_via(lead, kind, days, today, in_force)
               for kind, days in ((DUE_SOON, soon), (UNRECORDED, late)) if days[0] <= days[1]]
    if soon[0] <= soon[1]:
        members += [_rows_via(party, DUE_SOON, soon, today,
                              Q(**{f"{party}status__in": ReferralStatus.open()}))
                    for party in ("organisation__referrals_sent__",
                                  "organisation__referrals_received__")]
    if not members:
        return None
    first, *others = members
    return first.union(*others, all=True) if others else first


def sweep(today: datetime.date | None = None) -> dict[str, int]:
    """Send the conference reminders due on ``today`` (UK date; default: today) that were not
    sent yet: one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` (see ``reminder_rows``), so a
    sweep run twice, or two at once, tells each person once. Returns how many notifications of
    each kind were created now."""
    today = today or clock.today()
    rows = reminder_rows(today)
    created = notification_insert_from(rows) if rows is not None else {}
    return sweep_report(created, kinds=KINDS, what="Case conference", today=today)

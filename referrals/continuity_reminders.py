"""Reminders after a release from custody with no first community appointment recorded (issue
18): on day 7 and day 14 after release to the caseworkers of the case's current lead agency
(after release normally the community provider, who records the appointment), and on day 21,
when the continuity-of-care period is over, to the partnership managers of the prison that
released the person (its caseworkers when it has none), so the prison team learns which of its
releases did not reach treatment while something can still be done.

``sweep`` runs daily (Celery beat, ``referrals.remind_continuity``) as ONE statement, as the
conference sweep does (``referrals.reminders``, ADR 0023): ``notifications.actions.
notification_insert_from`` with a SELECT (``reminder_rows``, a ``UNION ALL`` of one branch per
day) that starts from the active caseworkers and reaches, through their organisation, the
released episodes in the ``custody_released_on`` index range of that day's window, with every
text made in SQL from the words ``message_texts`` writes. Each key names the kind, the episode
and the recipient (``continuity_day7:<episode>:<user>``): a sweep run twice, or two at once,
tells each person once.

Catch-up: each reminder is due from its day until the day before the next one (days 7-13,
14-20, 21-27), so a sweep that did not run on the day itself (beat down, deploy) still sends it
once, and one that missed a whole week sends only the reminder of the week it is in. Nothing is
sent once the first appointment is recorded (attended or did not attend), once the case is
closed (anonymised cases included), or for a release without a treatment need: only those are
expected at community treatment, and only those count towards continuity of care
(``referrals.continuity``). Messages name the case by its reference and the release by its
date, never anything about the person.

Each reminder links to the case page, where the first appointment is recorded. By day 21 the
prison team's need-to-know access to the case has usually ended (the partnership's handover
period, 14 days by default: ``CustodyEpisode.access_ends_on``), so once it has, the day-21
reminder links instead to the partnership's continuity-of-care report for that prison, where
the release counts: a link to a case the reader may no longer open would only meet a 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.functions import Cast
from django.urls import reverse

from accounts.recipients import caseworkers, managers_else_caseworkers
from core import clock
from core.display import govuk_date
from notifications.actions import INSERT_COLUMNS, notification_insert_from
from notifications.sweeps import plural, sweep_report, text_by_day, text_in_sql

from .choices import CaseStatus
from .continuity import CONTINUITY_DAYS
from .models import CustodyEpisode

DAY_7 = "continuity_day7"
DAY_14 = "continuity_day14"
DAY_21 = "continuity_day21"
KINDS = (DAY_7, DAY_14, DAY_21)

#: The day after release on which each reminder falls due.
REMINDER_DAYS = {DAY_7: 7, DAY_14: 14, DAY_21: CONTINUITY_DAYS}

#: Days each reminder stays due (its day included): a week, up to the day before the next one,
#: so a missed run is caught up without two reminders of one release going out together.
DUE_FOR_DAYS = 7


def released_window(kind: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The release dates for which ``kind`` is due on ``today`` (first, last; inclusive): day
    7 to day 13 after release for the day-7 reminder, and so on."""
    day = REMINDER_DAYS[kind]
    return (today - datetime.timedelta(days=day + DUE_FOR_DAYS - 1),
            today - datetime.timedelta(days=day))


def message_texts(kind: str, *, reference: str, released: str, ago: str,
                  deadline: str) -> tuple[str, str, str]:
    """Subject, body and link (the case page, where the first appointment is recorded): the
    case reference and dates only (``released``: ``3 March 2027``; ``ago``: ``9 days``;
    ``deadline``: the 21st day after release), nothing about the person. The sweep calls it
    with placeholders, filled in by the database row by row."""
    case = reference
    url = reverse("referrals:case", args=[case])
    subject = (f"Case {case}: released {released}, no first community appointment recorded "
               f"after {REMINDER_DAYS[kind]} days")
    what = (f"The person on case {case} was released from custody on {released}, {ago} ago, "
            f"and no first community appointment has been recorded.")
    if kind == DAY_21:
        body = (f"{what} You are told as a partnership manager of the prison that released "
                f"them (or as one of its caseworkers, when it has no partnership manager). "
                f"Unless an appointment attended by {deadline} is recorded (by the case's lead "
                f"agency, on the case page), the release counts as not engaged in community "
                f"treatment within {CONTINUITY_DAYS} days.")
    else:
        body = (f"{what} You are told as a caseworker of the case's lead agency: record the "
                f"first appointment as attended, or as not attended, on the case page. An "
                f"appointment attended by {deadline} counts as engagement within "
                f"{CONTINUITY_DAYS} days of release.")
    return subject, body, url


def report_url(*, partnership: str, prison: str) -> str:
    """The partnership's continuity-of-care report for one prison (slugs): where the day-21
    reminder leads once the prison team's access to the case has ended."""
    return f"{reverse('referrals:continuity', args=[partnership])}?prison={prison}"


# Placeholders for what the database fills in row by row (URL-safe: the link is reversed).
_REFERENCE, _RELEASED, _AGO, _DEADLINE = "_REFERENCE_", "_RELEASED_", "_AGO_", "_DEADLINE_"
_EPISODE, _USER, _PARTNERSHIP, _PRISON = "_EPISODE_", "_USER_", "_PARTNERSHIP_", "_PRISON_"


def _rows(kind: str, today: datetime.date, recipients: QuerySet[Any], *, case: str,
          episode: str, conditions: Q | None = None) -> QuerySet[Any]:
    """One row per (release of ``kind``'s window with nothing recorded since, on an open case;
    person of ``recipients`` reached from the user through the paths ``case`` and ``episode``),
    with every column of its notification. All conditions are in one ``filter`` so each
    relation is joined once."""
    first, last = released_window(kind, today)
    dates = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    fills = {
        _EPISODE: Cast(F("episode_id"), CharField()), _USER: Cast(F("id"), CharField()),
        _REFERENCE: F("reference"), _PARTNERSHIP: F("partnership_slug"),
        _PRISON: F("prison_slug"),
        _RELEASED: text_by_day("released", {day: govuk_date(day) for day in dates}),
        _AGO: text_by_day("released", {day: plural((today - day).days, "day") for day in dates}),
        _DEADLINE: text_by_day("released", {
            day: govuk_date(day + datetime.timedelta(days=CONTINUITY_DAYS)) for day in dates})}
    subject, body, url = message_texts(kind, reference=_REFERENCE, released=_RELEASED, ago=_AGO,
                                       deadline=_DEADLINE)
    link = text_in_sql(url, fills)
    extra: dict[str, Any] = {}
    if kind == DAY_21:  # the case page only while the prison team may still open it
        # In this branch the recipient's organisation is the releasing prison.
        extra = {"access_ends": F(f"{episode}access_ends_on"),
                 "prison_slug": F("organisation__slug"),
                 "partnership_slug": F(f"{case}partnership__slug")}
        report = report_url(partnership=_PARTNERSHIP, prison=_PRISON)
        link = Case(When(access_ends__gt=today, then=link),
                    default=text_in_sql(report, fills), output_field=CharField())
    released = {f"{case}status": CaseStatus.OPEN, f"{episode}released_on__gte": first,
                f"{episode}released_on__lte": last, f"{episode}attended_on__isnull": True,
                f"{episode}did_not_attend": False, f"{episode}treatment_need": True}
    return (recipients
            .filter(conditions or Q(), **released)
            # Named once (the joins of the filter above), so the CASEs below add no joins.
            .alias(released=F(f"{episode}released_on"), episode_id=F(f"{episode}id"),
                   reference=F(f"{case}reference"), **extra)
            .annotate(
                kind=Value(kind, output_field=CharField()),
                key=text_in_sql(f"{kind}:{_EPISODE}:{_USER}", fills),
                recipient_id=F("id"),
                subject=text_in_sql(subject, fills),
                body=text_in_sql(body, fills),
                url=link,
                content_type_id=Value(ContentType.objects.get_for_model(CustodyEpisode).pk),
                object_id=fills[_EPISODE])
            .values(*INSERT_COLUMNS))


def reminder_rows(today: datetime.date) -> QuerySet[Any]:
    """Every continuity reminder due on ``today`` as rows of notifications, in one SELECT: days
    7 and 14 to the active caseworkers of the lead agency in force today, day 21 to the
    releasing prison's partnership managers (``accounts.recipients.managers_else_caseworkers``).
    Each branch starts from the ``custody_released_on`` index range of its week, so the cost
    follows the releases in it, not the episodes stored."""
    lead = "organisation__lead_cases__"
    in_force = Q(**{f"{lead}starts_on__lte": today}) & (
        Q(**{f"{lead}ends_on__isnull": True}) | Q(**{f"{lead}ends_on__gt": today}))
    to_lead = [_rows(kind, today, caseworkers(), case=f"{lead}case__",
                     episode=f"{lead}case__custody_episodes__", conditions=in_force)
               for kind in (DAY_7, DAY_14)]
    prison = "organisation__custody_episodes__"
    to_prison = _rows(DAY_21, today, managers_else_caseworkers(), case=f"{prison}case__",
                      episode=prison)
    first, *others = [*to_lead, to_prison]
    return first.union(*others, all=True)


def sweep(today: datetime.date | None = None) -> dict[str, int]:
    """Send the continuity reminders due on ``today`` (UK date; default: today) that were not
    sent yet: one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` (see ``reminder_rows``), so a
    sweep run twice, or two at once, tells each person once. Returns how many notifications of
    each kind were created now."""
    today = today or clock.today()
    created = notification_insert_from(reminder_rows(today))
    return sweep_report(created, kinds=KINDS, what="Release without a first appointment",
                        today=today)

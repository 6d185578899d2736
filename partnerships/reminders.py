"""Reminders about partnership reviews and agreements.

Reviews (``sweep_reviews``, beat task ``partnerships.remind_reviews``): every member
organisation's people are reminded of the partnership's next quarterly review ahead of it, and
the lead partner's partnership managers are told when one is past its date and still not
recorded. Agreements (``sweep_agreements``, ``partnerships.remind_agreements``): an active
agreement's review coming up or overdue, and its expiry approaching, go to the lead partner's
partnership managers and to the partnership managers of each signatory organisation.

Each sweep starts from one range query on an index (``review_due`` on ReviewMeeting (status,
planned_on); ``agreement_review_idx`` on Agreement (status, review_due)) covering only the dates
that can call for a reminder today, so its cost grows with what is due, not with what is stored.
The review sweep is ONE ``INSERT … SELECT … ON CONFLICT DO NOTHING``
(``notifications.actions.notification_insert_from``, ADR 0023): the range joined to the
memberships and people to tell, texts made in SQL from ``review_texts``. The agreement sweep
reads who to tell with one query per group of recipients and goes through
``notifications.sweeps.reminders_send``. Each key names the kind, the meeting or agreement, the
date concerned and the recipient: a sweep run twice tells each person once, and a new date (a
review rescheduled, a new review date for an agreement) reminds again.

Overdue reminders look back only ``REMINDER_CATCH_UP_DAYS`` past their first day: enough to
catch up after the beat was down, while a first run on old data does not flood managers with
reminders about reviews missed months ago.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.urls import reverse

from accounts.models import Role
from accounts.recipients import active_users, staff_of
from core import clock
from core.display import govuk_date
from notifications.actions import INSERT_COLUMNS, notification_insert_from
from notifications.sweeps import (
    Reminder,
    catch_up_days,
    days_until,
    plural,
    reminders_send,
    sweep_report,
    text_by_day,
    text_in_sql,
)

from .choices import AgreementStatus, PartnershipStatus, ReviewStatus
from .models import Agreement, Partnership, ReviewMeeting, Signatory
from .querysets import in_force_on, leads_on
from .recipients import lead_managers_of

REVIEW_DUE_SOON = "review_due_soon"
REVIEW_OVERDUE = "review_overdue"
REVIEW_KINDS = (REVIEW_DUE_SOON, REVIEW_OVERDUE)

AGREEMENT_REVIEW_DUE_SOON = "agreement_review_due_soon"
AGREEMENT_REVIEW_OVERDUE = "agreement_review_overdue"
AGREEMENT_EXPIRING = "agreement_expiring"
AGREEMENT_KINDS = (AGREEMENT_REVIEW_DUE_SOON, AGREEMENT_REVIEW_OVERDUE, AGREEMENT_EXPIRING)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


# -- reviews --------------------------------------------------------------------------------------


def _review_kinds(planned_on: datetime.date, today: datetime.date) -> tuple[str, ...]:
    kinds = []
    if today <= planned_on <= today + _days(_setting("REVIEW_REMINDER_LEAD_DAYS", 14)):
        kinds.append(REVIEW_DUE_SOON)
    if planned_on <= today - _days(_setting("REVIEW_OVERDUE_AFTER_DAYS", 1)):
        kinds.append(REVIEW_OVERDUE)
    return tuple(kinds)


@dataclass(frozen=True)
class DueReview:
    """A planned review and the reminders it calls for today (both kinds at once only when
    the settings make the windows overlap)."""

    meeting: ReviewMeeting
    kinds: tuple[str, ...]


def due_reviews(today: datetime.date) -> list[DueReview]:
    """Planned reviews of partnerships not ended that call for a reminder on ``today``: one
    query (the partnership joined in) on the (status, planned_on) index."""
    overdue_after = _setting("REVIEW_OVERDUE_AFTER_DAYS", 1)
    oldest = today - _days(overdue_after + catch_up_days())
    latest = today + _days(_setting("REVIEW_REMINDER_LEAD_DAYS", 14))
    meetings = (ReviewMeeting.objects
                .filter(status=ReviewStatus.PLANNED, planned_on__gte=oldest,
                        planned_on__lte=latest)
                .exclude(partnership__status=PartnershipStatus.ENDED)
                .filter(Q(partnership__ended_on__isnull=True)
                        | Q(partnership__ended_on__gte=today))
                .select_related("partnership").order_by("planned_on", "pk"))
    return [DueReview(m, kinds) for m in meetings if (kinds := _review_kinds(m.planned_on, today))]


def reviews_url(partnership: Partnership) -> str:
    """The partnership's reviews page, where a review is recorded or rescheduled."""
    return reverse("partnerships:reviews", args=[partnership.slug])


def review_texts(kind: str, *, partnership: str, slug: str, when: str, soon: str, ago: str
                 ) -> tuple[str, str, str]:
    """Subject, body and link of a review reminder: the partnership's name, the date
    (``when``: ``1 April 2025``; ``soon``: ``tomorrow``; ``ago``: ``3 days``); nothing about
    any person. The sweep calls it with placeholders, filled in by the database row by row."""
    url = reverse("partnerships:reviews", args=[slug])
    if kind == REVIEW_DUE_SOON:
        subject = f"Partnership review {soon}: {partnership}, {when}"
        body = (f"The quarterly review of {partnership} is planned for {when}. You are told as "
                f"a member of the partnership; the reviews page has the details.")
        return subject, body, url
    subject = f"Partnership review not recorded: {partnership}, {when}"
    body = (f"The quarterly review of {partnership} was planned for {when} "
            f"({ago} ago) and has not been recorded. You are told as a "
            f"partnership manager of the lead partner: record it as held, with who attended, "
            f"or reschedule it from the reviews page.")
    return subject, body, url


def review_key(kind: str, meeting: ReviewMeeting) -> str:
    """``<kind>:<meeting>:<planned date>`` (the recipient's id is appended): a rescheduled
    meeting reminds again for its new date."""
    return f"{kind}:{meeting.pk}:{meeting.planned_on.isoformat()}"


# Placeholders for what the database fills in row by row (URL-safe: the link is reversed).
_NAME, _SLUG, _WHEN, _SOON, _AGO = "_NAME_", "_SLUG_", "_WHEN_", "_SOON_", "_AGO_"
_MEETING, _DAY, _USER = "_MEETING_", "_DAY_", "_USER_"
_MEMBERSHIP = "organisation__memberships__"
_MEETINGS = f"{_MEMBERSHIP}partnership__review_meetings__"


def _review_rows(kind: str, days: tuple[datetime.date, datetime.date], today: datetime.date,
                 people: QuerySet[Any], *conditions: Q) -> QuerySet[Any]:
    """One row per (planned review in ``days`` of a partnership not ended, one of ``people``
    in an organisation whose membership ``conditions`` select), with every column of its
    notification. One ``filter``: the conditions hold for the same membership row."""
    first, last = days
    dates = [first + _days(n) for n in range((last - first).days + 1)]
    partnership = f"{_MEMBERSHIP}partnership__"
    fills = {_MEETING: Cast(F("meeting_id"), CharField()), _USER: Cast(F("id"), CharField()),
             _NAME: F("partnership_name"), _SLUG: F("partnership_slug"),
             _DAY: text_by_day("planned", {day: day.isoformat() for day in dates}),
             _WHEN: text_by_day("planned", {day: govuk_date(day) for day in dates}),
             _SOON: text_by_day("planned", {day: days_until(day, today) for day in dates}),
             _AGO: text_by_day("planned", {day: plural((today - day).days, "day")
                                           for day in dates})}
    subject, body, url = review_texts(kind, partnership=_NAME, slug=_SLUG, when=_WHEN,
                                      soon=_SOON, ago=_AGO)
    not_ended = [s for s in PartnershipStatus.values if s != PartnershipStatus.ENDED]
    return (people.order_by()
            .filter(*conditions,
                    Q(**{f"{partnership}ended_on__isnull": True})
                    | Q(**{f"{partnership}ended_on__gte": today}),
                    **{f"{partnership}status__in": not_ended,
                       f"{_MEETINGS}status": ReviewStatus.PLANNED,
                       f"{_MEETINGS}planned_on__gte": first,
                       f"{_MEETINGS}planned_on__lte": last})
            # Named once (the joins of the filter above), so the CASEs below add no joins.
            .alias(planned=F(f"{_MEETINGS}planned_on"), meeting_id=F(f"{_MEETINGS}id"),
                   partnership_name=F(f"{partnership}name"),
                   partnership_slug=F(f"{partnership}slug"))
            .annotate(kind=Value(kind, output_field=CharField()),
                      key=text_in_sql(f"{kind}:{_MEETING}:{_DAY}:{_USER}", fills),
                      recipient_id=F("id"),
                      subject=text_in_sql(subject, fills), body=text_in_sql(body, fills),
                      url=text_in_sql(url, fills),
                      content_type_id=Value(ContentType.objects.get_for_model(ReviewMeeting).pk),
                      object_id=fills[_MEETING])
            .values(*INSERT_COLUMNS))


def review_rows(today: datetime.date) -> QuerySet[Any] | None:
    """Every review reminder due on ``today`` as rows of notifications, in one SELECT from the
    ``review_due`` index range (status, planned_on): coming up, to the active people of every
    organisation that is a member on ``today``; past its date and not recorded, to the
    partnership managers of the current lead partner (``leads_on``). A person reached twice
    (two memberships) is one key, written once. None when no day can call for one."""
    overdue_after = _setting("REVIEW_OVERDUE_AFTER_DAYS", 1)
    soon = (today, today + _days(_setting("REVIEW_REMINDER_LEAD_DAYS", 14)))
    late = (today - _days(overdue_after + catch_up_days()), today - _days(overdue_after))
    members = []
    if soon[0] <= soon[1]:
        members.append(_review_rows(
            REVIEW_DUE_SOON, soon, today, active_users(),
            in_force_on(today, f"{_MEMBERSHIP}joined_on", f"{_MEMBERSHIP}left_on")))
    if late[0] <= late[1]:
        members.append(_review_rows(
            REVIEW_OVERDUE, late, today,
            active_users().filter(role=Role.PARTNERSHIP_MANAGER), leads_on(today, _MEMBERSHIP)))
    if not members:
        return None
    first, *others = members
    return first.union(*others, all=True) if others else first


def sweep_reviews(today: datetime.date | None = None) -> dict[str, int]:
    """Send the review reminders due on ``today`` (UK date; default: today) not sent yet, in
    one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` (``review_rows``). Returns how many
    notifications of each kind were created now."""
    today = today or clock.today()
    rows = review_rows(today)
    created = notification_insert_from(rows) if rows is not None else {}
    return sweep_report(created, kinds=REVIEW_KINDS, what="Partnership review", today=today)


# -- agreements -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueAgreement:
    """An active agreement and the reminders it calls for today, each with its date."""

    agreement: Agreement
    kinds: tuple[tuple[str, datetime.date], ...]


def _agreement_kinds(agreement: Agreement, today: datetime.date
                     ) -> tuple[tuple[str, datetime.date], ...]:
    kinds = []
    review_due, expires_on = agreement.review_due, agreement.expires_on
    if review_due is not None:
        if today <= review_due <= today + _days(_setting("AGREEMENT_REVIEW_LEAD_DAYS", 30)):
            kinds.append((AGREEMENT_REVIEW_DUE_SOON, review_due))
        # Overdue from the day after the review date, for the catch-up window.
        elif today - _days(1 + catch_up_days()) <= review_due < today:
            kinds.append((AGREEMENT_REVIEW_OVERDUE, review_due))
    if expires_on is not None and \
            today <= expires_on <= today + _days(_setting("AGREEMENT_EXPIRY_LEAD_DAYS", 60)):
        kinds.append((AGREEMENT_EXPIRING, expires_on))
    return tuple(kinds)


def due_agreements(today: datetime.date) -> list[DueAgreement]:
    """Active agreements whose review date or expiry calls for a reminder on ``today``. One
    query: both date ranges under ``status = active`` (the leading column of
    ``agreement_review_idx``; the review-date range uses the whole index)."""
    review_from = today - _days(1 + catch_up_days())
    review_to = today + _days(_setting("AGREEMENT_REVIEW_LEAD_DAYS", 30))
    expiry_to = today + _days(_setting("AGREEMENT_EXPIRY_LEAD_DAYS", 60))
    agreements = (Agreement.objects
                  .filter(status=AgreementStatus.ACTIVE)
                  .filter(Q(review_due__gte=review_from, review_due__lte=review_to)
                          | Q(expires_on__gte=today, expires_on__lte=expiry_to))
                  .select_related("partnership").order_by("pk"))
    return [DueAgreement(a, kinds) for a in agreements
            if (kinds := _agreement_kinds(a, today))]


def _agreement_recipients(due: list[DueAgreement], today: datetime.date
                          ) -> dict[int, list[Any]]:
    """``agreement id → users``: the lead partner's partnership managers and those of each
    signatory organisation. Three queries, whatever the number of agreements."""
    leads = lead_managers_of({d.agreement.partnership_id for d in due}, today)
    signatories: dict[int, set[int]] = defaultdict(set)
    for agreement_id, organisation_id in Signatory.objects.filter(
            agreement_id__in=[d.agreement.pk for d in due]).values_list(
            "agreement_id", "organisation_id"):
        signatories[agreement_id].add(organisation_id)
    managers = staff_of({org for orgs in signatories.values() for org in orgs},
                        [Role.PARTNERSHIP_MANAGER])
    found: dict[int, list[Any]] = {}
    for d in due:
        users = list(leads.get(d.agreement.partnership_id, []))
        for org in sorted(signatories.get(d.agreement.pk, ())):
            users.extend(managers.get(org, []))
        found[d.agreement.pk] = list({user.pk: user for user in users}.values())
    return found


def _agreement_message(kind: str, agreement: Agreement, day: datetime.date,
                       today: datetime.date) -> tuple[str, str, str]:
    partnership, when = agreement.partnership, govuk_date(day)
    what = f"{agreement.title} (reference {agreement.reference}, version {agreement.version})"
    url = reverse("partnerships:detail", args=[partnership.slug]) + "#agreements"
    why = ("You are told as a partnership manager of the lead partner or of a signatory; the "
           "partnership's page lists its agreements.")
    if kind == AGREEMENT_REVIEW_DUE_SOON:
        soon = days_until(day, today)
        subject = f"Agreement review due {soon}: {agreement.title}, {partnership}"
        body = f"The review of {what} in {partnership} is due on {when}. {why}"
    elif kind == AGREEMENT_REVIEW_OVERDUE:
        late = (today - day).days
        subject = f"Agreement review overdue: {agreement.title}, {partnership}"
        body = (f"The review of {what} in {partnership} was due on {when} "
                f"({plural(late, 'day')} ago). {why}")
    else:
        soon = days_until(day, today)
        subject = f"Agreement expires {soon}: {agreement.title}, {partnership}"
        body = (f"{what} in {partnership} expires on {when}. Renew or replace it in time. "
                f"{why}")
    return subject, body, url


def agreement_key(kind: str, agreement: Agreement, day: datetime.date) -> str:
    """``<kind>:<agreement>:<date concerned>`` (``sweeps.reminders_send`` appends the
    recipient): a new review date or expiry reminds again."""
    return f"{kind}:{agreement.pk}:{day.isoformat()}"


def sweep_agreements(today: datetime.date | None = None) -> dict[str, int]:
    """Send the agreement reminders due on ``today`` (UK date; default: today) not sent yet.
    Returns how many notifications of each kind were created now."""
    today = today or clock.today()
    due = due_agreements(today)
    recipients = _agreement_recipients(due, today) if due else {}
    return reminders_send((Reminder(kind=kind, key=agreement_key(kind, d.agreement, day),
                                    users=recipients.get(d.agreement.pk, []),
                                    message=partial(_agreement_message, kind, d.agreement, day,
                                                    today),
                                    obj=d.agreement)
                           for d in due for kind, day in d.kinds),
                          kinds=AGREEMENT_KINDS, what="Agreement", today=today)

"""Reminders about partnership reviews and agreements.

Reviews (``sweep_reviews``, beat task ``partnerships.remind_reviews``): every member
organisation's people are reminded of the partnership's next quarterly review ahead of it, and
the lead partner's partnership managers are told when one is past its date and still not
recorded. Agreements (``sweep_agreements``, ``partnerships.remind_agreements``): an active
agreement's review coming up or overdue, and its expiry approaching, go to the lead partner's
partnership managers and to the partnership managers of each signatory organisation.

Each sweep starts from one range query on an index (``review_due`` on ReviewMeeting (status,
planned_on); ``agreement_review_idx`` on Agreement (status, review_due)) covering only the dates
that can call for a reminder today, then reads who to tell with one query per group of
recipients, so its cost grows with what is due, not with what is stored. Each reminder goes
through ``notifications.sweeps.reminders_send`` with a key naming the kind, the meeting or
agreement, the date concerned and the recipient: a sweep run twice tells each person once, and a new
date (a review rescheduled, a new review date for an agreement) reminds again.

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
from django.db.models import Q
from django.urls import reverse

from accounts.recipients import staff_of
from core import clock
from core.display import govuk_date
from notifications.sweeps import Reminder, catch_up_days, days_until, plural, reminders_send

from .choices import AgreementStatus, PartnershipStatus, ReviewStatus
from .models import Agreement, Partnership, ReviewMeeting, Signatory
from .recipients import lead_managers_of, members_staff_of

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


def _review_message(kind: str, meeting: ReviewMeeting, today: datetime.date
                    ) -> tuple[str, str, str]:
    partnership, when = meeting.partnership, govuk_date(meeting.planned_on)
    url = reviews_url(partnership)
    if kind == REVIEW_DUE_SOON:
        soon = days_until(meeting.planned_on, today)
        subject = f"Partnership review {soon}: {partnership}, {when}"
        body = (f"The quarterly review of {partnership} is planned for {when}. You are told as "
                f"a member of the partnership; the reviews page has the details.")
        return subject, body, url
    late = (today - meeting.planned_on).days
    subject = f"Partnership review not recorded: {partnership}, {when}"
    body = (f"The quarterly review of {partnership} was planned for {when} "
            f"({plural(late, 'day')} ago) and has not been recorded. You are told as a "
            f"partnership manager of the lead partner: record it as held, with who attended, "
            f"or reschedule it from the reviews page.")
    return subject, body, url


def review_key(kind: str, meeting: ReviewMeeting) -> str:
    """``<kind>:<meeting>:<planned date>`` (``sweeps.reminders_send`` appends the recipient): a
    rescheduled meeting reminds again for its new date."""
    return f"{kind}:{meeting.pk}:{meeting.planned_on.isoformat()}"


def sweep_reviews(today: datetime.date | None = None) -> dict[str, int]:
    """Send the review reminders due on ``today`` (UK date; default: today) not sent yet.
    Returns how many notifications of each kind were created now."""
    today = today or clock.today()
    due = due_reviews(today)

    def partnerships(kind: str) -> set[int]:
        return {d.meeting.partnership_id for d in due if kind in d.kinds}

    recipients = {REVIEW_DUE_SOON: members_staff_of(partnerships(REVIEW_DUE_SOON), today),
                  REVIEW_OVERDUE: lead_managers_of(partnerships(REVIEW_OVERDUE), today)}
    return reminders_send((Reminder(kind=kind, key=review_key(kind, d.meeting),
                                    users=recipients[kind].get(d.meeting.partnership_id, []),
                                    message=partial(_review_message, kind, d.meeting, today),
                                    obj=d.meeting)
                           for d in due for kind in d.kinds),
                          kinds=REVIEW_KINDS, what="Partnership review", today=today)


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
    from accounts.models import Role

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

"""What needs the signed-in user's action now, from every app: the "Your work" page and the
home page's choice between it and the registry search.

Each section reads through the owning app's own selector or queryset — the same lists the page
where the work is done shows (monitoring's "my returns" and review queue, the referrals inbox,
the cases the user's organisation is involved in, the notifications list) — so a count here can
never disagree with that page. Sections are by role: a user is only given the work their role
does. Every section costs at most two queries (its count and its first few rows; release plans
first read the few partnerships' plan settings) however many rows there are, so the page's
query count is bounded and does not grow with the work.

Nothing here names a person: cases and referrals by their references, organisations by name.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import Role
from core import clock
from core.display import govuk_date
from core.querysets import is_signed_in
from governance.models import ActionItem
from monitoring import selectors as monitoring_selectors
from monitoring.choices import ReturnStatus
from notifications.context_processors import UNREAD_ATTRIBUTE
from notifications.models import Notification
from partnerships.choices import AgreementStatus
from partnerships.models import Signatory
from referrals import selectors as referral_selectors
from referrals.choices import ConferenceStatus, ReferralStatus
from referrals.models import Case, CaseConference
from referrals.release_plans import episodes_with_tasks_for, tasks_for
from referrals.rules import is_caseworker

#: How many rows of each section the page lists; the count and the link cover the rest.
SHOWN = 5

#: How far ahead conferences count as coming up (the day itself included).
CONFERENCE_DAYS = 14

#: The key of the unread notifications' section (the header shows the same count).
UNREAD_SECTION = "notifications"


@dataclass(frozen=True)
class WorkItem:
    """One thing to do, with where to do it."""

    text: str
    url: str
    detail: str = ""
    tag: str = ""          # e.g. "Overdue"; empty for none
    tag_class: str = ""    # its GOV.UK tag colour


@dataclass(frozen=True)
class WorkSection:
    """One kind of work: how many, the first few, and the page where it is all done."""

    key: str
    title: str
    count: int
    url: str
    link_text: str
    items: list[WorkItem] = field(default_factory=list)

    @property
    def more(self) -> int:
        """How many are not listed here (the link shows them all)."""
        return max(self.count - len(self.items), 0)


@dataclass(frozen=True)
class YourWork:
    """Every section with something in it, in the order people usually work through them."""

    sections: list[WorkSection]

    @property
    def total(self) -> int:
        return sum(s.count for s in self.sections)

    @property
    def has_work(self) -> bool:
        return bool(self.sections)


def _counted(queryset: QuerySet, limit: int = SHOWN) -> tuple[int, list[Any]]:
    """The rows' count and the first ``limit`` of them: two queries, or one when there are
    none."""
    count = queryset.count()
    return count, (list(queryset[:limit]) if count else [])


# -- returns --------------------------------------------------------------------------------------


def returns_to_submit(user: Any, today: datetime.date) -> WorkSection | None:
    """Returns the user's organisation owes now: sent back for correction, overdue, or due
    (``monitoring.selectors.owed_returns``: provider staff only). Submitted and approved ones
    are done and left out."""
    owed = monitoring_selectors.owed_returns(user, today)
    rows = owed.attention + owed.due
    if not rows:
        return None
    my_returns = reverse("monitoring:my-returns")
    items = []
    for row in rows[:SHOWN]:
        ret = row.monitoring_return
        # A return not started yet is started from the list (a form); others open directly.
        url = (reverse("monitoring:return-edit", args=[ret.pk])
               if ret is not None and ret.status in ReturnStatus.editable() else my_returns)
        if ret is not None and ret.status == ReturnStatus.RETURNED:
            tag, tag_class = "Returned for correction", row.tag_class
        elif row.overdue:
            tag, tag_class = "Overdue", "govuk-tag--red"
        else:
            tag, tag_class = row.status, row.tag_class
        items.append(WorkItem(text=f"{row.period} return for {row.partnership}", url=url,
                              detail=f"Due {govuk_date(row.period.due_on)}", tag=tag,
                              tag_class=tag_class))
    return WorkSection(key="returns-to-submit", title="Returns to submit or correct",
                       count=len(rows), url=my_returns,
                       link_text="Go to your organisation's returns", items=items)


def returns_to_review(user: Any) -> WorkSection | None:
    """Submitted returns waiting for the user's review (``monitoring.selectors.review_queue``:
    managers of the lead partner, and platform admins)."""
    # Only what a row shows: the queue's DISTINCT (visible_to) then compares a few columns
    # instead of every column of six joined tables (issue 17).
    queue = (monitoring_selectors.review_queue(user)
             .select_related(None).select_related("period", "organisation", "partnership")
             .only("id", "submitted_at", "period__frequency", "period__starts_on",
                   "organisation__name", "partnership__name"))
    count, returns = _counted(queue)
    if not count:
        return None
    items = [WorkItem(text=f"{ret.period} return from {ret.organisation}",
                      url=reverse("monitoring:return-review", args=[ret.pk]),
                      detail=f"{ret.partnership}, submitted {govuk_date(ret.submitted_at)}")
             for ret in returns]
    return WorkSection(key="returns-to-review", title="Returns to review", count=count,
                       url=reverse("monitoring:reviews"), link_text="Go to returns to review",
                       items=items)


# -- casework -------------------------------------------------------------------------------------


def referrals_to_decide(user: Any) -> WorkSection | None:
    """Referrals addressed to the user's organisation still waiting for an answer (the
    referrals inbox, ``referrals.selectors.inbox``), for its caseworkers: the longest due
    first."""
    if not is_caseworker(user):
        return None
    count, referrals = _counted(referral_selectors.inbox(user)
                                .filter(status=ReferralStatus.SENT))
    if not count:
        return None
    items = []
    for referral in referrals:
        overdue = referral_selectors.is_overdue(referral)
        items.append(WorkItem(
            text=f"Referral {referral.reference} (case {referral.case.reference})",
            url=reverse("referrals:referral", args=[referral.reference]),
            detail=(f"From {referral.from_organisation} to {referral.to_service.name}. "
                    f"Respond by {govuk_date(referral.response_due_on)}"),
            tag="Overdue" if overdue else "", tag_class="govuk-tag--red" if overdue else ""))
    return WorkSection(key="referrals-to-decide", title="Referrals to accept or decline",
                       count=count, url=reverse("referrals:inbox"),
                       link_text="Go to referrals received", items=items)


def upcoming_conferences(user: Any, today: datetime.date) -> QuerySet[CaseConference]:
    """Planned conferences in the next ``CONFERENCE_DAYS`` days of open cases the user's
    organisation is involved in (``Case.objects.visible_to``), soonest first."""
    cases = Case.objects.visible_to(user).open()
    return (CaseConference.objects
            .filter(status=ConferenceStatus.PLANNED, planned_on__gte=today,
                    planned_on__lte=today + datetime.timedelta(days=CONFERENCE_DAYS),
                    case__in=cases.values("pk"))
            .select_related("case").order_by("planned_on", "pk"))


def conferences_soon(user: Any, today: datetime.date) -> WorkSection | None:
    """Case conferences coming up for the agencies involved in the case (caseworkers only);
    each links to its case's page, where conferences are planned and recorded."""
    if not is_caseworker(user):
        return None
    count, conferences = _counted(upcoming_conferences(user, today))
    if not count:
        return None
    items = [WorkItem(text=f"{c.get_kind_display()}: case {c.case.reference}",
                      url=reverse("referrals:case", args=[c.case.reference]),
                      detail=("Today" if c.planned_on == today else govuk_date(c.planned_on)))
             for c in conferences]
    return WorkSection(key="conferences", title=f"Case conferences in the next {CONFERENCE_DAYS} "
                                                "days",
                       count=count, url=reverse("referrals:caseload"),
                       link_text="Go to your caseload", items=items)


def release_plans(user: Any, today: datetime.date) -> WorkSection | None:
    """Release plans due (``referrals.release_plans``) with a missing piece the user's team
    owns: the prison team holding the person, or the community provider for the first
    appointment; each row names those tasks as the case page does and links to it. Three
    queries at most (the partnerships' plan settings, the count, the first rows)."""
    if not is_caseworker(user) or not user.organisation_id:
        return None
    count, episodes = _counted(episodes_with_tasks_for(user.organisation_id, today))
    if not count:
        return None
    items = []
    for episode in episodes:
        tasks = tasks_for(episode, user.organisation_id)
        items.append(WorkItem(
            text=(f"Case {episode.case.reference}: expected release "
                  f"{govuk_date(episode.expected_release_on)}"),
            url=reverse("referrals:case", args=[episode.case.reference]),
            detail=(f"{len(tasks)} task{'' if len(tasks) == 1 else 's'}: "
                    + "; ".join(task.text for task in tasks))))
    return WorkSection(key="release-plans", title="Release plans", count=count,
                       url=reverse("referrals:caseload"), link_text="Go to your caseload",
                       items=items)


# -- agreements -----------------------------------------------------------------------------------


def unsigned_for(user: Any) -> QuerySet[Signatory]:
    """The user's organisation's unsigned places on agreement versions still being agreed
    (``AgreementStatus.pending()``), for its partnership managers: who
    ``partnerships.sign_agreement`` lets sign for their own organisation."""
    if (not is_signed_in(user) or user.role != Role.PARTNERSHIP_MANAGER
            or not user.organisation_id):
        return Signatory.objects.none()
    return (Signatory.objects
            .filter(organisation_id=user.organisation_id, signed_on__isnull=True,
                    agreement__status__in=AgreementStatus.pending())
            .select_related("agreement__partnership")
            .order_by("agreement__partnership__name", "agreement__title", "pk"))


def agreements_to_sign(user: Any) -> WorkSection | None:
    """Agreement versions waiting for the user's organisation's signature; each links to its
    partnership's agreements, where it is signed."""
    count, places = _counted(unsigned_for(user))
    if not count:
        return None
    items = []
    for place in places:
        agreement = place.agreement
        items.append(WorkItem(
            text=f"{agreement.title} (version {agreement.version})",
            url=reverse("partnerships:detail", args=[agreement.partnership.slug]) + "#agreements",
            detail=str(agreement.partnership)))
    # One partnership: its agreements are the page. Several: each row links to its own.
    single = len({i.url for i in items}) == 1 and count == len(items)
    return WorkSection(key="agreements-to-sign", title="Agreements to sign", count=count,
                       url=items[0].url if single else "",
                       link_text="Go to the partnership's agreements" if single else "",
                       items=items)


# -- governance -----------------------------------------------------------------------------------


def open_actions(user: Any, today: datetime.date) -> WorkSection | None:
    """Open actions on partnerships' action logs that are the user's (``ActionItemQuerySet.
    owned_by``: theirs, or their organisation's for its partnership managers), overdue first,
    then by due date; each links to its partnership's action log, where it is marked done."""
    owned = (ActionItem.objects.visible_to(user).owned_by(user).open()
             .select_related("partnership").only("id", "text", "due_on", "partnership__name",
                                                 "partnership__slug")
             .order_by("due_on", "pk"))  # the earliest due are the overdue ones
    count, actions = _counted(owned)
    if not count:
        return None
    items = []
    for action in actions:
        overdue = action.due_on < today
        items.append(WorkItem(
            text=Truncator(action.text).chars(90),
            url=reverse("governance:actions", args=[action.partnership.slug]),
            detail=f"{action.partnership.name}. Due {govuk_date(action.due_on)}",
            tag="Overdue" if overdue else "", tag_class="govuk-tag--red" if overdue else ""))
    single = len({i.url for i in items}) == 1 and count == len(items)
    return WorkSection(key="actions", title="Actions", count=count,
                       url=items[0].url if single else "",
                       link_text="Go to the partnership's action log" if single else "",
                       items=items)


# -- notifications --------------------------------------------------------------------------------


def unread_notifications(user: Any) -> WorkSection | None:
    """The user's unread notifications, newest first; each opens (and marks read) the page it
    is about. The count is the one the request's user was loaded with for the header
    (``accounts.backends``), when it was: the same rows, not counted twice."""
    unread = (Notification.objects.for_recipient(user).unread()
              .order_by("-created_on", "-id").only("id", "subject", "created_on"))
    loaded = getattr(user, UNREAD_ATTRIBUTE, None)
    if isinstance(loaded, int):
        count, notifications = loaded, (list(unread[:SHOWN]) if loaded else [])
    else:
        count, notifications = _counted(unread)
    if not count:
        return None
    items = [WorkItem(text=n.subject, url=reverse("notifications:open", args=[n.pk]),
                      detail=govuk_date(timezone.localtime(n.created_on).date()))
             for n in notifications]
    return WorkSection(key=UNREAD_SECTION, title="Unread notifications", count=count,
                       url=reverse("notifications:list"), link_text="Go to your notifications",
                       items=items)


def your_work(user: Any, today: datetime.date | None = None, *,
              notifications: bool = True) -> YourWork:
    """Everything waiting for the user, by the roles they hold; empty for a signed-out user.
    At most two queries a section (three for owed returns and for release plans).
    ``notifications=False`` leaves the unread notifications out (see ``needs_action``)."""
    if not is_signed_in(user):
        return YourWork(sections=[])
    today = today or clock.today()
    sections = [
        returns_to_submit(user, today),
        returns_to_review(user),
        referrals_to_decide(user),
        agreements_to_sign(user),
        conferences_soon(user, today),
        release_plans(user, today),
        open_actions(user, today),
        unread_notifications(user) if notifications else None,
    ]
    return YourWork(sections=[s for s in sections if s is not None])


def needs_action(user: Any, today: datetime.date | None = None) -> bool:
    """Whether the user has work to do (a return, a review, a referral, an agreement, a
    conference, a release plan): then home is Your work. Unread notifications alone do not
    count: the header shows them on every page, and a commissioner whose only news is a
    reminder keeps the registry search as home. Costs no query for roles with none of that work."""
    return your_work(user, today, notifications=False).has_work

"""Frontline insights: staff of a member organisation record a barrier or an insight; the
partnership's managers or a body's chair triage it (to a body's next agenda, to an action on the
log, or closed with a reply). Each triage step tells the author, because the point of asking
frontline staff is that they hear what became of what they said.

The text and the reply are free text read across the partnership: the text is refused if it
looks like it holds a prison number or a date of birth, and neither is copied into audit rows
(which are read outside need-to-know) or into notifications."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse

from core import clock
from core.actions import audited_create, audited_update, redact_fields
from core.display import govuk_date
from core.errors import DomainError
from notifications.events import notify

from ..choices import InsightStatus
from ..models import ActionItem, Body, Insight
from ..validators import refuse_personal_data
from ._common import require
from .action_items import action_item_create

if TYPE_CHECKING:
    from accounts.models import User

#: Longest insight: a paragraph or two, enough to describe a barrier without a case history.
MAX_TEXT = 2000
MAX_REPLY = 2000

#: What a triage step may follow: a closed insight is finished; an insight on an agenda may
#: become an action or be closed; an action's insight may be closed when the action is done.
NEXT_STEPS: dict[str, frozenset[str]] = {
    InsightStatus.NEW: frozenset({InsightStatus.TO_AGENDA, InsightStatus.TO_ACTION,
                                  InsightStatus.CLOSED}),
    InsightStatus.TO_AGENDA: frozenset({InsightStatus.TO_ACTION, InsightStatus.CLOSED}),
    InsightStatus.TO_ACTION: frozenset({InsightStatus.CLOSED}),
    InsightStatus.CLOSED: frozenset(),
}

_PRIVATE = redact_fields(["text", "reply"])

CANNOT_RECORD = "Insights are recorded by staff of the partnership's member organisations."
CANNOT_TRIAGE = ("Insights are triaged by the partnership's managers and the chairs of its "
                 "boards and groups.")


def _member_organisation(partnership: Any, by: User) -> Any:
    """The recorder's organisation, if it is a current member of the partnership."""
    org_id = getattr(by, "organisation_id", None)
    if org_id and (partnership.memberships.filter(organisation_id=org_id)
                   .active_on(clock.today()).exists()):
        return by.organisation
    raise DomainError(CANNOT_RECORD, code="forbidden")


@transaction.atomic
def insight_record(*, partnership: Any, theme: str, text: str, by: User, pathway: Any = None,
                   service: Any = None) -> Insight:
    """Record an insight for the partnership, as the recorder's (member) organisation."""
    require(by, "governance.record_insight", partnership, CANNOT_RECORD)
    organisation = _member_organisation(partnership, by)
    text = (text or "").strip()
    if not text:
        raise DomainError("Describe the barrier or insight.", field="text")
    if len(text) > MAX_TEXT:
        raise DomainError(f"The insight must be {MAX_TEXT} characters or fewer.", field="text")
    refuse_personal_data(text, field="text")
    if pathway is not None and pathway.partnership_id != partnership.pk:
        raise DomainError("Choose a referral pathway of this partnership.", field="pathway")
    if service is not None and not _service_in(partnership, service):
        raise DomainError("Choose a service delivered in this partnership or by one of its "
                          "members.", field="service")
    insight = Insight(partnership=partnership, organisation=organisation, author=by,
                      theme=theme, text=text, pathway=pathway, service=service)
    insight = audited_create(instance=insight, by=by, redact=_PRIVATE,
                             summary=f"Recorded a frontline insight from {organisation} for "
                                     f"{partnership}")
    return insight


def _service_in(partnership: Any, service: Any) -> bool:
    """The service is delivered under the partnership, or by one of its current members."""
    if service.partnership_id == partnership.pk:
        return True
    return bool(partnership.memberships.filter(organisation_id=service.provider_id)
                .active_on(clock.today()).exists())


def _triage(insight: Insight, by: User, step: str) -> None:
    """Refuse a triage the user may not make, or one the insight's status does not allow."""
    require(by, "governance.triage_insight", insight.partnership, CANNOT_TRIAGE)
    if step not in NEXT_STEPS[insight.status]:
        if insight.status == InsightStatus.CLOSED:
            raise DomainError("This insight is closed: its author has had the reply.",
                              code="closed")
        raise DomainError(f"This insight is already {insight.get_status_display().lower()}.",
                          code="status")


def my_insights_url(insight: Insight) -> str:
    return reverse("governance:my-insights", args=[insight.partnership.slug])


def _tell_author(insight: Insight, by: User, step: str, what: str) -> None:
    """Tell the author what became of their insight (once per step; never the triager)."""
    if insight.author is None:
        return
    raised = govuk_date(insight.created_on.date()) if insight.created_on else ""
    notify(kind="insight_triaged", occurrence=f"insight-{insight.pk}:{step}",
           recipients=[insight.author],
           subject=f"Your insight to {insight.partnership}: {what}",
           body=(f"The insight you recorded on {raised} about "
                 f"{insight.get_theme_display().lower()} for {insight.partnership}: {what}. "
                 "Your insights page shows it and any reply."),
           url=my_insights_url(insight), obj=insight, actor=by)


@transaction.atomic
def insight_to_agenda(*, insight: Insight, body: Body, by: User) -> Insight:
    """Put the insight on the next agenda of a current body of its partnership."""
    _triage(insight, by, InsightStatus.TO_AGENDA)
    if body.partnership_id != insight.partnership_id:
        raise DomainError("Choose a board or group of this partnership.", field="body")
    today = clock.today()
    if body.formed_on > today or (body.ended_on is not None and body.ended_on <= today):
        raise DomainError(f"{body.name} is not meeting now: choose a current board or group.",
                          field="body")
    audited_update(instance=insight, by=by, redact=_PRIVATE,
                   summary=f"Put a frontline insight on the agenda of {body}",
                   status=InsightStatus.TO_AGENDA, agenda_body=body, triaged_by=by,
                   triaged_on=today)
    _tell_author(insight, by, "agenda", f"on the next agenda of {body.name}")
    return insight


@transaction.atomic
def insight_to_action(*, insight: Insight, by: User, owner_organisation: Any,
                      due_on: datetime.date, text: str | None = None,
                      owner: Any = None) -> Insight:
    """Make the insight an action on the partnership's log (its text unless ``text`` says
    otherwise), arising from the body whose agenda it was on, if any."""
    _triage(insight, by, InsightStatus.TO_ACTION)
    item: ActionItem = action_item_create(
        partnership=insight.partnership, text=(text or "").strip() or insight.text,
        owner_organisation=owner_organisation, due_on=due_on, by=by, owner=owner,
        body=insight.agenda_body)
    audited_update(instance=insight, by=by, redact=_PRIVATE,
                   summary=f"Made a frontline insight an action for {owner_organisation}",
                   status=InsightStatus.TO_ACTION, action=item, triaged_by=by,
                   triaged_on=clock.today())
    _tell_author(insight, by, "action",
                 f"an action for {owner_organisation}, due {govuk_date(due_on)}")
    return insight


@transaction.atomic
def insight_close(*, insight: Insight, reply: str, by: User) -> Insight:
    """Close the insight with a reply to its author."""
    _triage(insight, by, InsightStatus.CLOSED)
    reply = (reply or "").strip()
    if not reply:
        raise DomainError("Write a reply to the person who raised it.", field="reply")
    if len(reply) > MAX_REPLY:
        raise DomainError(f"The reply must be {MAX_REPLY} characters or fewer.", field="reply")
    audited_update(instance=insight, by=by, redact=_PRIVATE,
                   summary=f"Closed a frontline insight for {insight.partnership} with a reply",
                   status=InsightStatus.CLOSED, reply=reply, triaged_by=by,
                   triaged_on=clock.today())
    _tell_author(insight, by, "closed", "closed with a reply")
    return insight

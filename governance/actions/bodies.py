"""Writes to a partnership's governance structure: its bodies (board, working groups, service-user
group), the seats member organisations hold on them, and what the bodies decide.

Why the checks: a body's chair and seats stand for the partnership's members, so they must come
from current member organisations; a working group reports to a body of the same partnership and
the chain of reporting never loops back (the structure page draws it as a tree); a decision is
recorded after it is made, never ahead of the meeting."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from core import clock
from core.actions import audited_create, audited_update
from core.errors import DomainError
from partnerships.documents import check_agreement_document

from ..models import Body, BodySeat, Decision
from ._common import require

if TYPE_CHECKING:
    from accounts.models import User

#: What ``body_update`` may change.
BODY_FIELDS = ("name", "kind", "reports_to", "terms_of_reference", "terms_document", "chair",
               "ended_on")


def _refuse_unless_manager(by: Any, partnership: Any) -> None:
    require(by, "governance.manage", partnership,
            f"Only the managers of {partnership} and the chairs of its bodies can change its "
            f"governance.")


def _is_current_member(partnership: Any, organisation_id: int | None) -> bool:
    if organisation_id is None:
        return False
    return (partnership.memberships.filter(organisation_id=organisation_id)
            .active_on(clock.today()).exists())


def _check_reports_to(body: Body, reports_to: Body | None) -> None:
    """Same partnership, not itself, and no loop through the bodies that report to ``body``."""
    if reports_to is None:
        return
    if reports_to.partnership_id != body.partnership_id:
        raise DomainError("Choose a body of this partnership.", field="reports_to")
    seen: set[int] = set()
    current: Body | None = reports_to
    while current is not None and current.pk not in seen:
        if body.pk is not None and current.pk == body.pk:
            raise DomainError(f"{body.name} cannot report to a body that reports to it.",
                              field="reports_to")
        seen.add(current.pk)
        current = current.reports_to


def _check_chair(partnership: Any, chair: Any) -> None:
    if chair is not None and not _is_current_member(partnership,
                                                    getattr(chair, "organisation_id", None)):
        raise DomainError(f"The chair must work at a current member of {partnership}.",
                          field="chair")


def _check_document(document: Any) -> None:
    """Terms of reference follow the agreement documents' rules (by content, 10 MB)."""
    if document:
        try:
            check_agreement_document(document)
        except DomainError as exc:
            raise DomainError(str(exc), field="terms_document") from exc


@transaction.atomic
def body_create(*, partnership: Any, name: str, kind: str, formed_on: datetime.date, by: User,
                reports_to: Body | None = None, terms_of_reference: str = "",
                terms_document: Any = None, chair: Any = None) -> Body:
    """Add a board, working group or service-user group to the partnership."""
    _refuse_unless_manager(by, partnership)
    body = Body(partnership=partnership, name=(name or "").strip(), kind=kind,
                formed_on=formed_on, terms_of_reference=(terms_of_reference or "").strip(),
                chair=chair, reports_to=reports_to)
    if not body.name:
        raise DomainError("Enter the name of the body.", field="name")
    if partnership.governance_bodies.filter(name__iexact=body.name).exists():
        raise DomainError(f"{partnership} already has a body called {body.name}.",
                          field="name")
    if formed_on is not None and formed_on > clock.today():
        raise DomainError("The date the body was formed must be today or in the past.",
                          field="formed_on")
    _check_reports_to(body, reports_to)
    _check_chair(partnership, chair)
    _check_document(terms_document)
    if terms_document:
        body.terms_document = terms_document
    return audited_create(instance=body, by=by, summary=f"Added {body.name} to the governance "
                                                        f"of {partnership}")


@transaction.atomic
def body_update(*, body: Body, by: User, **changes: Any) -> Body:
    """Change a body's name, kind, the body it reports to, its terms, its chair or when it
    ended (fields in ``BODY_FIELDS``)."""
    unknown = set(changes) - set(BODY_FIELDS)
    if unknown:
        raise DomainError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    partnership = body.partnership
    _refuse_unless_manager(by, partnership)
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            raise DomainError("Enter the name of the body.", field="name")
        if (partnership.governance_bodies.filter(name__iexact=changes["name"])
                .exclude(pk=body.pk).exists()):
            raise DomainError(f"{partnership} already has a body called {changes['name']}.",
                              field="name")
    if "terms_of_reference" in changes:
        changes["terms_of_reference"] = (changes["terms_of_reference"] or "").strip()
    if "reports_to" in changes:
        _check_reports_to(body, changes["reports_to"])
    if "chair" in changes and changes["chair"] is not None and changes["chair"].pk != body.chair_id:
        _check_chair(partnership, changes["chair"])
    if "terms_document" in changes:
        if not changes["terms_document"]:
            del changes["terms_document"]  # no new upload: keep the stored one
        else:
            _check_document(changes["terms_document"])
    ended_on = changes.get("ended_on")
    if ended_on is not None and ended_on > clock.today():
        raise DomainError("The date the body ended must be today or in the past.",
                          field="ended_on")
    if ended_on is not None and body.ended_on is None:
        if ended_on < body.formed_on:
            raise DomainError("A body cannot end before it was formed.", field="ended_on")
        _end_seats(body, ended_on, by)
    return audited_update(instance=body, by=by, summary=f"Changed {body.name} in the governance "
                                                        f"of {partnership}", **changes)


@transaction.atomic
def body_end(*, body: Body, ended_on: datetime.date, by: User) -> Body:
    """Record that a body stopped meeting. Its seats end the same day; bodies that reported to
    it are left standing (a manager moves them) because their work usually goes on."""
    _refuse_unless_manager(by, body.partnership)
    if body.ended_on is not None:
        raise DomainError(f"{body.name} has already ended.", field="ended_on")
    if ended_on > clock.today():
        raise DomainError("The date the body ended must be today or in the past.",
                          field="ended_on")
    if ended_on < body.formed_on:
        raise DomainError("A body cannot end before it was formed.", field="ended_on")
    _end_seats(body, ended_on, by)
    return audited_update(instance=body, by=by, summary=f"Ended {body.name}", ended_on=ended_on)


def _end_seats(body: Body, ended_on: datetime.date, by: User) -> None:
    """A body that stopped meeting has no seats: they end with it (kept in its history)."""
    for seat in body.seats.filter(left_on__isnull=True).select_related("organisation"):
        audited_update(instance=seat, by=by, summary=f"{seat.organisation} left {body.name}",
                       left_on=max(ended_on, seat.joined_on))


@transaction.atomic
def seat_add(*, body: Body, organisation: Any, seat: str, joined_on: datetime.date,
             by: User) -> BodySeat:
    """Give a current member organisation a seat on the body."""
    partnership = body.partnership
    _refuse_unless_manager(by, partnership)
    if body.ended_on is not None:
        raise DomainError(f"{body.name} has ended: it has no seats to fill.", field="body")
    if organisation is None or not _is_current_member(partnership, organisation.pk):
        raise DomainError(f"Choose a current member of {partnership}.", field="organisation")
    if joined_on is None:
        raise DomainError("Enter the date the seat was taken.", field="joined_on")
    if joined_on > clock.today():
        raise DomainError("The date the seat was taken must be today or in the past.",
                          field="joined_on")
    if joined_on < body.formed_on:
        raise DomainError(f"The seat cannot start before {body.name} was formed.",
                          field="joined_on")
    name = (seat or "").strip()
    if body.seats.filter(organisation=organisation, seat__iexact=name,
                         left_on__isnull=True).exists():
        raise DomainError(f"{organisation} already holds this seat.", field="seat")
    row = BodySeat(body=body, organisation=organisation, seat=name, joined_on=joined_on)
    return audited_create(instance=row, by=by,
                          summary=f"Gave {organisation} a seat on {body.name}")


@transaction.atomic
def seat_end(*, seat: BodySeat, left_on: datetime.date, by: User) -> BodySeat:
    """Record that an organisation left its seat (the seat stays in the body's history)."""
    _refuse_unless_manager(by, seat.body.partnership)
    if seat.left_on is not None:
        raise DomainError("This seat has already ended.", field="left_on")
    if left_on is None:
        raise DomainError("Enter the date the seat ended.", field="left_on")
    if left_on > clock.today():
        raise DomainError("The date the seat ended must be today or in the past.",
                          field="left_on")
    if left_on < seat.joined_on:
        raise DomainError("A seat cannot end before it started.", field="left_on")
    return audited_update(instance=seat, by=by,
                          summary=f"{seat.organisation} left {seat.body.name}", left_on=left_on)


@transaction.atomic
def decision_record(*, body: Body, decided_on: datetime.date, text: str, by: User) -> Decision:
    """Record what the body decided (on the day or after; never ahead of the meeting)."""
    _refuse_unless_manager(by, body.partnership)
    text = (text or "").strip()
    if not text:
        raise DomainError("Say what was decided.", field="text")
    if decided_on is None:
        raise DomainError("Enter the date of the decision.", field="decided_on")
    if decided_on > clock.today():
        raise DomainError("The date of the decision must be today or in the past.",
                          field="decided_on")
    if decided_on < body.formed_on:
        raise DomainError(f"{body.name} was not formed on that date.", field="decided_on")
    decision = Decision(body=body, decided_on=decided_on, text=text, recorded_by=by)
    return audited_create(instance=decision, by=by,
                          summary=f"Recorded a decision of {body.name}")

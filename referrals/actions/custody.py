"""Custody on a case: reception into a prison, transfer between prisons, release, and the first
community appointment after release (issue 18). A transfer moves the person and their case to
the receiving prison's episode with the same expected release; it is not a release, so only
``custody_release`` starts the 21-day continuity clock (``referrals.continuity``).

Audit rows name the case reference and the establishment only, never the person."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError
from partnerships.choices import OrganisationKind

from ..choices import ExpectedReleaseKind
from ..dates import check_case_date, check_not_future
from ..models import CustodyEpisode
from ._common import _locked_case, _redact, _refresh, _require, _require_open

if TYPE_CHECKING:
    from accounts.models import User


def _require_prison(establishment: Any, *, field: str) -> None:
    if establishment.kind != OrganisationKind.PRISON:
        raise DomainError(f"{establishment} is not a prison: custody is recorded only at an "
                          "organisation of kind prison.", field=field, code="not_a_prison")


def _locked_episode(episode: Any) -> CustodyEpisode:
    """The stored episode, locked for this transaction (after its case, as every casework action
    locks the case first)."""
    return (CustodyEpisode.objects.select_for_update().select_related("case", "establishment")
            .get(pk=episode.pk))


def _require_open_episode(episode: CustodyEpisode) -> None:
    if episode.released_on is not None:
        raise DomainError(f"This custody episode on case {episode.case.reference} ended with a "
                          f"release on {govuk_date(episode.released_on)}.", code="ended")
    if episode.transferred_on is not None:
        raise DomainError(f"This custody episode on case {episode.case.reference} ended with a "
                          f"transfer on {govuk_date(episode.transferred_on)}.", code="ended")


def _require_happened_after(value: datetime.date, earlier: datetime.date, *, field: str,
                            what: str, earlier_what: str) -> None:
    """``what`` (e.g. "the release") happened by today, and not before ``earlier_what``."""
    check_not_future(value, field=field, what=what)
    if value < earlier:
        raise DomainError(f"{what[0].upper()}{what[1:]} ({govuk_date(value)}) cannot come before "
                          f"{earlier_what} ({govuk_date(earlier)}).", field=field)


def _locked_for(episode: Any, by: User, permission: str,
                refusal: str) -> tuple[Any, CustodyEpisode]:
    """The episode's case and the episode, locked in that order, after checking ``by`` may act
    (``refusal`` names the case as ``{case}``) and that the case is open."""
    case = _locked_case(episode.case)
    locked = _locked_episode(episode)
    _require(by, permission, locked, refusal.format(case=case.reference))
    _require_open(case)
    return case, locked


@transaction.atomic
def custody_episode_start(*, case: Any, establishment: Any, received_on: datetime.date,
                          by: User, expected_release_on: datetime.date | None = None,
                          expected_release_kind: str = "") -> CustodyEpisode:
    """Record the person's reception into a prison. A case has at most one open episode: a move
    to another prison is a ``custody_transfer``, so the history follows the person."""
    locked = _locked_case(case)
    _require(by, "referrals.record_custody", locked,
             f"Only caseworkers of organisations involved in case {locked.reference} can record "
             "custody on it.")
    _require_open(locked)
    _require_prison(establishment, field="establishment")
    check_case_date(locked, received_on, field="received_on", what="reception")
    if expected_release_on is not None and expected_release_on < received_on:
        raise DomainError(f"The expected release ({govuk_date(expected_release_on)}) cannot come "
                          f"before reception ({govuk_date(received_on)}).",
                          field="expected_release_on")
    if expected_release_kind and expected_release_kind not in ExpectedReleaseKind.values:
        raise DomainError("Choose how the person is expected to be released.",
                          field="expected_release_kind")
    if CustodyEpisode.objects.filter(case=locked).open().exists():
        raise DomainError(f"Case {locked.reference} already has an open custody episode: record "
                          "a transfer or a release instead.", code="already_in_custody")
    episode = CustodyEpisode(case=locked, establishment=establishment, received_on=received_on,
                             expected_release_on=expected_release_on,
                             expected_release_kind=expected_release_kind, created_by=by)
    return audited_create(instance=episode, by=by, redact=_redact,
                          summary=f"Recorded reception into custody on case {locked.reference}")


@transaction.atomic
def custody_transfer(*, episode: Any, to_establishment: Any, transferred_on: datetime.date,
                     by: User) -> CustodyEpisode:
    """Record a transfer to another prison: the sending episode ends as transferred (not
    released) and the receiving prison's episode starts that day with the same expected
    release. Returns the receiving episode."""
    case, locked = _locked_for(
        episode, by, "referrals.record_custody",
        "Only caseworkers of organisations involved in case {case}, or of the prison holding "
        "the person, can record a transfer.")
    _require_open_episode(locked)
    _require_prison(to_establishment, field="to_establishment")
    if to_establishment.pk == locked.establishment_id:
        raise DomainError(f"The person is already at {to_establishment}.",
                          field="to_establishment")
    _require_happened_after(transferred_on, locked.received_on, field="transferred_on",
                            what="the transfer", earlier_what="reception")
    # Close the sending episode first (the case may have one open episode at a time), then
    # record both changes in one audit row once the receiving episode exists.
    CustodyEpisode.objects.filter(pk=locked.pk).update(transferred_on=transferred_on)
    receiving = audited_create(
        instance=CustodyEpisode(case=case, establishment=to_establishment,
                                received_on=transferred_on,
                                expected_release_on=locked.expected_release_on,
                                expected_release_kind=locked.expected_release_kind,
                                created_by=by),
        by=by, redact=_redact,
        summary=f"Recorded reception by transfer on case {case.reference}")
    audited_update(instance=locked, by=by, redact=_redact, transferred_on=transferred_on,
                   ended_by_transfer_to=receiving,
                   summary=f"Recorded a transfer to {to_establishment} on case "
                           f"{case.reference}")
    _refresh(episode, locked)
    return receiving


@transaction.atomic
def custody_release(*, episode: Any, released_on: datetime.date, release_area: Any,
                    by: User) -> CustodyEpisode:
    """Record the release: this starts the 21-day continuity clock. ``release_area`` is the
    local authority of the release address, for the community side."""
    case, locked = _locked_for(
        episode, by, "referrals.record_custody",
        "Only caseworkers of organisations involved in case {case}, or of the prison holding "
        "the person, can record a release.")
    _require_open_episode(locked)
    _require_happened_after(released_on, locked.received_on, field="released_on",
                            what="the release", earlier_what="reception")
    if release_area is None or release_area.kind != OrganisationKind.LOCAL_AUTHORITY:
        raise DomainError("Choose the local authority of the release address.",
                          field="release_area")
    audited_update(instance=locked, by=by, redact=_redact, released_on=released_on,
                   release_area=release_area,
                   summary=f"Recorded a release from custody on case {case.reference}")
    return _refresh(episode, locked)


@transaction.atomic
def first_appointment_record(*, episode: Any, by: User, attended_on: datetime.date | None = None,
                             did_not_attend: bool = False) -> CustodyEpisode:
    """Record the outcome of the first community appointment after release: attended on a date
    (on or after release) or did not attend. One outcome per release; it is not changed
    later here."""
    case, locked = _locked_for(
        episode, by, "referrals.record_first_appointment",
        "Only caseworkers of organisations involved in case {case} can record its first "
        "appointment.")
    if (attended_on is None) == (not did_not_attend):
        raise DomainError("Record either the date the first appointment was attended or that "
                          "it was not attended, not both.", field="attended_on")
    if locked.released_on is None:
        raise DomainError(f"Case {case.reference} has no release recorded for this custody "
                          "episode: record the release first.", code="not_released")
    if locked.attended_on is not None or locked.did_not_attend:
        raise DomainError(f"The first appointment after this release on case {case.reference} "
                          "is already recorded.", code="already_recorded")
    if attended_on is not None:
        _require_happened_after(attended_on, locked.released_on, field="attended_on",
                                what="the appointment", earlier_what="the release")
    audited_update(instance=locked, by=by, redact=_redact, attended_on=attended_on,
                   did_not_attend=did_not_attend,
                   summary=f"Recorded the first appointment after release on case "
                           f"{case.reference}")
    return _refresh(episode, locked)

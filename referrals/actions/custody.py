"""Custody on a case: reception into a prison, transfer between prisons, the release plan,
release, and the first community appointment after release (issue 18). A transfer moves the
person, their case and their release plan to the receiving prison's episode with the same
expected release; it is not a release, so only ``custody_release`` starts the 21-day continuity
clock (``referrals.continuity``).

Need-to-know follows the person: the prison holding them is involved in the case
(``Case.objects.involving``); when they leave it (transfer or release) its team keeps access
for the partnership's handover period (``CaseworkSettings.custody_handover_days``), recorded on
the episode as ``access_ends_on``. A prison that led the case passes the lead to the receiving
prison on a transfer; on release the lead passes to the plan's community provider when the plan
says so.

Audit rows name the case reference and the establishment only, never the person."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError
from partnerships.choices import OrganisationKind

from ..choices import ExpectedReleaseKind, ReferralStatus
from ..dates import check_case_date, check_not_future
from ..models import CustodyEpisode, LeadAgency, Referral, ReleasePlan
from ..release_plans import PLAN_FIELDS, casework_settings
from ._common import _locked_case, _redact, _refresh, _require, _require_open
from .cases import lead_pass

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


def _access_ends_on(case: Any, ended_on: datetime.date) -> datetime.date:
    """The day the prison's handover access ends after the person left it on ``ended_on``."""
    days = casework_settings(case.partnership_id).custody_handover_days
    return ended_on + datetime.timedelta(days=days)


def _current_lead(case: Any) -> LeadAgency | None:
    return (LeadAgency.objects.select_for_update().filter(case=case, ends_on__isnull=True)
            .select_related("organisation").first())


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
                          expected_release_kind: str = "",
                          treatment_need: bool = True) -> CustodyEpisode:
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
                             expected_release_kind=expected_release_kind,
                             treatment_need=treatment_need, created_by=by)
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
                                treatment_need=locked.treatment_need, created_by=by),
        by=by, redact=_redact,
        summary=f"Recorded reception by transfer on case {case.reference}")
    audited_update(instance=locked, by=by, redact=_redact, transferred_on=transferred_on,
                   ended_by_transfer_to=receiving,
                   access_ends_on=_access_ends_on(case, transferred_on),
                   summary=f"Recorded a transfer to {to_establishment} on case "
                           f"{case.reference}")
    plan = ReleasePlan.objects.select_for_update().filter(episode=locked).first()
    if plan is not None:  # the plan follows the person
        audited_update(instance=plan, by=by, redact=_redact, episode=receiving,
                       summary=f"Moved the release plan of case {case.reference} with the "
                               "transfer")
    lead = _current_lead(case)
    if lead is not None and lead.organisation_id == locked.establishment_id:
        lead_pass(case=case, current=lead, organisation=to_establishment,
                  starts_on=transferred_on, by=by)
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
                   access_ends_on=_access_ends_on(case, released_on),
                   summary=f"Recorded a release from custody on case {case.reference}")
    plan = ReleasePlan.objects.filter(episode=locked).select_related("community_provider").first()
    if plan is not None and plan.hand_lead_to_provider and plan.community_provider is not None:
        lead = _current_lead(case)
        if lead is None or (lead.organisation_id != plan.community_provider_id
                            and lead.starts_on <= released_on):
            lead_pass(case=case, current=lead, organisation=plan.community_provider,
                      starts_on=released_on, by=by)
    return _refresh(episode, locked)


def _check_plan_referral(case: Any, referral: Any, provider: Any) -> None:
    """The plan's referral is one of this case's, sent to the community provider and not
    declined or withdrawn (it was made on an agreed pathway under a protocol in force, as every
    referral is)."""
    if referral.case_id != case.pk:
        raise DomainError(f"Referral {referral.reference} is not on case {case.reference}.",
                          field="referral")
    if provider is not None and referral.to_organisation_id != provider.pk:
        raise DomainError(f"Referral {referral.reference} is to {referral.to_organisation}, "
                          f"not to {provider}: choose the referral to the community provider.",
                          field="referral")
    if referral.status not in (*ReferralStatus.open(), ReferralStatus.COMPLETED):
        status = referral.get_status_display().lower()
        raise DomainError(f"Referral {referral.reference} was {status}: refer again on an "
                          "agreed pathway.", field="referral")


@transaction.atomic
def release_plan_update(*, episode: Any, by: User, **changes: Any) -> ReleasePlan:
    """Create or change the release plan of the open custody episode: any of ``PLAN_FIELDS``
    (``None`` clears a piece). A referral chosen without a provider names its receiving
    organisation as the provider. Once the person is released the plan is what they left
    with, so it no longer changes."""
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise DomainError(f"A release plan has no {', '.join(sorted(unknown))}.")
    case, locked = _locked_for(
        episode, by, "referrals.plan_release",
        "Only caseworkers of organisations involved in case {case}, or of the prison holding "
        "the person, can change its release plan.")
    if locked.released_on is not None:
        raise DomainError(f"The person on case {case.reference} was released on "
                          f"{govuk_date(locked.released_on)}: the release plan is what they "
                          "left with and no longer changes.", code="released")
    _require_open_episode(locked)
    plan = (ReleasePlan.objects.select_for_update().filter(episode=locked).first()
            or ReleasePlan(episode=locked))
    values = {name: getattr(plan, name) for name in PLAN_FIELDS}
    values.update(changes)
    provider, referral = values["community_provider"], values["referral"]
    if referral is not None:
        if not isinstance(referral, Referral):
            raise DomainError("Choose a referral of this case.", field="referral")
        if provider is None:
            provider = values["community_provider"] = referral.to_organisation
        _check_plan_referral(case, referral, provider)
    if provider is not None and provider.kind == OrganisationKind.PRISON:
        raise DomainError("The community provider cannot be a prison.",
                          field="community_provider")
    if values["appointment_time"] is not None and values["appointment_on"] is None:
        raise DomainError("Give the date of the first appointment as well as its time.",
                          field="appointment_on")
    if values["appointment_on"] is not None and values["appointment_on"] < locked.received_on:
        raise DomainError(f"The first community appointment "
                          f"({govuk_date(values['appointment_on'])}) cannot come before "
                          f"reception ({govuk_date(locked.received_on)}).",
                          field="appointment_on")
    for name in ("appointment_place", "appointment_with"):
        values[name] = (values[name] or "").strip()
    summary = f"Changed the release plan of case {case.reference}"
    if plan.pk is None:
        for name, value in values.items():
            setattr(plan, name, value)
        plan.updated_by = by
        return audited_create(instance=plan, by=by, redact=_redact,
                              summary=f"Started the release plan of case {case.reference}")
    return audited_update(instance=plan, by=by, redact=_redact, updated_by=by, summary=summary,
                          **values)


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

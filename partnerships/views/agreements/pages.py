"""The agreement pages themselves: one view per change, each saying what it asks (a form
from ``partnerships.forms.agreements``), which action it calls and what the banner says after.
"""

from __future__ import annotations

from typing import Any

import rules
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from core import clock
from core.display import govuk_date

from ... import actions
from ...choices import AgreementStatus
from ...forms.agreements import (
    AgreementCreateForm,
    DiscardForm,
    EndForm,
    NewVersionForm,
    PartyAddForm,
    PutIntoEffectForm,
    ReviewForm,
    SignForm,
    WithdrawForm,
)
from ...models import Agreement, Organisation
from ...rules import SIGN_AGREEMENT
from .flow import (
    NOT_A_MANAGER,
    Page,
    forbidden,
    managed_version,
    run,
    state_refusal,
    target_of,
    version_words,
)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Record a new agreement as a draft for its parties to sign."""
    target = target_of(request, slug)
    if not target.can_manage:
        return forbidden(request, target, "You cannot record an agreement", NOT_A_MANAGER)
    members = actions.members_on(target.partnership, clock.today())

    def make(data: Any, files: Any, initial: dict[str, Any]) -> forms.Form:
        return AgreementCreateForm(data, files, initial=initial, members=members)

    return run(request, target, Page(
        title="Record a new agreement", button="Record the draft agreement", make=make,
        action=actions.agreement_create, arguments={"partnership": target.partnership},
        success=lambda a: (f"{a.title} was recorded as a draft. Record each party's "
                           "signature, then put it into effect."),
        intro=("It is recorded as a draft: each party signs it, then you put it into "
               "effect.",), multipart=True))


@login_required
@require_http_methods(["GET", "POST"])
def agreement_new_version(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Start a new version (a draft) of the version in effect."""
    found = managed_version(request, slug, pk, "You cannot start a new version",
                             [AgreementStatus.ACTIVE],
                             "A new version starts from the version in effect")
    if isinstance(found, HttpResponse):
        return found
    agreement = found.agreement
    assert agreement is not None
    pending = actions.pending_version(agreement)
    if pending is not None:
        return forbidden(request, found, "You cannot start a new version",
                          f"Version {pending.version} is already being agreed: continue "
                          "with it, or discard it first.")

    def make(data: Any, files: Any, initial: dict[str, Any]) -> forms.Form:
        return NewVersionForm(data, files, initial=initial)

    return run(request, found, Page(
        title="Start a new version", button="Start the new version", make=make,
        action=actions.agreement_new_version, arguments={"agreement": agreement},
        initial={"title": agreement.title, "summary": agreement.summary},
        success=lambda new: (f"Version {new.version} of {new.title} was started as a draft. "
                             f"Version {agreement.version} stays in effect until the new "
                             "version is put into effect."),
        intro=(f"The new version carries forward the parties, review cycle and document of "
               f"version {agreement.version}. Each party signs the new version again. "
               f"Version {agreement.version} stays in effect until the new version is put "
               "into effect.",),
        multipart=True))


@login_required
@require_http_methods(["GET", "POST"])
def agreement_sign(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Record a party's signature. Managers record any party's; a partnership manager of a
    party organisation records only their own organisation's."""
    target = target_of(request, slug, pk)
    agreement = target.agreement
    assert agreement is not None
    title = "You cannot record a signature"
    if not target.can_manage and not rules.has_perm(SIGN_AGREEMENT, request.user, agreement):
        return forbidden(request, target, title,
                          "Signatures are recorded by the partnership managers of the lead "
                          "partner, or by a partnership manager of a party for their own "
                          "organisation.")
    refusal = state_refusal(agreement, [*AgreementStatus.pending(), AgreementStatus.ACTIVE],
                             "Signatures are recorded on the version being agreed or in effect")
    if refusal:
        return forbidden(request, target, title, refusal)
    parties = actions.unsigned_parties(agreement)
    if not target.can_manage:
        own = request.user.organisation_id  # type: ignore[union-attr]
        parties = [o for o in parties if o.pk == own]
        if not parties:
            return forbidden(request, target, title,
                              f"Your organisation has already signed {version_words(agreement)}.")
    if not parties:
        return forbidden(request, target, title,
                          f"Every party has signed {version_words(agreement)}.")

    def make(data: Any, files: Any, initial: dict[str, Any]) -> forms.Form:
        return SignForm(data, initial=initial, parties=parties)

    return run(request, target, Page(
        title=("Record a signature" if target.can_manage
               else "Record your organisation's signature"),
        button="Record the signature", make=make, action=actions.agreement_sign,
        arguments={"agreement": agreement},
        initial={"organisation": str(parties[0].pk)} if len(parties) == 1 else {},
        success=lambda s: (f"{s.organisation.name} signed {version_words(agreement)} on "
                           f"{govuk_date(s.signed_on)}.")))


@login_required
@require_http_methods(["GET", "POST"])
def agreement_party_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Add a member organisation to the parties of the version being agreed."""
    found = managed_version(request, slug, pk, "You cannot add a party",
                             AgreementStatus.pending(),
                             "Parties are added while a version is being agreed")
    if isinstance(found, HttpResponse):
        return found
    agreement = found.agreement
    assert agreement is not None
    already = set(agreement.signatories.values_list("organisation_id", flat=True))
    candidates = [o for o in actions.members_on(found.partnership, clock.today())
                  if o.pk not in already]
    if not candidates:
        return forbidden(request, found, "You cannot add a party",
                          "Every current member organisation is already a party. Add the "
                          "organisation to the partnership first.")

    def make(data: Any, files: Any, initial: dict[str, Any]) -> forms.Form:
        return PartyAddForm(data, initial=initial, candidates=candidates)

    return run(request, found, Page(
        title="Add a party", button="Add the party", make=make,
        action=actions.agreement_party_add, arguments={"agreement": agreement},
        success=lambda s: f"{s.organisation.name} is now a party to "
                          f"{version_words(agreement)}."))


@login_required
@require_http_methods(["GET", "POST"])
def agreement_party_withdraw(request: HttpRequest, slug: str, pk: int,
                             organisation_pk: int) -> HttpResponse:
    """Withdraw a party from the version being agreed (checked before it happens)."""
    found = managed_version(request, slug, pk, "You cannot withdraw a party",
                             AgreementStatus.pending(),
                             "Parties are withdrawn while a version is being agreed")
    if isinstance(found, HttpResponse):
        return found
    agreement = found.agreement
    assert agreement is not None
    party = agreement.signatories.filter(organisation_id=organisation_pk).first()
    if party is None:
        raise Http404("That organisation is not a party to this version.")
    organisation: Organisation = party.organisation

    def make(data: Any, files: Any, initial: dict[str, Any]) -> forms.Form:
        return WithdrawForm(data, initial=initial)

    return run(request, found, Page(
        title=f"Withdraw {organisation.name}", button="Withdraw the organisation", make=make,
        action=actions.agreement_party_withdraw,
        arguments={"agreement": agreement, "organisation": organisation}, check=True,
        warning=True,
        success=lambda _: f"{organisation.name} was withdrawn from "
                          f"{version_words(agreement)}.",
        intro=((f"{organisation.name} signed on {govuk_date(party.signed_on)}: the signature "
                "is withdrawn too.",) if party.signed_on else ())))


@login_required
@require_http_methods(["GET", "POST"])
def agreement_put_into_effect(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Put the version being agreed into effect on a date (checked before it happens)."""
    found = managed_version(request, slug, pk, "You cannot put this version into effect",
                             AgreementStatus.pending(),
                             "Only a version being agreed can be put into effect")
    if isinstance(found, HttpResponse):
        return found
    agreement = found.agreement
    assert agreement is not None
    unsigned = actions.unsigned_parties(agreement)

    def make(data: Any, files: Any, initial: dict[str, Any]) -> forms.Form:
        return PutIntoEffectForm(data, initial=initial, unsigned=unsigned)

    def success(done: Agreement) -> str:
        if done.status == AgreementStatus.SCHEDULED:
            return (f"Version {done.version} of {done.title} is due to take effect on "
                    f"{govuk_date(done.effective_from)}.")
        replaced = f" It replaces version {done.version - 1}." if done.replaces_id else ""
        return (f"Version {done.version} of {done.title} is in effect from "
                f"{govuk_date(done.effective_from)}.{replaced}")

    initial = ({"effective_on": agreement.effective_from}
               if agreement.effective_from else {})
    return run(request, found, Page(
        title="Put into effect", button="Put into effect", make=make,
        action=actions.agreement_put_into_effect, arguments={"agreement": agreement},
        check=True, success=success, initial=initial,
        intro=(("The version it replaces stays in effect until this date.",)
               if agreement.replaces_id else ())))


@login_required
@require_http_methods(["GET", "POST"])
def agreement_discard(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Throw away a version being agreed (checked before it happens)."""
    found = managed_version(request, slug, pk, "You cannot discard this version",
                             AgreementStatus.pending(),
                             "Only a version being agreed can be discarded")
    if isinstance(found, HttpResponse):
        return found
    agreement = found.agreement
    assert agreement is not None
    words = version_words(agreement)

    def make(data: Any, files: Any, initial: dict[str, Any]) -> forms.Form:
        return DiscardForm(data, initial=initial)

    return run(request, found, Page(
        title="Discard this draft", button="Discard the draft", make=make,
        action=actions.agreement_draft_discard, arguments={"agreement": agreement},
        check=True, warning=True,
        success=lambda _: f"The draft of {words} was discarded.",
        intro=(f"The draft of {words} and its signatures are removed. The version in "
               "effect, if any, is not changed.",)))


@login_required
@require_http_methods(["GET", "POST"])
def agreement_review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Record the parties' review of the version in effect."""
    found = managed_version(request, slug, pk, "You cannot record a review",
                             [AgreementStatus.ACTIVE],
                             "Reviews are recorded on the version in effect")
    if isinstance(found, HttpResponse):
        return found
    agreement = found.agreement
    assert agreement is not None

    def make(data: Any, files: Any, initial: dict[str, Any]) -> forms.Form:
        return ReviewForm(data, initial=initial)

    return run(request, found, Page(
        title="Record a review", button="Record the review", make=make,
        action=actions.agreement_review_record, arguments={"agreement": agreement},
        success=lambda r: (f"The review of {agreement.title} on {govuk_date(r.reviewed_on)} "
                           f"was recorded. The next review is due on "
                           f"{govuk_date(r.next_review_due)}.")))


@login_required
@require_http_methods(["GET", "POST"])
def agreement_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """End the version in effect, with no version replacing it (checked before it happens)."""
    found = managed_version(request, slug, pk, "You cannot end this agreement",
                             [AgreementStatus.ACTIVE],
                             "Only the version in effect can be ended")
    if isinstance(found, HttpResponse):
        return found
    agreement = found.agreement
    assert agreement is not None

    def make(data: Any, files: Any, initial: dict[str, Any]) -> forms.Form:
        return EndForm(data, initial=initial)

    return run(request, found, Page(
        title="End this agreement", button="End the agreement", make=make,
        action=actions.agreement_end, arguments={"agreement": agreement}, check=True,
        warning=True,
        success=lambda a: f"{a.title} ended on {govuk_date(a.ended_on)}.",
        intro=("No version replaces it. To change it instead, start a new version.",)))

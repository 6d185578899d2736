"""The continuity-of-care figures (``referrals.continuity``) offered to monitoring returns as
figures filled in from casework (issue 18), so a provider never types what the registry already
counts.

``monitoring`` and ``referrals`` are siblings that never import each other, so this layer,
above both, registers each figure with ``monitoring.computed`` at start-up. The return's
organisation scopes the count: a prison reports the releases from its establishment, any other
organisation (a community treatment provider) the releases whose plan names it as the
community provider. Both are within the return's partnership and period.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from monitoring.computed import ComputeRequest, register_source
from partnerships.choices import OrganisationKind
from partnerships.models import Organisation
from referrals.continuity import ContinuityFigures, figures

ORIGIN = "casework (continuity of care)"

#: Code → (label admins choose it by, how it is read off the figures).
CONTINUITY_METRICS: dict[str, tuple[str, Callable[[ContinuityFigures], float | int | None]]] = {
    "continuity.releases": (
        "Continuity of care: releases with a treatment need", lambda f: f.releases),
    "continuity.engaged_within_21_days": (
        "Continuity of care: engaged in community treatment within 21 days",
        lambda f: f.engaged_within_21_days),
    "continuity.percent_engaged": (
        "Continuity of care: percentage engaged within 21 days", lambda f: f.percent_engaged),
    "continuity.median_days_to_first_appointment": (
        "Continuity of care: median days from release to first appointment",
        lambda f: f.median_days_to_first_appointment),
    "continuity.no_plan_by_release": (
        "Continuity of care: releases with no plan by release day",
        lambda f: f.no_plan_by_release),
    "continuity.transfers_in": (
        "Continuity of care: transfers in from other prisons", lambda f: f.transfers_in),
    "continuity.transfers_out": (
        "Continuity of care: transfers out to other prisons", lambda f: f.transfers_out),
}


def continuity_figures(request: ComputeRequest) -> ContinuityFigures:
    """The figures of the return's organisation, partnership and period, worked out once per
    request however many of them the return asks for (one query for the organisation's kind,
    two for the figures)."""
    def build() -> ContinuityFigures:
        kind = (Organisation.objects.filter(pk=request.organisation_id)
                .values_list("kind", flat=True).first())
        prison = kind == OrganisationKind.PRISON
        return figures(partnership_id=request.partnership_id, start=request.starts_on,
                       end=request.ends_on,
                       prison_id=request.organisation_id if prison else None,
                       provider_id=None if prison else request.organisation_id)

    result: ContinuityFigures = request.once("continuity", build)
    return result


def _reader(read: Callable[[ContinuityFigures], float | int | None]
            ) -> Callable[[ComputeRequest], Decimal | None]:
    def compute(request: ComputeRequest) -> Decimal | None:
        value = read(continuity_figures(request))
        # str() first: a float's binary expansion (12.1 → 12.0999…) must not reach the return.
        return None if value is None else Decimal(str(value))
    return compute


def register_continuity_metrics() -> None:
    """Offer every continuity figure to monitoring returns (idempotent)."""
    for code, (label, read) in CONTINUITY_METRICS.items():
        register_source(code, label, _reader(read), origin=ORIGIN)

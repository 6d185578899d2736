"""Figures a return takes from elsewhere in the registry instead of asking the provider to type
them ("computed metrics", issue 18): a metric whose ``computed_from`` names a source here is
filled in when its return is opened as a draft and again when it is submitted, and stored as an
ordinary ``Value``, so reports, totals, exports and approval read it like any other figure.

The numbers come from apps above this one (the continuity-of-care figures live in
``referrals``, which this app may never import), so the registry is filled by a higher layer in
its ``AppConfig.ready`` (``composition.apps``), the same shape as
``notifications.calendar.register_source``. This module only keeps the list and calls it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass
class ComputeRequest:
    """What a source is asked for: one organisation's figure for one partnership and period.

    ``shared`` lets the sources of one refresh reuse work: the seven continuity figures come
    from one calculation, done once per return rather than once per figure."""

    organisation_id: int
    partnership_id: int
    starts_on: datetime.date
    ends_on: datetime.date
    shared: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, build: Callable[[], Any]) -> Any:
        """``build()``, computed the first time ``key`` is asked for in this request only."""
        if key not in self.shared:
            self.shared[key] = build()
        return self.shared[key]


Compute = Callable[[ComputeRequest], Decimal | None]


@dataclass(frozen=True)
class ComputedSource:
    """A figure the registry can fill in: its stable code (stored on ``Metric.computed_from``),
    the label admins choose it by, where it comes from in the provider's words (shown next to
    the figure: "From casework (continuity of care): 4"), and the function that computes it
    (``None``: nothing to report, e.g. a percentage of no releases)."""

    code: str
    label: str
    compute: Compute
    origin: str = "casework"

    @property
    def hint(self) -> str:
        return f"From {self.origin}"


_sources: dict[str, ComputedSource] = {}


def register_source(code: str, label: str, compute: Compute, *,
                    origin: str = "casework") -> ComputedSource:
    """Offer a figure to returns (idempotent: registering a code again replaces it, so a
    reloaded app does not leave a stale function behind)."""
    source = ComputedSource(code=code, label=label, compute=compute, origin=origin)
    _sources[code] = source
    return source


def sources() -> list[ComputedSource]:
    """Every registered source, by label (the order admins choose from)."""
    return sorted(_sources.values(), key=lambda source: source.label)


def source(code: str) -> ComputedSource | None:
    """The source registered as ``code``, or None."""
    return _sources.get(code)


def compute(code: str, *, organisation_id: int, partnership_id: int,
            starts_on: datetime.date, ends_on: datetime.date,
            request: ComputeRequest | None = None) -> Decimal | None:
    """The figure of source ``code`` for an organisation, partnership and period. Pass
    ``request`` to share work between several figures of one return. ``LookupError`` for a
    code nobody registered."""
    found = _sources.get(code)
    if found is None:
        raise LookupError(f"No computed figure is registered as {code!r}.")
    if request is None:
        request = ComputeRequest(organisation_id=organisation_id, partnership_id=partnership_id,
                                 starts_on=starts_on, ends_on=ends_on)
    return found.compute(request)

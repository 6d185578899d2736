"""What several registry pages share: the partnership status tag colours, the region choices
of the filter panels, today's date and the half-open "in force" rule for rows in memory."""

from __future__ import annotations

import datetime

from ..choices import PartnershipStatus
from ..models import Region

PARTNERSHIP_STATUS_TAGS: dict[str, str] = {
    PartnershipStatus.FORMING: "govuk-tag--blue",
    PartnershipStatus.ACTIVE: "govuk-tag--green",
    PartnershipStatus.ENDED: "govuk-tag--grey",
}


def region_choices() -> list[tuple[str, str]]:
    """Regions as (code, name) pairs in display order, for filter panels."""
    return list(Region.objects.order_by("position", "name").values_list("code", "name"))




def is_in_force(start: datetime.date, end: datetime.date | None, on: datetime.date) -> bool:
    """The same half-open rule as ``querysets.in_force_on``, for rows already in memory."""
    return start <= on and (end is None or end > on)

"""Which lead responsibilities end with a membership: read by ``membership_end`` (which ends
them) and by its check-your-answers page (which lists them first), so both say the same."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from ..models import LeadResponsibility, Membership


def leads_ending_with(membership: Membership, left_on: datetime.date
                      ) -> QuerySet[LeadResponsibility]:
    """The organisation's lead responsibilities in the partnership that would outlast its
    membership ending on ``left_on`` (a lead is a member every day it leads); none when it
    stays a member in another role that day."""
    still_member = (Membership.objects
                    .filter(partnership_id=membership.partnership_id,
                            organisation_id=membership.organisation_id)
                    .exclude(pk=membership.pk).active_on(left_on).exists())
    if still_member:
        return LeadResponsibility.objects.none()
    return (LeadResponsibility.objects
            .filter(partnership_id=membership.partnership_id,
                    organisation_id=membership.organisation_id)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=left_on)))

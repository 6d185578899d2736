"""Filters of the continuity-of-care report, in one spelling for its page and its API
(``referrals.views.continuity``, ``referrals.api.continuity``): a prison and a community
provider, each named by its slug and offered only where the report has something to show for
it, so a hand-typed slug the report does not know is refused with the parameter named, never
answered with an empty report that looks like zero releases."""

from __future__ import annotations

from typing import Any, TypedDict

import django_filters

from partnerships.models import Organisation, Partnership

from .continuity import report_prisons, report_providers
from .models import CustodyEpisode


class Chosen(TypedDict):
    """The filters chosen, as ``continuity.report`` takes them."""

    prison_id: int | None
    provider_id: int | None


class ContinuityFilter(django_filters.FilterSet):
    """The report's prison (the releasing establishment) and community provider (the release
    plan's), among those the partnership's custody records name."""

    prison = django_filters.ModelChoiceFilter(
        label="Prison", to_field_name="slug", empty_label="All prisons",
        queryset=Organisation.objects.none(),  # the partnership's, set in __init__
        error_messages={"invalid_choice": "Choose a prison that has held someone on this "
                                          "partnership's cases."})
    provider = django_filters.ModelChoiceFilter(
        label="Community provider", to_field_name="slug", empty_label="All community providers",
        queryset=Organisation.objects.none(),
        error_messages={"invalid_choice": "Choose a community provider named in this "
                                          "partnership's release plans."})

    class Meta:
        model = CustodyEpisode
        fields = ["prison", "provider"]

    def __init__(self, data: Any = None, *, partnership: Partnership, **kwargs: Any) -> None:
        super().__init__(data, queryset=CustodyEpisode.objects.none(), **kwargs)
        self.filters["prison"].queryset = report_prisons(partnership.pk)
        self.filters["provider"].queryset = report_providers(partnership.pk)

    def chosen(self) -> Chosen:
        """``prison_id`` and ``provider_id`` for ``continuity.report`` (after a successful
        ``is_valid``, or with no data): None where no filter is chosen."""
        data = self.form.cleaned_data if self.is_bound else {}
        return {"prison_id": data["prison"].pk if data.get("prison") else None,
                "provider_id": data["provider"].pk if data.get("provider") else None}

"""The continuity-of-care report through the API (issue 18): ``GET /api/v1/continuity/?partnership=
<slug>[&prison=<slug>][&provider=<slug>]``, one row per financial quarter, oldest first, the
same figures as the report page (``referrals.continuity.report``, filtered by the page's own
``ContinuityFilter``).

Counts only, never a case or a person: whoever may see the partnership in the registry may read
them. A partnership that does not exist or that the user may not see is a 404 (the same
answer); a missing ``partnership`` or a prison or provider the report does not know is a 400
naming the parameter."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import continuity
from ..filters import ContinuityFilter
from .common import NOT_FOUND, NoStore, SignedIn


class ContinuityQuarterSerializer(serializers.Serializer):
    """One financial quarter of the report (the current one to date)."""

    quarter = serializers.CharField(help_text="The financial quarter, e.g. 2026–27 Q1.")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    releases = serializers.IntegerField(
        help_text="Releases from prison, in the quarter, of people with a substance misuse "
                  "treatment need. Transfers between prisons are not releases.")
    engaged_within_21_days = serializers.IntegerField(
        help_text="Releases whose first community appointment was attended within 21 calendar "
                  "days (the day of release is day 0; day 21 counts).")
    percent_engaged = serializers.FloatField(
        allow_null=True, help_text="engaged_within_21_days as a percentage of releases, to one "
                                   "decimal place; null when there were no releases.")
    median_days_to_first_appointment = serializers.FloatField(
        allow_null=True, help_text="Median calendar days from release to the first appointment "
                                   "attended; null when none was attended.")
    no_plan_by_release = serializers.IntegerField(
        help_text="Releases whose plan named no community provider or booked no first "
                  "appointment by release day.")
    engaged_late = serializers.IntegerField(
        help_text="First appointment attended after day 21.")
    not_engaged = serializers.IntegerField(
        help_text="Did not attend, or 21 days passed with nothing recorded.")
    awaiting = serializers.IntegerField(
        help_text="Released less than 21 days ago with nothing recorded yet.")
    transfers_in = serializers.IntegerField(help_text="Receptions by transfer from another "
                                                      "prison in the quarter.")
    transfers_out = serializers.IntegerField(help_text="Transfers to another prison in the "
                                                       "quarter.")


def quarter_data(row: continuity.QuarterFigures) -> dict[str, Any]:
    """One report row as the serializer reads it."""
    figures = row.figures
    return {"quarter": row.label, "starts_on": row.starts_on, "ends_on": row.ends_on,
            "releases": figures.releases,
            "engaged_within_21_days": figures.engaged_within_21_days,
            "percent_engaged": figures.percent_engaged,
            "median_days_to_first_appointment": figures.median_days_to_first_appointment,
            "no_plan_by_release": figures.no_plan_by_release,
            "engaged_late": figures.engaged_late, "not_engaged": figures.not_engaged,
            "awaiting": figures.awaiting, "transfers_in": figures.transfers_in,
            "transfers_out": figures.transfers_out}


class ContinuityView(NoStore, APIView):
    """A partnership's continuity-of-care figures per financial quarter."""

    permission_classes = [SignedIn]

    @extend_schema(
        summary="A partnership's continuity of care through the gate",
        description="Per UK financial quarter, oldest first, from the quarter of the "
                    "partnership's first recorded release or transfer (at most eight quarters "
                    "back) to the current quarter (to date): releases from prison of people "
                    "with a treatment need, how many were engaged in community treatment within "
                    "21 calendar days, and transfers between prisons. An empty list when no "
                    "release or transfer is recorded. Counts only; for anyone who may see the "
                    "partnership.",
        parameters=[
            OpenApiParameter("partnership", str, required=True,
                             description="Slug of the partnership."),
            OpenApiParameter("prison", str, required=False,
                             description="Slug of a prison that has held someone on the "
                                         "partnership's cases: only its releases and "
                                         "transfers."),
            OpenApiParameter("provider", str, required=False,
                             description="Slug of a community treatment provider named in the "
                                         "partnership's release plans: only the releases "
                                         "planned to it."),
        ],
        responses={200: ContinuityQuarterSerializer(many=True),
                   400: OpenApiResponse(description="No partnership named, or a prison or "
                                                    "provider the report does not know."),
                   404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        slug = (request.query_params.get("partnership") or "").strip()
        if not slug:
            raise serializers.ValidationError(
                {"partnership": ["Name the partnership: ?partnership=<its slug>."]})
        partnership = continuity.partnership_for_report(request.user, slug)
        if partnership is None:
            raise Http404
        filters = ContinuityFilter(request.query_params, partnership=partnership)
        if not filters.is_valid():
            raise serializers.ValidationError(filters.errors)
        rows = continuity.report(partnership=partnership, **filters.chosen())
        return Response(ContinuityQuarterSerializer([quarter_data(r) for r in rows],
                                                    many=True).data)


__all__ = ["ContinuityView"]

"""The registry's write API for organisations, partnerships, their members, lead partner, lead
for each activity and funding (agreements: ``writes_agreements``). Every write is one call of
``partnerships.actions``; who may make it is the rules' answer (see ``writes_common``).

Routes (under /api/v1/, registered in ``config/api_urls.py``):

- ``POST /organisations/``, ``PATCH /organisations/{slug}/``: platform admins;
- ``POST /partnerships/``: platform admins; ``PATCH /partnerships/{slug}/``: its managers;
- ``POST /partnerships/{slug}/memberships/``, ``.../lead-partner/``,
  ``.../lead-responsibilities/``, ``.../funding/``: its managers;
- ending them: ``writes_periods``.

The read viewsets are subclassed, not changed, so every GET answers and costs as before.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.parsers import BoundedJSONParser

from .. import actions
from ..choices import FundingSource, MemberRole, OrganisationKind, Setting
from ..models import (
    Activity,
    Funding,
    LeadResponsibility,
    Membership,
    Partnership,
    Region,
)
from .registry import (
    OrganisationDetailSerializer,
    OrganisationViewSet,
    PartnershipDetailSerializer,
    PartnershipViewSet,
)
from .writes_common import (
    BAD_INPUT,
    CANNOT_CHANGE_ORGANISATION,
    CANNOT_MANAGE,
    CANNOT_REGISTER_PARTNERSHIP,
    FORBIDDEN,
    MANAGE,
    NOT_FOUND,
    VIEW_PARTNERSHIP,
    FundingWriteSerializer,
    LeadResponsibilityWriteSerializer,
    MembershipSerializer,
    ReadWriteMixin,
    answer,
    organisation_field,
    partnership_or_404,
    read_input,
    require,
    validated,
)

WRITE_ERRORS = {400: BAD_INPUT, 403: FORBIDDEN}
DETAIL_ERRORS = {400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND}


def _regions() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), many=True, required=False,
        help_text="Codes of the regions it serves, e.g. [\"london\"].")


def _partial(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """A PATCH body: only the fields given, at least one."""
    data = validated(serializer_class(data=request.data, partial=True,
                                      context={"request": request}))
    if not data:
        raise serializers.ValidationError(
            {"non_field_errors": ["Give at least one field to change."]})
    return data


# --------------------------------------------------------------------------------------------
# Organisations
# --------------------------------------------------------------------------------------------


class OrganisationInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    identifier = serializers.CharField(
        required=False, allow_blank=True, max_length=60,
        help_text="Unique, in the org-id.guide form, e.g. GB-CHC-1074546 (charity), "
                  "GB-COH-03562176 (company).")
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(),
                                          required=False, allow_null=True,
                                          help_text="Code of its region.")
    website = serializers.URLField(required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    parent = organisation_field("Slug of the group it belongs to.", required=False,
                                allow_null=True)


ORGANISATION_EXAMPLE = OpenApiExample(
    "A charity in a group", request_only=True,
    value={"name": "Northern Housing Trust", "kind": "charity", "identifier": "GB-CHC-1234567",
           "region": "north-west", "website": "https://northernhousing.example.org",
           "description": "Supported housing for women leaving custody.",
           "parent": "cedar-group"})


class OrganisationReadWriteViewSet(ReadWriteMixin, OrganisationViewSet):
    """Organisations: every signed-in user reads; platform admins register and change them."""

    parser_classes = [BoundedJSONParser]

    @extend_schema(summary="Register an organisation", description="Platform admins only.",
                   request=OrganisationInput, examples=[ORGANISATION_EXAMPLE],
                   responses={201: OrganisationDetailSerializer, **WRITE_ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require(request, "partnerships.add_organisation", None, CANNOT_CHANGE_ORGANISATION)
        data = read_input(OrganisationInput, request)
        organisation = actions.organisation_create(by=request.user, **data)
        return self.detail_answer(organisation, status.HTTP_201_CREATED)

    @extend_schema(summary="Change an organisation's details",
                   description="Platform admins only. Only the fields given change; the slug "
                               "stays, so links keep working after a rename.",
                   request=OrganisationInput, responses={200: OrganisationDetailSerializer,
                                                         **DETAIL_ERRORS},
                   examples=[OpenApiExample("A new website", request_only=True,
                                            value={"website": "https://new.example.org"})])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organisation = self.get_object()
        require(request, "partnerships.change_organisation", organisation,
                CANNOT_CHANGE_ORGANISATION)
        data = _partial(OrganisationInput, request)
        actions.organisation_update(organisation=organisation, by=request.user, **data)
        return self.detail_answer(organisation, status.HTTP_200_OK)


# --------------------------------------------------------------------------------------------
# Partnerships and what hangs off them
# --------------------------------------------------------------------------------------------


class PartnershipInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    setting = serializers.ChoiceField(choices=Setting.choices)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    started_on = serializers.DateField(required=False, allow_null=True)
    regions = _regions()


class MembershipInput(serializers.Serializer):
    organisation = organisation_field("Slug of the organisation joining.")
    role = serializers.ChoiceField(choices=MemberRole.choices)
    joined_on = serializers.DateField(help_text="Its first day as a member.")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=300)


class LeadPartnerInput(serializers.Serializer):
    organisation = organisation_field("Slug of the new lead partner.")
    effective_on = serializers.DateField(
        help_text="Its first day as lead; the old lead's role ends the day before.")
    previous_lead_continues_as = serializers.ChoiceField(
        choices=[c for c in MemberRole.choices if c[0] != MemberRole.LEAD_PARTNER],
        required=False, allow_null=True,
        help_text="The old lead stays a member in this role; without it, it leaves.")


class LeadResponsibilityInput(serializers.Serializer):
    activity = serializers.SlugField(help_text="Slug of a standard activity, or of one this "
                                               "partnership added.")
    organisation = organisation_field("Slug of the member organisation that leads it.")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True,
                                    help_text="First day it no longer leads (empty: open).")
    contact = serializers.CharField(required=False, allow_blank=True, max_length=200)


class FundingInput(serializers.Serializer):
    funder = organisation_field("Slug of the funder.")
    recipient = organisation_field("Slug of the member paid, if not the whole partnership.",
                                   required=False, allow_null=True)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0,
                                      help_text="In pounds, e.g. \"125000.00\".")
    source = serializers.ChoiceField(choices=FundingSource.choices)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    reference = serializers.CharField(required=False, allow_blank=True, max_length=120)


def _activity(partnership: Partnership, slug: str) -> Activity:
    """The activity ``slug``: the partnership's own one, else the standard one (400 if none)."""
    activity = (Activity.objects.filter(partnership=partnership, slug=slug).first()
                or Activity.objects.filter(partnership__isnull=True, slug=slug).first())
    if activity is None:
        raise serializers.ValidationError(
            {"activity": [f"There is no activity '{slug}' in this partnership's matrix."]})
    return activity


class PartnershipReadWriteViewSet(ReadWriteMixin, PartnershipViewSet):
    """Partnerships: every signed-in user reads; platform admins register them; the lead
    partner's partnership managers and platform admins change them and their members, lead
    partner, leads and funding."""

    parser_classes = [BoundedJSONParser]

    def _managed(self, request: Request, slug: str) -> Partnership:
        partnership = partnership_or_404(request, slug, VIEW_PARTNERSHIP)
        require(request, MANAGE, partnership, CANNOT_MANAGE)
        return partnership

    @extend_schema(summary="Register a partnership",
                   description="Platform admins only. It starts as forming; add its members "
                               "(the lead partner first) with POST .../memberships/.",
                   request=PartnershipInput, responses={201: PartnershipDetailSerializer,
                                                        **WRITE_ERRORS},
                   examples=[OpenApiExample(
                       "A community hub", request_only=True,
                       value={"name": "Riverside Women's Partnership", "setting": "community",
                              "summary": "A whole-system approach for women in contact with "
                                         "the justice system.",
                              "started_on": "2026-04-01", "regions": ["north-west"]})])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require(request, "partnerships.add_partnership", None, CANNOT_REGISTER_PARTNERSHIP)
        data = read_input(PartnershipInput, request)
        partnership = actions.partnership_create(by=request.user, **data)
        return self.detail_answer(partnership, status.HTTP_201_CREATED)

    @extend_schema(summary="Change a partnership's details",
                   description="Name, summary, setting, start date and regions; only the "
                               "fields given change and the slug stays. For its managers.",
                   request=PartnershipInput, responses={200: PartnershipDetailSerializer,
                                                        **DETAIL_ERRORS},
                   examples=[OpenApiExample("A new name and regions", request_only=True,
                                            value={"name": "Riverside Women's Partnership (NW)",
                                                   "regions": ["north-west", "london"]})])
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = self._managed(request, kwargs["slug"])
        data = _partial(PartnershipInput, request)
        actions.partnership_update(partnership=partnership, by=request.user, **data)
        return self.detail_answer(partnership, status.HTTP_200_OK)

    @extend_schema(summary="Add a member", request=MembershipInput,
                   description="An organisation joins in a role from a date. To hand over the "
                               "lead, use POST .../lead-partner/.",
                   responses={201: MembershipSerializer, **DETAIL_ERRORS},
                   examples=[OpenApiExample("A delivery partner joins", request_only=True,
                                            value={"organisation": "northern-housing-trust",
                                                   "role": "delivery_partner",
                                                   "joined_on": "2026-12-01"})])
    @action(detail=True, methods=["post"], url_path="memberships", url_name="memberships")
    def memberships(self, request: Request, slug: str) -> Response:
        partnership = self._managed(request, slug)
        data = read_input(MembershipInput, request)
        membership = actions.membership_add(partnership=partnership, by=request.user, **data)
        return answer(MembershipSerializer, Membership, membership.pk, status.HTTP_201_CREATED,
                       request)

    @extend_schema(summary="Change the lead partner on a date", request=LeadPartnerInput,
                   description="The old lead's role ends the day before (history kept); it "
                               "leaves, or stays in the role given. Answers the new lead "
                               "partner's membership.",
                   responses={201: MembershipSerializer, **DETAIL_ERRORS},
                   examples=[OpenApiExample("Hand over, the old lead stays on",
                                            request_only=True,
                                            value={"organisation": "northern-housing-trust",
                                                   "effective_on": "2027-04-01",
                                                   "previous_lead_continues_as":
                                                       "delivery_partner"})])
    @action(detail=True, methods=["post"], url_path="lead-partner", url_name="lead-partner")
    def lead_partner(self, request: Request, slug: str) -> Response:
        partnership = self._managed(request, slug)
        data = read_input(LeadPartnerInput, request)
        membership = actions.lead_partner_change(partnership=partnership, by=request.user,
                                                 **data)
        return answer(MembershipSerializer, Membership, membership.pk, status.HTTP_201_CREATED,
                       request)

    @extend_schema(summary="Assign the lead for an activity", request=LeadResponsibilityInput,
                   description="The organisation must be a member every day it leads; a "
                               "current lead for the activity hands over on the start date.",
                   responses={201: LeadResponsibilityWriteSerializer, **DETAIL_ERRORS},
                   examples=[OpenApiExample("Lead for treatment delivery", request_only=True,
                                            value={"activity": "treatment-delivery",
                                                   "organisation": "city-womens-centre",
                                                   "starts_on": "2026-12-01",
                                                   "contact": "Head of Services"})])
    @action(detail=True, methods=["post"], url_path="lead-responsibilities",
            url_name="lead-responsibilities")
    def lead_responsibilities(self, request: Request, slug: str) -> Response:
        partnership = self._managed(request, slug)
        data = read_input(LeadResponsibilityInput, request)
        data["activity"] = _activity(partnership, data["activity"])
        responsibility = actions.lead_responsibility_assign(partnership=partnership,
                                                            by=request.user, **data)
        return answer(LeadResponsibilityWriteSerializer, LeadResponsibility, responsibility.pk,
                       status.HTTP_201_CREATED, request)

    @extend_schema(summary="Record funding", request=FundingInput,
                   responses={201: FundingWriteSerializer, **DETAIL_ERRORS},
                   examples=[OpenApiExample("A year's grant", request_only=True,
                                            value={"funder": "county-community-foundation",
                                                   "recipient": "city-womens-centre",
                                                   "amount": "125000.00", "source": "grant",
                                                   "period_start": "2026-04-01",
                                                   "period_end": "2027-03-31",
                                                   "reference": "BL-2026-17"})])
    @action(detail=True, methods=["post"], url_path="funding", url_name="funding")
    def funding(self, request: Request, slug: str) -> Response:
        partnership = self._managed(request, slug)
        data = read_input(FundingInput, request)
        funding = actions.funding_add(partnership=partnership, by=request.user, **data)
        return answer(FundingWriteSerializer, Funding, funding.pk, status.HTTP_201_CREATED,
                       request)


__all__ = [
    "OrganisationReadWriteViewSet",
    "PartnershipReadWriteViewSet",
]

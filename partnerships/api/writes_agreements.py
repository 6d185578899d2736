"""The agreement lifecycle through the API: draft -> (due to take effect ->) in effect ->
replaced | ended, each step one call of ``partnerships.actions`` (ADR 0017), the same the
partnership page and the admin call.

Routes (under /api/v1/, registered in ``config/api_urls.py``):

- ``POST /agreements/``: a draft (its partnership's managers);
- ``POST /agreements/{id}/new-version/``: a draft carrying forward the version in effect;
- ``POST /agreements/{id}/parties/``, ``.../parties/{organisation}/withdraw/``;
- ``POST /agreements/{id}/signatures/``: the managers, or a partnership manager of a party for
  their own organisation only;
- ``POST /agreements/{id}/put-into-effect/``, ``.../reviews/``, ``.../end/``.

Documents are uploaded on the partnership page (the action checks their content); a draft's
document carries forward to each new version. The read viewset is subclassed, not changed.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.parsers import BoundedJSONParser

from .. import actions
from ..choices import AgreementKind
from ..models import Agreement, AgreementReview, Partnership
from .registry import AgreementDetailSerializer, AgreementViewSet
from .writes_common import (
    BAD_INPUT,
    CANNOT_MANAGE,
    CANNOT_SIGN,
    FORBIDDEN,
    MANAGE,
    NOT_FOUND,
    ONLY_OWN_SIGNATURE,
    SIGN,
    AgreementReviewSerializer,
    ReadWriteMixin,
    fresh,
    organisation_field,
    read_input,
    require,
    row_or_404,
    validated,
)

ERRORS = {400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND}


class AgreementPartnershipInput(serializers.Serializer):
    partnership = serializers.SlugRelatedField(
        slug_field="slug", queryset=Partnership.objects.all(),
        help_text="Slug of the partnership the agreement belongs to.")


class AgreementCreateInput(AgreementPartnershipInput):
    kind = serializers.ChoiceField(choices=AgreementKind.choices)
    title = serializers.CharField(max_length=200)
    parties = organisation_field("Slugs of the organisations expected to sign.", many=True,
                                 required=False)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    review_cycle_months = serializers.IntegerField(
        required=False, min_value=1, max_value=60,
        help_text="Months between reviews (default 12).")
    effective_from = serializers.DateField(required=False, allow_null=True,
                                           help_text="The date it is planned to take effect.")
    review_due = serializers.DateField(required=False, allow_null=True,
                                       help_text="The first review date (default: a review "
                                                 "cycle after it takes effect).")


class NewVersionInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000,
                                   help_text="Why it changes (shown with the version).")
    title = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                  help_text="A new title (default: the current one).")
    summary = serializers.CharField(required=False, allow_blank=True, max_length=5000,
                                    help_text="A new summary (default: the current one).")


class PartyInput(serializers.Serializer):
    organisation = organisation_field("Slug of the organisation expected to sign.")


class WithdrawInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class SignatureInput(serializers.Serializer):
    organisation = organisation_field("Slug of the party that signed.")
    signed_by = serializers.CharField(max_length=150, help_text="Name of the person who signed.")
    signer_role = serializers.CharField(required=False, allow_blank=True, max_length=150,
                                        help_text="Their job title, e.g. Chief Executive.")
    signed_on = serializers.DateField(help_text="The date signed (today or earlier, UK).")


class PutIntoEffectInput(serializers.Serializer):
    effective_on = serializers.DateField(
        help_text="Today or earlier: in effect now, replacing the version in effect; later: "
                  "due to take effect, and the daily job swaps them on that date.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000,
                                   help_text="Required while a party has not signed: why it "
                                             "goes ahead without them (recorded).")
    review_due = serializers.DateField(required=False, allow_null=True,
                                       help_text="The first review (default: a review cycle "
                                                 "after it takes effect).")


class AgreementReviewInput(serializers.Serializer):
    reviewed_on = serializers.DateField(help_text="Today or earlier (UK).")
    outcome = serializers.CharField(max_length=2000, help_text="What the parties concluded.")
    next_review_due = serializers.DateField(required=False, allow_null=True,
                                            help_text="Default: a review cycle after this one.")


class AgreementEndInput(serializers.Serializer):
    ended_on = serializers.DateField()
    reason = serializers.CharField(max_length=1000, help_text="Why it ends.")


ORGANISATION_PATH = OpenApiParameter("organisation", str, OpenApiParameter.PATH,
                                     description="Slug of the party.")


class AgreementReadWriteViewSet(ReadWriteMixin, AgreementViewSet):
    """Agreements: every signed-in user reads every version; the partnership's managers draft,
    sign, put into effect, review and end them; a party's partnership manager records their own
    organisation's signature."""

    parser_classes = [BoundedJSONParser]

    def _agreement(self, request: Request, pk: str, perm: str = MANAGE,
                   reason: str = CANNOT_MANAGE) -> Agreement:
        agreement = row_or_404(Agreement.objects.select_related("partnership"), pk, request)
        require(request, perm, agreement if perm == SIGN else agreement.partnership, reason)
        return agreement

    @extend_schema(summary="Draft an agreement",
                   description="Version 1, a draft, for its parties to sign. For the "
                               "partnership's managers. Documents are uploaded on the "
                               "partnership page.",
                   request=AgreementCreateInput,
                   responses={201: AgreementDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN},
                   examples=[OpenApiExample(
                       "A working agreement for three partners", request_only=True,
                       value={"partnership": "riverside-womens-partnership",
                              "kind": "partnership_working",
                              "title": "Hub working agreement 2027",
                              "parties": ["city-womens-centre", "northern-housing-trust",
                                          "eastfield-probation"],
                              "summary": "How the partners share referrals and data.",
                              "review_cycle_months": 12, "review_due": "2027-12-01"})])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partnership = validated(AgreementPartnershipInput(data=request.data))["partnership"]
        require(request, MANAGE, partnership, CANNOT_MANAGE)
        data = read_input(AgreementCreateInput, request)
        agreement = actions.agreement_create(by=request.user, **data)
        return self.detail_answer(agreement, status.HTTP_201_CREATED)

    @extend_schema(summary="Start a new version",
                   description="Of the version in effect: a draft carrying forward its title, "
                               "kind, summary, parties (unsigned), review cycle and document. "
                               "The version in effect stays in effect until the new one is put "
                               "into effect.",
                   request=NewVersionInput, responses={201: AgreementDetailSerializer, **ERRORS},
                   examples=[OpenApiExample("A partner left", request_only=True,
                                            value={"reason": "Cedar Advice left the "
                                                             "partnership."})])
    @action(detail=True, methods=["post"], url_path="new-version", url_name="new-version")
    def new_version(self, request: Request, pk: str) -> Response:
        agreement = self._agreement(request, pk)
        data = read_input(NewVersionInput, request)
        for name in ("title", "summary"):
            if name in data and not data[name]:
                del data[name]  # blank: keep the current one
        new = actions.agreement_new_version(agreement=agreement, by=request.user, **data)
        return self.detail_answer(new, status.HTTP_201_CREATED)

    @extend_schema(summary="Add a party", request=PartyInput,
                   description="To a version being agreed. Answers the version.",
                   responses={200: AgreementDetailSerializer, **ERRORS},
                   examples=[OpenApiExample("Probation joins the agreement", request_only=True,
                                            value={"organisation": "eastfield-probation"})])
    @action(detail=True, methods=["post"])
    def parties(self, request: Request, pk: str) -> Response:
        agreement = self._agreement(request, pk)
        data = read_input(PartyInput, request)
        actions.agreement_party_add(agreement=agreement, by=request.user, **data)
        return self.detail_answer(agreement, status.HTTP_200_OK)

    @extend_schema(summary="Withdraw a party", request=WithdrawInput,
                   description="From a version being agreed (its signature, if any, goes with "
                               "it; the audit trail keeps both). Answers the version.",
                   parameters=[ORGANISATION_PATH],
                   responses={200: AgreementDetailSerializer, **ERRORS},
                   examples=[OpenApiExample("Left before signing", request_only=True,
                                            value={"reason": "Left the partnership."})])
    @action(detail=True, methods=["post"], url_path=r"parties/(?P<organisation>[^/.]+)/withdraw",
            url_name="party-withdraw")
    def withdraw(self, request: Request, pk: str, organisation: str) -> Response:
        agreement = self._agreement(request, pk)
        data = read_input(WithdrawInput, request)
        party = agreement.signatories.select_related("organisation").filter(
            organisation__slug=organisation).first()
        if party is None:
            raise serializers.ValidationError(
                {"organisation": [f"'{organisation}' is not a party to version "
                                  f"{agreement.version}."]})
        actions.agreement_party_withdraw(agreement=agreement, organisation=party.organisation,
                                         by=request.user, **data)
        return self.detail_answer(agreement, status.HTTP_200_OK)

    @extend_schema(summary="Record a party's signature", request=SignatureInput,
                   description="Who signed for the party, in what role, and when. The "
                               "partnership's managers record any party's; a partnership "
                               "manager of a party records their own organisation's only. "
                               "Answers the version.",
                   responses={200: AgreementDetailSerializer, **ERRORS},
                   examples=[OpenApiExample("Signed by the chief executive", request_only=True,
                                            value={"organisation": "northern-housing-trust",
                                                   "signed_by": "Amina Shah",
                                                   "signer_role": "Chief Executive",
                                                   "signed_on": "2026-12-01"})])
    @action(detail=True, methods=["post"])
    def signatures(self, request: Request, pk: str) -> Response:
        agreement = self._agreement(request, pk, SIGN, CANNOT_SIGN)
        data = read_input(SignatureInput, request)
        if (not request.user.has_perm(MANAGE, agreement.partnership)
                and data["organisation"].pk != request.user.organisation_id):
            raise PermissionDenied(ONLY_OWN_SIGNATURE)
        actions.agreement_sign(agreement=agreement, by=request.user, **data)
        return self.detail_answer(agreement, status.HTTP_200_OK)

    @extend_schema(summary="Put a version into effect", request=PutIntoEffectInput,
                   description="Refused while a party has not signed unless a reason is given "
                               "(recorded). On a date today or earlier it is in effect at once "
                               "and the version it replaces is superseded; a later date makes "
                               "it due to take effect, and the daily job swaps them then.",
                   responses={200: AgreementDetailSerializer, **ERRORS},
                   examples=[OpenApiExample("From the first of the month", request_only=True,
                                            value={"effective_on": "2026-12-01"}),
                             OpenApiExample("Before one party signed", request_only=True,
                                            value={"effective_on": "2026-12-01",
                                                   "reason": "Probation signs after its board "
                                                             "meets; agreed at the review."})])
    @action(detail=True, methods=["post"], url_path="put-into-effect",
            url_name="put-into-effect")
    def put_into_effect(self, request: Request, pk: str) -> Response:
        agreement = self._agreement(request, pk)
        data = read_input(PutIntoEffectInput, request)
        actions.agreement_put_into_effect(agreement=agreement, by=request.user, **data)
        return self.detail_answer(agreement, status.HTTP_200_OK)

    @extend_schema(summary="Record a review", request=AgreementReviewInput,
                   description="Of the version in effect; the next review date becomes its "
                               "review date (reminders follow it).",
                   responses={201: AgreementReviewSerializer, **ERRORS},
                   examples=[OpenApiExample("Continues unchanged", request_only=True,
                                            value={"reviewed_on": "2026-12-01",
                                                   "outcome": "Continues unchanged.",
                                                   "next_review_due": "2027-12-01"})])
    @action(detail=True, methods=["post"])
    def reviews(self, request: Request, pk: str) -> Response:
        agreement = self._agreement(request, pk)
        data = read_input(AgreementReviewInput, request)
        review = actions.agreement_review_record(agreement=agreement, by=request.user, **data)
        return Response(AgreementReviewSerializer(fresh(AgreementReview, review.pk, "agreement",
                                                        "recorded_by")).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="End an agreement", request=AgreementEndInput,
                   description="The version in effect ends on the date; no version replaces "
                               "it.",
                   responses={200: AgreementDetailSerializer, **ERRORS},
                   examples=[OpenApiExample("The partnership stops", request_only=True,
                                            value={"ended_on": "2027-03-31",
                                                   "reason": "The partnership was not "
                                                             "recommissioned."})])
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        agreement = self._agreement(request, pk)
        data = read_input(AgreementEndInput, request)
        actions.agreement_end(agreement=agreement, by=request.user, **data)
        return self.detail_answer(agreement, status.HTTP_200_OK)


__all__ = ["AgreementReadWriteViewSet"]

"""What the registry's write endpoints share (``writes_partnerships``, ``writes_agreements``):
the permission checks, in the rules' own words, the answer serializers of the rows a write makes
(a membership, a lead responsibility, funding, an agreement review, each with the id a client
needs to act on it next), how a write answers, and the OpenAPI answers every write documents.

The house pattern is the reviews API's (``partnerships/api/reviews.py``): a partnership or row
the user may not see is not found (404); one they may see but not change is 403 with the
reason; the body is read by a small input serializer per action (400 with field errors); and the
write is one call of ``partnerships.actions``, whose ``DomainError`` becomes a 400 with the
message on its field (``core.api.exception_handler``), nothing changed.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.display import display_name

from ..models import AgreementReview, Funding, LeadResponsibility, Membership, Organisation
from .common import (
    AgreementVersionRefSerializer,
    OrganisationRefSerializer,
    PartnershipRefSerializer,
)
from .reviews import ID_PATTERN, SignedIn, partnership_or_404, read_input

MANAGE = "partnerships.manage_partnership"
SIGN = "partnerships.sign_agreement"
VIEW_PARTNERSHIP = "partnerships.view_partnership"

#: Why a reader may not change a partnership (the pages say the same).
CANNOT_MANAGE = ("A partnership's members, leads, agreements and funding are changed by the "
                 "partnership managers of its lead partner and by platform admins.")
CANNOT_REGISTER_PARTNERSHIP = "Partnerships are registered by platform admins."
CANNOT_CHANGE_ORGANISATION = "Organisations are registered and changed by platform admins."
CANNOT_SIGN = ("Signatures are recorded by the partnership's managers, or by a partnership "
               "manager of a party organisation for their own organisation.")
ONLY_OWN_SIGNATURE = ("You may record your own organisation's signature only; the partnership's "
                      "managers record the other parties'.")

BAD_INPUT = OpenApiResponse(description="The input is not valid, or the action refused it: "
                                        "the fields in error, each with its message. Nothing "
                                        "was changed.")
FORBIDDEN = OpenApiResponse(description="Signed in, but not allowed to make this change: the "
                                        "detail says who may. Nothing was changed.")
NOT_FOUND = OpenApiResponse(description="No such object, or not one you may see (the two "
                                        "answers are the same).")


def require(request: Request, perm: str, obj: Any, reason: str) -> None:
    """403 with ``reason`` unless the rules give the user ``perm`` (on ``obj``)."""
    allowed = request.user.has_perm(perm, obj) if obj is not None else request.user.has_perm(perm)
    if not allowed:
        raise PermissionDenied(reason)


def row_or_404(queryset: QuerySet, pk: str, request: Request) -> Any:
    """The row ``pk`` of ``queryset`` the user may see, or 404 (also for an id that is not a
    number)."""
    if not str(pk).isdigit() or len(str(pk)) > 18:
        raise Http404
    row = queryset.visible_to(request.user).filter(pk=int(pk)).first()
    if row is None:
        raise Http404
    return row


def organisation_field(help_text: str, **kwargs: Any) -> serializers.SlugRelatedField:
    """An organisation named by its slug (an unknown slug is a 400 on the field)."""
    return serializers.SlugRelatedField(slug_field="slug", queryset=Organisation.objects.all(),
                                        help_text=help_text, **kwargs)


def validated(serializer: serializers.Serializer) -> dict[str, Any]:
    """The serializer's validated data (400 with field errors if not valid)."""
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --------------------------------------------------------------------------------------------
# What a write answers with
# --------------------------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer):
    """One membership period, with the id ``POST /memberships/{id}/end/`` takes."""

    partnership = PartnershipRefSerializer()
    organisation = OrganisationRefSerializer()

    class Meta:
        model = Membership
        fields = ["id", "partnership", "organisation", "role", "joined_on", "left_on", "notes"]


class LeadResponsibilityWriteSerializer(serializers.ModelSerializer):
    """Who leads one activity, with the id ``POST /lead-responsibilities/{id}/end/`` takes."""

    partnership = PartnershipRefSerializer()
    activity = serializers.CharField(source="activity.name")
    activity_slug = serializers.CharField(source="activity.slug")
    organisation = OrganisationRefSerializer()

    class Meta:
        model = LeadResponsibility
        fields = ["id", "partnership", "activity", "activity_slug", "organisation", "starts_on",
                  "ends_on", "contact"]


class FundingWriteSerializer(serializers.ModelSerializer):
    """Funding for a period, with the id ``POST /funding/{id}/end/`` takes."""

    partnership = PartnershipRefSerializer()
    funder = OrganisationRefSerializer()
    recipient = OrganisationRefSerializer(allow_null=True)

    class Meta:
        model = Funding
        fields = ["id", "partnership", "funder", "recipient", "source", "amount",
                  "period_start", "period_end", "reference"]


class AgreementReviewSerializer(serializers.ModelSerializer):
    """A recorded review of the agreement version in force."""

    agreement = AgreementVersionRefSerializer()
    recorded_by = serializers.SerializerMethodField(help_text="Who recorded it.")

    class Meta:
        model = AgreementReview
        fields = ["id", "agreement", "reviewed_on", "outcome", "next_review_due", "recorded_by"]

    def get_recorded_by(self, review: AgreementReview) -> str | None:
        return display_name(review.recorded_by) or None


def fresh(model: type[Model], pk: int, *related: str) -> Any:
    """The row as saved, with what its answer serializer names (one query)."""
    return model._default_manager.select_related(*related).get(pk=pk)


def answer(serializer_class: type[serializers.Serializer], model: type[Model], pk: int,
           code: int, request: Request) -> Response:
    """The row ``pk`` as saved, by ``serializer_class``, with status ``code``."""
    related = [n for n in ("partnership", "organisation", "activity", "funder", "recipient")
               if any(f.name == n for f in model._meta.fields)]
    return Response(serializer_class(fresh(model, pk, *related),
                                     context={"request": request}).data, status=code)


class ReadWriteMixin:
    """For a read viewset given writes: answers a write with the read viewset's own detail
    representation (the same queryset and serializer as its ``GET`` of one object), so a
    client sees exactly what a read would show."""

    def detail_answer(self, obj: Any, code: int) -> Response:
        self.action = "retrieve"  # the read viewset's detail queryset and serializer
        row = self.get_queryset().get(pk=obj.pk)  # type: ignore[attr-defined]
        return Response(self.get_serializer(row).data, status=code)  # type: ignore[attr-defined]


__all__ = [
    "BAD_INPUT",
    "CANNOT_MANAGE",
    "FORBIDDEN",
    "ID_PATTERN",
    "MANAGE",
    "NOT_FOUND",
    "SIGN",
    "SignedIn",
    "partnership_or_404",
    "read_input",
]

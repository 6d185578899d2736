"""The small nested serializers of the registry API (an organisation or partnership named by its
slug, a region, a membership period, ...), reused by the other apps' APIs."""

from __future__ import annotations

from rest_framework import serializers

from ..models import (
    Agreement,
    Funding,
    LeadResponsibility,
    Membership,
    Organisation,
    Partnership,
    Region,
    Signatory,
)


class RegionSerializer(serializers.ModelSerializer):
    """A region as code and name."""

    class Meta:
        model = Region
        fields = ["code", "name"]


class OrganisationRefSerializer(serializers.ModelSerializer):
    """Enough of an organisation to name it and look it up."""

    class Meta:
        model = Organisation
        fields = ["slug", "name", "kind"]


class PartnershipRefSerializer(serializers.ModelSerializer):
    """Enough of a partnership to name it and look it up."""

    class Meta:
        model = Partnership
        fields = ["slug", "name"]


class MemberSerializer(serializers.ModelSerializer):
    """One membership period: who, in what role, when (``left_on`` empty while current)."""

    organisation = OrganisationRefSerializer()

    class Meta:
        model = Membership
        fields = ["organisation", "role", "joined_on", "left_on"]


class MembershipPeriodSerializer(MemberSerializer):
    """A membership period in the history, with a note such as why the organisation left."""

    class Meta(MemberSerializer.Meta):
        fields = [*MemberSerializer.Meta.fields, "notes"]


class PartnershipRoleSerializer(serializers.ModelSerializer):
    """An organisation's current part in one partnership."""

    partnership = PartnershipRefSerializer()

    class Meta:
        model = Membership
        fields = ["partnership", "role", "joined_on"]


class LeadResponsibilitySerializer(serializers.ModelSerializer):
    """Who leads one activity in the lead-agency matrix, and whom local services contact."""

    activity = serializers.CharField(source="activity.name")
    activity_slug = serializers.CharField(source="activity.slug")
    organisation = OrganisationRefSerializer()

    class Meta:
        model = LeadResponsibility
        fields = ["activity", "activity_slug", "organisation", "starts_on", "ends_on", "contact"]


class AgreementSummarySerializer(serializers.ModelSerializer):
    """One agreement version as listed on its partnership."""

    review_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Agreement
        fields = ["id", "title", "kind", "reference", "version", "status", "review_due",
                  "review_overdue"]

    def get_review_overdue(self, agreement: Agreement) -> bool:
        return agreement.review_overdue_on()


class FundingSerializer(serializers.ModelSerializer):
    """Money from a funder to the partnership (or one member) for a period, in pounds."""

    funder = OrganisationRefSerializer()
    recipient = OrganisationRefSerializer(allow_null=True)

    class Meta:
        model = Funding
        fields = ["funder", "recipient", "source", "amount", "period_start", "period_end",
                  "reference"]


class SignatorySerializer(serializers.ModelSerializer):
    """A party to an agreement and who signed for it (``signed_on`` empty until signed)."""

    organisation = OrganisationRefSerializer()

    class Meta:
        model = Signatory
        fields = ["organisation", "signed_by", "signer_role", "signed_on"]


class AgreementVersionRefSerializer(serializers.ModelSerializer):
    """The earlier version an agreement replaced."""

    class Meta:
        model = Agreement
        fields = ["id", "version"]

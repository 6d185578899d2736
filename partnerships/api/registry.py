"""Read API for organisations, partnerships and agreements: serializers, filters and viewsets.

Every queryset starts from ``visible_to(request.user)`` and owns its ``select_related`` and
``Prefetch`` calls, so each endpoint costs the same number of queries for 1 row or 100.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import (
    ReadOnlyRegistryViewSet,
    RowsListSerializer,
    StrictBooleanFilter,
    detail_url_maker,
    iso_date,
)
from core.pagination import JoinAfterSlicingPagination

from ..choices import AgreementKind, AgreementStatus, OrganisationKind
from ..filters import PartnershipFilter, organisation_filter, partnership_filter, region_filter
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
from .common import (
    AgreementSummarySerializer,
    AgreementVersionRefSerializer,
    FundingSerializer,
    LeadResponsibilitySerializer,
    MemberSerializer,
    MembershipPeriodSerializer,
    OrganisationRefSerializer,
    PartnershipRefSerializer,
    PartnershipRoleSerializer,
    RegionSerializer,
    SignatorySerializer,
)

# --------------------------------------------------------------------------------------------
# Organisations
# --------------------------------------------------------------------------------------------


class OrganisationListSerializer(serializers.ModelSerializer):
    """An organisation in a list."""

    url = serializers.HyperlinkedIdentityField(view_name="organisation-detail",
                                               lookup_field="slug")
    region = RegionSerializer(allow_null=True)
    parent = OrganisationRefSerializer(allow_null=True)

    class Meta:
        model = Organisation
        fields = ["url", "slug", "name", "kind", "identifier", "region", "parent"]
        list_serializer_class: type[serializers.ListSerializer] = RowsListSerializer

    # What represent_rows reads: the columns of the list's page query (``.values()``).
    row_values = ("slug", "name", "kind", "identifier", "region__code", "region__name",
                  "parent__slug", "parent__name", "parent__kind")

    def represent_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The page's rows as the fields above show them, from its plain rows (region and
        parent joined)."""
        url = detail_url_maker("organisation-detail", self.context)
        return [{"url": url(r["slug"]), "slug": r["slug"], "name": r["name"], "kind": r["kind"],
                 "identifier": r["identifier"],
                 "region": (None if r["region__code"] is None
                            else {"code": r["region__code"], "name": r["region__name"]}),
                 "parent": (None if r["parent__slug"] is None
                            else {"slug": r["parent__slug"], "name": r["parent__name"],
                                  "kind": r["parent__kind"]})}
                for r in rows]


class OrganisationDetailSerializer(OrganisationListSerializer):
    """An organisation with its group and the partnerships it is in now."""

    group_members = serializers.SerializerMethodField(
        help_text="The other organisations in its group: its fellow members under the same "
                  "parent, or, if it heads a group, the group's members.")
    current_partnerships = PartnershipRoleSerializer(many=True)

    class Meta(OrganisationListSerializer.Meta):
        fields = [*OrganisationListSerializer.Meta.fields, "website", "description",
                  "group_members", "current_partnerships"]
        list_serializer_class = serializers.ListSerializer

    @extend_schema_field(OrganisationRefSerializer(many=True))
    def get_group_members(self, organisation: Organisation) -> list[dict[str, Any]]:
        if organisation.parent is not None:
            members = [o for o in organisation.parent.group_members if o.pk != organisation.pk]
        else:
            members = organisation.group_members
        return OrganisationRefSerializer(members, many=True, context=self.context).data


class OrganisationFilter(django_filters.FilterSet):
    """Organisations by kind, region, parent group, and name."""

    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices)
    region = region_filter("region", "Region code, e.g. london.")
    parent = organisation_filter("Slug of the parent group: its member organisations.")
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains",
                                  help_text="Part of the organisation's name.")

    # Each filter is optional and reads one parameter (core.api.OptionalFiltersBackend).
    only_filters_given = True

    class Meta:
        model = Organisation
        fields = ["kind", "region", "parent", "q"]


class OrganisationViewSet(ReadOnlyRegistryViewSet):
    """Charities, social enterprises and statutory agencies."""

    view_permission = "partnerships.view_organisation"
    lookup_field = "slug"
    list_serializer_class = OrganisationListSerializer
    detail_serializer_class = OrganisationDetailSerializer
    filterset_class = OrganisationFilter
    search_fields = ["name", "identifier"]
    ordering_fields = ["name", "kind", "created_on"]
    ordering = ["name", "slug"]
    pagination_class = JoinAfterSlicingPagination

    def page_rows(self, ids: QuerySet[Any]) -> QuerySet[Any]:
        """The listed organisations with ``ids`` (a page, for JoinAfterSlicingPagination), as
        the plain rows OrganisationListSerializer.represent_rows reads (region and parent
        joined)."""
        return (Organisation.objects.visible_to(self.request.user).filter(pk__in=ids)
                .values(*OrganisationListSerializer.row_values))

    def get_queryset(self) -> QuerySet[Organisation]:
        user = self.request.user
        queryset = Organisation.objects.visible_to(user).select_related("region", "parent")
        if self.action == "list":
            # The list's own rows, to filter, count, sort and slice; page_rows joins the page's.
            return Organisation.objects.visible_to(user)
        if self.action != "retrieve":
            return queryset
        group = Organisation.objects.visible_to(user).order_by("name", "slug")
        current = (Membership.objects.visible_to(user).current().select_related("partnership")
                   .order_by("partnership__name", "joined_on"))
        return queryset.prefetch_related(
            Prefetch("members_of_group", queryset=group, to_attr="group_members"),
            Prefetch("parent__members_of_group", queryset=group, to_attr="group_members"),
            Prefetch("memberships", queryset=current, to_attr="current_partnerships"),
        )


# --------------------------------------------------------------------------------------------
# Partnerships
# --------------------------------------------------------------------------------------------


class PartnershipListSerializer(serializers.ModelSerializer):
    """A partnership in a list, with its regions and current members."""

    url = serializers.HyperlinkedIdentityField(view_name="partnership-detail",
                                               lookup_field="slug")
    regions = RegionSerializer(many=True)
    current_members = MemberSerializer(many=True)

    class Meta:
        model = Partnership
        fields = ["url", "slug", "name", "status", "setting", "started_on", "ended_on",
                  "regions", "current_members"]
        list_serializer_class: type[serializers.ListSerializer] = RowsListSerializer

    # What represent_rows reads: the columns of the list's page query (``.values()``).
    row_values = ("id", "slug", "name", "status", "setting", "started_on", "ended_on")

    def represent_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The page's rows as the fields above show them: the regions and current members of
        the whole page come from two plain queries (values, not models), grouped here."""
        ids = [r["id"] for r in rows]
        regions: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for partnership_id, code, name in page_regions(ids):
            regions[partnership_id].append({"code": code, "name": name})
        members: dict[int, list[dict[str, Any]]] = defaultdict(list)
        user = self.context["request"].user
        for partnership_id, slug, name, kind, role, joined_on, left_on in (
                current_members(user).filter(partnership_id__in=ids).values_list(
                    "partnership_id", "organisation__slug", "organisation__name",
                    "organisation__kind", "role", "joined_on", "left_on")):
            members[partnership_id].append({
                "organisation": {"slug": slug, "name": name, "kind": kind},
                "role": role, "joined_on": iso_date(joined_on), "left_on": iso_date(left_on)})
        url = detail_url_maker("partnership-detail", self.context)
        return [{"url": url(r["slug"]), "slug": r["slug"], "name": r["name"],
                 "status": r["status"], "setting": r["setting"],
                 "started_on": iso_date(r["started_on"]), "ended_on": iso_date(r["ended_on"]),
                 "regions": regions[r["id"]], "current_members": members[r["id"]]}
                for r in rows]


class PartnershipDetailSerializer(PartnershipListSerializer):
    """A partnership with its membership history, lead agencies, agreements and funding."""

    membership_history = MembershipPeriodSerializer(
        many=True, help_text="Every membership period, past ones too, oldest first.")
    lead_responsibilities = LeadResponsibilitySerializer(
        many=True, source="current_lead_responsibilities",
        help_text="Who leads each activity today.")
    agreements = AgreementSummarySerializer(many=True, source="agreement_versions")
    funding = FundingSerializer(many=True, source="funding_periods")

    class Meta(PartnershipListSerializer.Meta):
        fields = [*PartnershipListSerializer.Meta.fields, "summary", "membership_history",
                  "lead_responsibilities", "agreements", "funding"]
        list_serializer_class = serializers.ListSerializer


def current_members(user: Any) -> QuerySet[Membership]:
    """Current memberships, earliest joiner first (then by name, then as recorded, so two
    namesakes who joined on one day keep their order), for prefetching onto partnerships."""
    return (Membership.objects.visible_to(user).current().select_related("organisation")
            .order_by("joined_on", "organisation__name", "pk"))


def page_regions(partnership_ids: list[int]) -> QuerySet[Any]:
    """(partnership id, region code, region name) for each region the partnerships serve, in
    the regions' display order: one query for a page of partnerships."""
    through = Partnership.regions.through
    return (through.objects.filter(partnership_id__in=partnership_ids)
            .order_by("region__position", "region__name")
            .values_list("partnership_id", "region__code", "region__name"))


class PartnershipViewSet(ReadOnlyRegistryViewSet):
    """Partnerships with who is in them now and who was in them before."""

    view_permission = "partnerships.view_partnership"
    lookup_field = "slug"
    list_serializer_class = PartnershipListSerializer
    detail_serializer_class = PartnershipDetailSerializer
    filterset_class = PartnershipFilter
    search_fields = ["name", "summary"]
    ordering_fields = ["name", "status", "started_on", "created_on"]
    ordering = ["name", "slug"]

    def get_queryset(self) -> QuerySet[Partnership]:
        user = self.request.user
        if self.action == "list":
            # Plain rows of the columns a row shows; PartnershipListSerializer.represent_rows
            # fetches the page's regions and current members.
            return Partnership.objects.visible_to(user).values(
                *PartnershipListSerializer.row_values)
        queryset = Partnership.objects.visible_to(user).prefetch_related(
            Prefetch("regions", queryset=Region.objects.order_by("position", "name")),
            Prefetch("memberships", queryset=current_members(user), to_attr="current_members"),
        )
        if self.action != "retrieve":
            return queryset
        history = (Membership.objects.visible_to(user).select_related("organisation")
                   .order_by("joined_on", "organisation__name", "pk"))
        leads = (LeadResponsibility.objects.visible_to(user).current()
                 .select_related("activity", "organisation")
                 .order_by("activity__position", "activity__name"))
        agreements = Agreement.objects.visible_to(user).order_by("reference", "-version")
        funding = (Funding.objects.visible_to(user).select_related("funder", "recipient")
                   .order_by("period_start", "pk"))
        return queryset.prefetch_related(
            Prefetch("memberships", queryset=history, to_attr="membership_history"),
            Prefetch("lead_responsibilities", queryset=leads,
                     to_attr="current_lead_responsibilities"),
            Prefetch("agreements", queryset=agreements, to_attr="agreement_versions"),
            Prefetch("funding", queryset=funding, to_attr="funding_periods"),
        )


# --------------------------------------------------------------------------------------------
# Agreements
# --------------------------------------------------------------------------------------------


class AgreementListSerializer(serializers.ModelSerializer):
    """An agreement version in a list."""

    url = serializers.HyperlinkedIdentityField(view_name="agreement-detail")
    partnership = PartnershipRefSerializer()
    review_overdue = serializers.SerializerMethodField(
        help_text="Active and its review date has passed.")

    class Meta:
        model = Agreement
        fields = ["url", "id", "partnership", "kind", "reference", "title", "version", "status",
                  "effective_from", "review_due", "expires_on", "review_overdue"]

    def get_review_overdue(self, agreement: Agreement) -> bool:
        return agreement.review_overdue_on()


class AgreementDetailSerializer(AgreementListSerializer):
    """An agreement version with what it replaced, why, and who signed it."""

    replaces = AgreementVersionRefSerializer(allow_null=True)
    signatories = SignatorySerializer(many=True)
    document = serializers.SerializerMethodField(help_text="Link to the signed document, if any.")

    class Meta(AgreementListSerializer.Meta):
        fields = [*AgreementListSerializer.Meta.fields, "summary", "review_cycle_months",
                  "replaces", "change_reason", "unsigned_reason", "ended_on", "end_reason",
                  "signatories", "document"]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_document(self, agreement: Agreement) -> str | None:
        if not agreement.document:
            return None
        request = self.context.get("request")
        # The signed-in download view, never the media URL (uploads are not public).
        url = reverse("partnerships:agreement-document", args=[agreement.pk])
        return request.build_absolute_uri(url) if request else url


class AgreementFilter(django_filters.FilterSet):
    """Agreements by partnership, kind, status and overdue review."""

    partnership = partnership_filter("Slug of the partnership.")
    kind = django_filters.ChoiceFilter(choices=AgreementKind.choices)
    status = django_filters.ChoiceFilter(choices=AgreementStatus.choices)
    review_overdue = StrictBooleanFilter(
        method="filter_review_overdue",
        help_text="true: active with its review date passed; false: every other agreement.")

    class Meta:
        model = Agreement
        fields = ["partnership", "kind", "status", "review_overdue"]

    def filter_review_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if value:
            return queryset.review_overdue()
        return queryset.exclude(pk__in=Agreement.objects.review_overdue().values("pk"))


class AgreementViewSet(ReadOnlyRegistryViewSet):
    """Working agreements, SLAs, information-sharing protocols and their versions."""

    view_permission = "partnerships.view_agreement"
    list_serializer_class = AgreementListSerializer
    detail_serializer_class = AgreementDetailSerializer
    filterset_class = AgreementFilter
    search_fields = ["title", "reference"]
    ordering_fields = ["title", "version", "effective_from", "review_due", "created_on"]
    ordering = ["partnership__name", "reference", "-version"]

    def get_queryset(self) -> QuerySet[Agreement]:
        queryset = Agreement.objects.visible_to(self.request.user).select_related("partnership")
        if self.action != "retrieve":
            return queryset
        signatories = Signatory.objects.select_related("organisation").order_by(
            "organisation__name")
        return queryset.select_related("replaces").prefetch_related(
            Prefetch("signatories", queryset=signatories))


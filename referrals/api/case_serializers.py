"""The cases API's serializers: what a case answer shows (summary, detail, access log) with the
querysets that load it in a fixed number of queries, and one input serializer per action.
The viewset that uses them is ``referrals.api.cases``."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import clock
from partnerships.api.common import OrganisationRefSerializer, PartnershipRefSerializer
from partnerships.models import Partnership

from .. import actions, retention
from ..choices import (
    CaseStatus,
    Compliance,
    Gender,
    HistoryKind,
    IdentifierKind,
    LawfulBasis,
    OrderType,
    Seriousness,
)
from ..models import (
    Assessment,
    Case,
    CaseAccess,
    CaseConference,
    CaseHistoryEntry,
    ConferenceAttendee,
    EndOfOrderNotice,
    LeadAgency,
    Person,
    PersonIdentifier,
    Referral,
    ReferralPathway,
)
from ..validators import normalise_initials
from .common import ServiceNameSerializer, UserNameField, organisation_input, service_input
from .conferences import ConferenceInCaseSerializer, NoticeInCaseSerializer
from .referrals import ReferralInCaseSerializer, referral_queryset

# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


class CaseSummarySerializer(serializers.ModelSerializer):
    """A case in a list, or as a write answers: its reference, partnership, order, seriousness,
    state and current lead agency. Nothing about the person."""

    url = serializers.HyperlinkedIdentityField(view_name="case-detail", lookup_field="reference")
    partnership = PartnershipRefSerializer()
    order_type = serializers.ChoiceField(choices=OrderType.choices)
    seriousness = serializers.ChoiceField(choices=Seriousness.choices)
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    lead_agency = serializers.SerializerMethodField(
        help_text="The organisation that leads the case today.")

    class Meta:
        model = Case
        fields = ["url", "reference", "partnership", "order_type", "order_starts_on",
                  "order_ends_on", "seriousness", "status", "closed_on", "lead_agency"]

    @staticmethod
    def _current_lead(case: Case) -> LeadAgency | None:
        leads = getattr(case, "current_leads", None)
        if leads is None:  # not prefetched: one query
            leads = list(case.lead_agencies.current().select_related("organisation"))
        return leads[0] if leads else None

    @extend_schema_field(OrganisationRefSerializer(allow_null=True))
    def get_lead_agency(self, case: Case) -> dict[str, Any] | None:
        lead = self._current_lead(case)
        return OrganisationRefSerializer(lead.organisation).data if lead else None


class IdentifierSerializer(serializers.ModelSerializer):
    """An identifier such as a prison number: shown only because the reader is involved."""

    kind = serializers.ChoiceField(choices=IdentifierKind.choices)

    class Meta:
        model = PersonIdentifier
        fields = ["kind", "value"]


class PersonSerializer(serializers.ModelSerializer):
    """The person, pseudonymous: reference, initials, year of birth, gender, identifiers."""

    gender = serializers.ChoiceField(choices=Gender.choices)
    identifiers = IdentifierSerializer(many=True, source="all_identifiers")

    class Meta:
        model = Person
        fields = ["reference", "initials", "year_of_birth", "gender", "identifiers"]


class LeadAgencySerializer(serializers.ModelSerializer):
    """One period as lead agency: who, from when to when, and who set it when."""

    organisation = OrganisationRefSerializer()
    set_by = UserNameField()
    set_at = serializers.DateTimeField(source="created_on")

    class Meta:
        model = LeadAgency
        fields = ["organisation", "starts_on", "ends_on", "set_by", "set_at"]


class AssessmentSerializer(serializers.ModelSerializer):
    """An assessment of the person on this case."""

    organisation = OrganisationRefSerializer()
    service = ServiceNameSerializer(allow_null=True)
    recorded_by = UserNameField()

    class Meta:
        model = Assessment
        fields = ["id", "assessed_on", "organisation", "service", "summary", "recorded_by"]


class HistoryEntrySerializer(serializers.ModelSerializer):
    """A line of the case's history: a conference moved or cancelled (with the reason given),
    or a change of seriousness and the day it applies from."""

    kind = serializers.ChoiceField(choices=HistoryKind.choices)
    recorded_by = UserNameField()

    class Meta:
        model = CaseHistoryEntry
        fields = ["kind", "effective_on", "conference", "from_date", "from_time", "to_date",
                  "to_time", "from_value", "to_value", "reason", "recorded_by", "created_on"]


class CaseDetailSerializer(CaseSummarySerializer):
    """A case in full, for the organisations involved in it (reading it is logged)."""

    person = PersonSerializer()
    compliance = serializers.ChoiceField(choices=Compliance.choices)
    lead_agencies = LeadAgencySerializer(many=True, source="lead_history",
                                         help_text="Every lead agency, earliest first.")
    referrals = ReferralInCaseSerializer(many=True, source="all_referrals")
    conferences = ConferenceInCaseSerializer(many=True, source="all_conferences")
    assessments = AssessmentSerializer(many=True, source="all_assessments")
    notices = NoticeInCaseSerializer(many=True, source="all_notices",
                                     help_text="End-of-order notices to each agency.")
    history = HistoryEntrySerializer(
        many=True, source="all_history",
        help_text="Conferences moved or cancelled and changes of seriousness, oldest first.")
    opened_at = serializers.DateTimeField(source="created_on")

    class Meta(CaseSummarySerializer.Meta):
        fields = [*CaseSummarySerializer.Meta.fields, "person", "complex_needs", "compliance",
                  "significant_change_on", "treatment_continues", "anonymised_on", "opened_at",
                  "lead_agencies", "referrals", "conferences", "assessments", "notices",
                  "history"]

    @extend_schema_field(OrganisationRefSerializer(allow_null=True))
    def get_lead_agency(self, case: Case) -> dict[str, Any] | None:
        today = clock.today()
        for lead in case.lead_history:
            if lead.starts_on <= today and (lead.ends_on is None or lead.ends_on > today):
                return OrganisationRefSerializer(lead.organisation).data
        return None


class AccessTokenSerializer(serializers.Serializer):
    """The API token a read came through: its name and non-secret prefix, never the key."""

    name = serializers.CharField(read_only=True)
    prefix = serializers.CharField(read_only=True)


class AccessSerializer(serializers.ModelSerializer):
    """One read of the case: who, from which organisation, when, how (and through which API
    token), and any stated reason."""

    user = UserNameField()
    organisation = OrganisationRefSerializer(allow_null=True)
    channel = serializers.ChoiceField(choices=[("page", "Page"), ("api", "API")])
    api_token = AccessTokenSerializer(allow_null=True, read_only=True)

    class Meta:
        model = CaseAccess
        fields = ["accessed_at", "user", "organisation", "channel", "api_token", "reason"]


def with_current_lead(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Cases with ``current_leads`` (the lead agency today) loaded in one more query."""
    leads = LeadAgency.objects.current().select_related("organisation")
    return queryset.select_related("partnership").prefetch_related(
        Prefetch("lead_agencies", queryset=leads, to_attr="current_leads"))


def with_everything(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """Cases with all the detail shows, in a fixed number of queries."""
    return queryset.select_related("partnership", "person").prefetch_related(
        Prefetch("person__identifiers", queryset=PersonIdentifier.objects.order_by("kind"),
                 to_attr="all_identifiers"),
        Prefetch("lead_agencies", to_attr="lead_history",
                 queryset=LeadAgency.objects.select_related("organisation", "set_by")
                 .order_by("starts_on", "pk")),
        Prefetch("referrals", to_attr="all_referrals",
                 queryset=referral_queryset(Referral.objects.all())
                 .select_related("sent_by", "responded_by").order_by("-created_on", "pk")),
        Prefetch("conferences", to_attr="all_conferences",
                 queryset=CaseConference.objects.order_by("planned_on", "pk").prefetch_related(
                     Prefetch("attendees", queryset=ConferenceAttendee.objects
                              .select_related("organisation").order_by("pk")))),
        Prefetch("assessments", to_attr="all_assessments",
                 queryset=Assessment.objects.select_related("organisation", "service",
                                                            "recorded_by")),
        Prefetch("history", to_attr="all_history",
                 queryset=CaseHistoryEntry.objects.select_related("recorded_by")
                 .order_by("effective_on", "created_on", "pk")),
        Prefetch("end_notices", to_attr="all_notices",
                 queryset=EndOfOrderNotice.objects.select_related(
                     "organisation", "responsible_organisation", "acknowledged_by")
                 .order_by("created_on", "pk")),
    )


# --------------------------------------------------------------------------------------------
# Inputs, one per action
# --------------------------------------------------------------------------------------------


class CaseOpenInput(serializers.Serializer):
    partnership = serializers.SlugRelatedField(
        slug_field="slug", queryset=Partnership.objects.all(),
        help_text="Slug of the partnership the case is worked in.")
    lead_organisation = organisation_input("Slug of the lead agency; default: yours.",
                                           required=False)
    order_type = serializers.ChoiceField(choices=OrderType.choices)
    order_starts_on = serializers.DateField()
    order_ends_on = serializers.DateField()
    seriousness = serializers.ChoiceField(choices=Seriousness.choices, default=Seriousness.LOW)
    complex_needs = serializers.BooleanField(default=False)
    person = serializers.CharField(
        required=False, help_text="Reference of a person already on one of your cases (a new "
                                  "order for them); otherwise a new person is recorded.")
    initials = serializers.CharField(
        max_length=12, required=False, allow_blank=True, default="",
        help_text="Initials only, 1 to 4 letters (\"JS\", \"J.S.\" or \"J S\" are stored as "
                  "\"JS\"); a name is refused.")
    year_of_birth = serializers.IntegerField(min_value=1900, max_value=2100, required=False,
                                             allow_null=True, default=None)
    gender = serializers.ChoiceField(choices=Gender.choices, default=Gender.NOT_STATED)
    identifiers = serializers.DictField(
        child=serializers.CharField(max_length=40), required=False, default=dict,
        help_text="Identifier kind (prison_number, pnc, crn, nhs_number) → value.")

    def validate_initials(self, value: str) -> str:
        try:
            return normalise_initials(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc

    def validate_identifiers(self, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(IdentifierKind.values))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown identifier kind: {', '.join(unknown)}. Use one of "
                f"{', '.join(IdentifierKind.values)}.")
        return value

    def validate_person(self, value: str) -> Person:
        request = self.context["request"]
        person = (Person.objects.filter(reference=value.strip(),
                                        cases__in=Case.objects.visible_to(request.user))
                  .first())
        if person is None:
            raise serializers.ValidationError("No such person on a case you are involved in.")
        return person


class ExistingCaseSerializer(serializers.Serializer):
    reference = serializers.CharField()
    url = serializers.URLField()


class DuplicateCaseSerializer(serializers.Serializer):
    """The answer when the person identifier already has an open case with that lead agency."""

    identifiers = serializers.ListField(child=serializers.CharField(),
                                        help_text="Why the request was refused.")
    existing_case = ExistingCaseSerializer(
        allow_null=True, help_text="The open case, when you may see it; null otherwise.")


class CaseUpdateInput(serializers.Serializer):
    order_type = serializers.ChoiceField(choices=OrderType.choices, required=False)
    order_starts_on = serializers.DateField(required=False)
    order_ends_on = serializers.DateField(required=False)
    seriousness = serializers.ChoiceField(choices=Seriousness.choices, required=False)
    complex_needs = serializers.BooleanField(required=False)
    compliance = serializers.ChoiceField(choices=Compliance.choices, required=False)
    significant_change_on = serializers.DateField(
        required=False, allow_null=True,
        help_text="The date of a significant change (e.g. raised risk of serious harm).")
    treatment_continues = serializers.BooleanField(required=False)
    effective_on = serializers.DateField(
        required=False,
        help_text="The day a change of seriousness applies from (default: today; not in the "
                  "future, not before the order starts). Conferences are re-planned from then.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not set(attrs) - {"effective_on"}:
            raise serializers.ValidationError("Say what to change.")
        return attrs


class LeadChangeInput(serializers.Serializer):
    organisation = organisation_input("Slug of the organisation that leads from now on.")
    starts_on = serializers.DateField(required=False, help_text="Default: today.")


class CaseCloseInput(serializers.Serializer):
    closed_on = serializers.DateField(required=False,
                                      help_text="Default: today. Not before the case began, "
                                                "not after today.")


class CaseClosedSerializer(CaseSummarySerializer):
    """A case just closed, with what happens next: when it will be anonymised, what that
    removes, and until when (and where) it can be reopened."""

    anonymise_on = serializers.SerializerMethodField(
        help_text="The day the person's details will be removed, unless the case is reopened "
                  "before then.")
    retention_months = serializers.SerializerMethodField(
        help_text="How many months after closing the case is kept.")
    removed_on_anonymisation = serializers.SerializerMethodField(
        help_text="What anonymisation removes.")
    reopen_url = serializers.HyperlinkedIdentityField(
        view_name="case-reopen", lookup_field="reference",
        help_text="POST here (with a reason) to reopen the case until it is anonymised.")

    class Meta(CaseSummarySerializer.Meta):
        fields = [*CaseSummarySerializer.Meta.fields, "anonymise_on", "retention_months",
                  "removed_on_anonymisation", "reopen_url"]

    def get_anonymise_on(self, case: Case) -> datetime.date:
        return retention.anonymisation_due_on(case)

    def get_retention_months(self, case: Case) -> int:
        return retention.retention_months_for(case)

    def get_removed_on_anonymisation(self, case: Case) -> list[str]:
        return list(retention.REMOVED_AT_ANONYMISATION)


class CaseReopenInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=actions.REOPEN_REASON_MAX,
                                   help_text="Why the case is reopened (kept in its audit "
                                             "history). No personal details.")


class AssessmentInput(serializers.Serializer):
    organisation = organisation_input("Slug of the assessing organisation; default: yours.",
                                      required=False)
    service = service_input("Slug of the assessing service.", required=False,
                            allow_null=True, default=None)
    assessed_on = serializers.DateField()
    summary = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                    default="")
    confirmed_repeat = serializers.BooleanField(
        default=False, help_text="You have seen the person's recent assessments and another is "
                                 "still needed.")


class ReferralSendInput(serializers.Serializer):
    to_service = service_input("Slug of the service referred to.")
    from_service = service_input("Slug of your referring service.", required=False,
                                 allow_null=True, default=None)
    pathway = serializers.PrimaryKeyRelatedField(
        queryset=ReferralPathway.objects.all(), required=False, allow_null=True, default=None,
        help_text="Id of the agreed pathway followed.")
    reason = serializers.CharField(allow_blank=True, help_text="Why the person is referred.")
    lawful_basis = serializers.ChoiceField(choices=LawfulBasis.choices,
                                           help_text="UK GDPR Article 6 basis for sharing.")
    consent_recorded = serializers.BooleanField(default=False)
    confirmed_repeat = serializers.BooleanField(
        default=False, help_text="You have seen the person's recent assessments and the "
                                 "referral is still needed.")

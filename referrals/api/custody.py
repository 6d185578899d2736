"""Custody on a case through the API (issue 18): the person's custody episodes (reception, the
prison holding them, transfers, release and the 21-day continuity status), the release plan,
and the first community appointment after release.

Routes (registered in ``config/api_urls.py``), all under one case, named by its reference:

- ``GET  /api/v1/cases/<reference>/custody/``: the case's episodes, earliest first; ``POST``:
  record reception into a prison;
- ``GET  /api/v1/cases/<reference>/custody/<id>/``: one episode;
- ``POST /api/v1/cases/<reference>/custody/<id>/transfer/``: the receiving episode (201);
- ``POST /api/v1/cases/<reference>/custody/<id>/release/``;
- ``POST /api/v1/cases/<reference>/custody/<id>/first-appointment/``;
- ``GET|PUT|PATCH /api/v1/cases/<reference>/custody/<id>/release-plan/``.

Need-to-know as for the case itself: a case the user's organisation is not involved in now
(``Case.objects.visible_to``) is a 404, the same as one that does not exist. The prison holding
the person is involved (``Case.objects.involving``), so its team uses these as the lead agency
and the community provider do; a prison the person left keeps access for the handover period
only. Where a person is held is personal data, so every read (the list, an episode, the plan)
writes one access-log row, as a read of the case does; the answers to writes are not logged
(they say what the writer just recorded). Every write is one call of ``referrals.actions``; a
refused action is a 400 naming the field (``core.api.exception_handler``) and changes nothing.

Reception takes no ``Idempotency-Key``: a case has at most one open episode, so a repeated
reception is refused (400) rather than recorded twice.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core import clock
from core.parsers import BoundedJSONParser
from partnerships.api.common import OrganisationRefSerializer

from .. import actions
from ..choices import CustodyState, ExpectedReleaseKind, ReferralStatus
from ..continuity import (
    CONTINUITY_DAYS,
    ContinuityOutcome,
    days_to_first_appointment,
    release_outcome,
)
from ..models import Case, CustodyEpisode, Referral, ReleasePlan
from ..release_plans import (
    PLAN_FIELDS,
    PRISON,
    PROVIDER,
    casework_settings,
    plan_due_on,
    plan_is_due,
    plan_tasks,
)
from .common import (
    NOT_FOUND,
    REFUSED,
    CaseRefSerializer,
    NoStore,
    SignedIn,
    UserNameField,
    get_or_404,
    log_read,
    organisation_input,
    read_input,
)
from .conferences import ID_PATTERN

CASE_REFERENCE = OpenApiParameter("reference", str, OpenApiParameter.PATH,
                                  description="Reference of the case.")

# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


def _episode_url(view_name: str, episode: CustodyEpisode, context: Mapping[str, Any]) -> str:
    """The address of one of an episode's routes. Every episode an answer shows is on the case
    in the URL (``context["case"]``), so no episode's case is loaded to name it."""
    return reverse(view_name, kwargs={"reference": context["case"].reference, "pk": episode.pk},
                   request=context.get("request"))


@extend_schema_field(OpenApiTypes.URI)
class EpisodeUrlField(serializers.Field):
    """The address of one of the episode's routes (``view_name``)."""

    def __init__(self, view_name: str, **kwargs: Any) -> None:
        self.view_name = view_name
        kwargs.setdefault("source", "*")
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return _episode_url(self.view_name, value, self.context)


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice the model stores as "" when unknown, answered as null (not a made-up choice)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(read_only=True, allow_null=True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(value) if value else None


@extend_schema_field({"type": "string", "nullable": True, "pattern": "^[0-2][0-9]:[0-5][0-9]$",
                      "example": "10:30"})
class ClockTimeField(serializers.TimeField):
    """A time of day as people write it (HH:MM). OpenAPI's "time" format means an RFC 3339 time
    with a UTC offset, which a local appointment time is not, so the schema gives the pattern."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)


class EpisodeRefSerializer(serializers.ModelSerializer):
    """Another episode of the same case (before or after a transfer): where, and from when."""

    url = EpisodeUrlField("custody-detail")
    establishment = OrganisationRefSerializer()

    class Meta:
        model = CustodyEpisode
        fields = ["url", "id", "establishment", "received_on"]


class ContinuitySerializer(serializers.Serializer):
    """A release against the continuity-of-care measure (``referrals.continuity``)."""

    outcome = serializers.ChoiceField(
        choices=ContinuityOutcome.choices,
        help_text="engaged: first appointment attended within 21 days of release (calendar "
                  "days); engaged_late: attended after; not_engaged: did not attend, or 21 "
                  "days passed with nothing recorded; awaiting: still inside the 21 days.")
    counts_until = serializers.DateField(
        help_text="The last day an appointment attended counts as engagement in time.")
    days_to_first_appointment = serializers.IntegerField(
        allow_null=True, help_text="Calendar days from release to the appointment attended.")


class PlanTaskSerializer(serializers.Serializer):
    """A missing piece of the release plan and the team whose task it is."""

    key = serializers.CharField()
    text = serializers.CharField()
    owner = serializers.ChoiceField(
        choices=[(PRISON, "The prison team holding the person"),
                 (PROVIDER, "The community provider")])
    organisation = OrganisationRefSerializer()


def _tasks(episode: CustodyEpisode, plan: ReleasePlan | None) -> list[dict[str, Any]]:
    """The plan's missing pieces while the person is still held (none once they left: the plan
    is then what they left with, or it moved with them); each task's organisation is the prison
    or the plan's provider, both already loaded."""
    if episode.released_on is not None or episode.transferred_on is not None:
        return []
    organisations: dict[int, Any] = {episode.establishment_id: episode.establishment}
    if plan is not None and plan.community_provider_id is not None:
        organisations[plan.community_provider_id] = plan.community_provider
    return [{"key": task.key, "text": task.text, "owner": task.owner,
             "organisation": organisations[task.organisation_id]}
            for task in plan_tasks(episode, plan)]


def _plan_of(episode: CustodyEpisode) -> ReleasePlan | None:
    return getattr(episode, "release_plan", None)  # a missing reverse one-to-one raises


class PlanSummarySerializer(serializers.Serializer):
    """The release plan as the episode shows it: whether it is started and due, its provider
    and first appointment, and the keys of its missing pieces (read the plan for the rest)."""

    url = EpisodeUrlField("custody-release-plan")
    started = serializers.SerializerMethodField(help_text="Whether anything is recorded yet.")
    community_provider = serializers.SerializerMethodField()
    appointment_on = serializers.SerializerMethodField(
        help_text="The first community appointment.")
    due_on = serializers.SerializerMethodField(
        help_text="The plan is due from this day (the partnership's set number of weeks "
                  "before the expected release); null with no expected release date.")
    is_due = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField(
        help_text="The keys of the plan's tasks (see the plan), while the person is held.")

    def get_started(self, episode: CustodyEpisode) -> bool:
        return _plan_of(episode) is not None

    @extend_schema_field(OrganisationRefSerializer(allow_null=True))
    def get_community_provider(self, episode: CustodyEpisode) -> dict[str, Any] | None:
        plan = _plan_of(episode)
        if plan is None or plan.community_provider is None:
            return None
        return dict(OrganisationRefSerializer(plan.community_provider).data)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_appointment_on(self, episode: CustodyEpisode) -> datetime.date | None:
        plan = _plan_of(episode)
        return plan.appointment_on if plan is not None else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_due_on(self, episode: CustodyEpisode) -> datetime.date | None:
        return plan_due_on(episode.expected_release_on, self.context["plan_weeks"])

    def get_is_due(self, episode: CustodyEpisode) -> bool:
        return plan_is_due(episode, weeks=self.context["plan_weeks"],
                           today=self.context["today"])

    def get_missing(self, episode: CustodyEpisode) -> list[str]:
        return [task["key"] for task in _tasks(episode, _plan_of(episode))]


class CustodyEpisodeSerializer(serializers.ModelSerializer):
    """A spell in one prison: reception, the expected release, how it ended (transfer or
    release, with the local authority of the release address), the prison's handover access,
    the first community appointment after release and the 21-day status, and the release plan.
    Names organisations, never the person."""

    url = EpisodeUrlField("custody-detail")
    case = CaseRefSerializer()
    establishment = OrganisationRefSerializer(help_text="The prison.")
    expected_release_kind = BlankAsNullChoiceField(choices=ExpectedReleaseKind.choices)
    custody_state = serializers.SerializerMethodField()
    transferred_to = EpisodeRefSerializer(
        source="ended_by_transfer_to", allow_null=True, read_only=True,
        help_text="The episode at the receiving prison, after a transfer.")
    transferred_from = EpisodeRefSerializer(
        allow_null=True, read_only=True,
        help_text="The episode at the sending prison, when this one began with a transfer.")
    release_area = OrganisationRefSerializer(
        allow_null=True, help_text="The local authority of the release address.")
    access_ends_on = serializers.DateField(
        read_only=True, allow_null=True,
        help_text="Set once the person left this prison: its team can read the case, for the "
                  "handover, until the day before.")
    continuity = serializers.SerializerMethodField(
        help_text="After a release: where it stands against the 21-day measure.")
    release_plan = serializers.SerializerMethodField(
        help_text="Null once the person was transferred: the plan moved with them.")

    class Meta:
        model = CustodyEpisode
        fields = ["url", "id", "case", "establishment", "received_on", "expected_release_on",
                  "expected_release_kind", "custody_state", "transferred_on", "transferred_to",
                  "transferred_from", "released_on", "release_area", "access_ends_on",
                  "treatment_need", "attended_on", "did_not_attend", "continuity",
                  "release_plan"]

    @extend_schema_field(serializers.ChoiceField(choices=CustodyState.choices))
    def get_custody_state(self, episode: CustodyEpisode) -> str:
        if episode.released_on is not None:
            return CustodyState.RELEASED
        if episode.transferred_on is not None:
            return CustodyState.TRANSFERRED
        return CustodyState.IN_CUSTODY

    @extend_schema_field(ContinuitySerializer(allow_null=True))
    def get_continuity(self, episode: CustodyEpisode) -> dict[str, Any] | None:
        released_on = episode.released_on
        if released_on is None:
            return None
        attended_on = episode.attended_on
        return {
            "outcome": release_outcome(released_on, attended_on, episode.did_not_attend,
                                       today=self.context["today"]).value,
            "counts_until": released_on + datetime.timedelta(days=CONTINUITY_DAYS),
            "days_to_first_appointment": (days_to_first_appointment(released_on, attended_on)
                                          if attended_on is not None else None)}

    @extend_schema_field(PlanSummarySerializer(allow_null=True))
    def get_release_plan(self, episode: CustodyEpisode) -> dict[str, Any] | None:
        if episode.transferred_on is not None:
            return None
        return dict(PlanSummarySerializer(episode, context=self.context).data)


class ReferralRefSerializer(serializers.ModelSerializer):
    """The plan's referral: where to read it, to whom, and where it stands."""

    url = serializers.HyperlinkedIdentityField(view_name="referral-detail",
                                               lookup_field="reference")
    to_organisation = OrganisationRefSerializer()
    status = serializers.ChoiceField(choices=ReferralStatus.choices)

    class Meta:
        model = Referral
        fields = ["url", "reference", "to_organisation", "status"]


class ReleasePlanSerializer(serializers.ModelSerializer):
    """The release plan of an episode: the community provider and the referral to it, the first
    community appointment, what the person takes out, whether the lead passes to the provider
    on release day, when the plan is due, and its missing pieces as tasks. Every field is null
    (and ``started`` false) until someone records something."""

    url = EpisodeUrlField("custody-release-plan", source="episode")
    episode = EpisodeRefSerializer(read_only=True)
    started = serializers.SerializerMethodField(help_text="Whether anything is recorded yet.")
    community_provider = OrganisationRefSerializer(allow_null=True)
    referral = ReferralRefSerializer(allow_null=True)
    appointment_on = serializers.DateField(allow_null=True,
                                           help_text="The first community appointment.")
    appointment_time = ClockTimeField(allow_null=True, read_only=True)
    appointment_with = serializers.CharField(help_text="A role or team, not a name.")
    bridging_prescription = serializers.BooleanField(
        allow_null=True, help_text="A bridging prescription until the first community "
                                   "prescribing appointment; null: not yet known.")
    naloxone_offered = serializers.BooleanField(allow_null=True,
                                                help_text="null: not yet known.")
    hand_lead_to_provider = serializers.BooleanField(
        help_text="On release day the lead agency passes from the prison team to the "
                  "community provider.")
    due_on = serializers.SerializerMethodField(
        help_text="The plan is due from this day (the partnership's set number of weeks "
                  "before the expected release); null with no expected release date.")
    is_due = serializers.SerializerMethodField()
    tasks = serializers.SerializerMethodField(
        help_text="The missing pieces and whose task each is, while the person is held.")
    updated_by = UserNameField()
    updated_at = serializers.DateTimeField(source="modified_on", read_only=True,
                                           allow_null=True)

    class Meta:
        model = ReleasePlan
        fields = ["url", "episode", "started", "community_provider", "referral",
                  "appointment_on", "appointment_time", "appointment_place", "appointment_with",
                  "bridging_prescription", "naloxone_offered", "hand_lead_to_provider",
                  "due_on", "is_due", "tasks", "updated_by", "updated_at"]

    def get_started(self, plan: ReleasePlan) -> bool:
        return plan.pk is not None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_due_on(self, plan: ReleasePlan) -> datetime.date | None:
        return plan_due_on(plan.episode.expected_release_on, self.context["plan_weeks"])

    def get_is_due(self, plan: ReleasePlan) -> bool:
        return plan_is_due(plan.episode, weeks=self.context["plan_weeks"],
                           today=self.context["today"])

    @extend_schema_field(PlanTaskSerializer(many=True))
    def get_tasks(self, plan: ReleasePlan) -> list[Any]:
        tasks = _tasks(plan.episode, plan if plan.pk is not None else None)
        return list(PlanTaskSerializer(tasks, many=True).data)


def episode_queryset(queryset: QuerySet[CustodyEpisode]) -> QuerySet[CustodyEpisode]:
    """Episodes with everything their answer shows, in one query however many there are."""
    return queryset.select_related(
        "case", "establishment", "release_area", "ended_by_transfer_to__establishment",
        "transferred_from__establishment", "release_plan__community_provider",
    ).order_by("received_on", "pk")


# --------------------------------------------------------------------------------------------
# Inputs, one per action
# --------------------------------------------------------------------------------------------


class CustodyStartInput(serializers.Serializer):
    establishment = organisation_input("Slug of the prison (an organisation of kind prison).")
    received_on = serializers.DateField(help_text="The day of reception (not in the future).")
    expected_release_on = serializers.DateField(required=False, allow_null=True, default=None)
    expected_release_kind = serializers.ChoiceField(
        choices=ExpectedReleaseKind.choices, required=False, allow_blank=True, default="",
        help_text="How the person is expected to be released.")
    treatment_need = serializers.BooleanField(
        default=True, help_text="In treatment for substance misuse in custody (the releases "
                                "the continuity-of-care measure counts).")


class CustodyTransferInput(serializers.Serializer):
    to_establishment = organisation_input("Slug of the receiving prison.")
    transferred_on = serializers.DateField(help_text="The day of the move (not in the future).")


class CustodyReleaseInput(serializers.Serializer):
    released_on = serializers.DateField(help_text="The day of release (not in the future): it "
                                                  "starts the 21-day clock.")
    release_area = organisation_input("Slug of the local authority of the release address.")


class FirstAppointmentInput(serializers.Serializer):
    attended_on = serializers.DateField(
        required=False, allow_null=True, default=None,
        help_text="The day the first community appointment was attended (on or after "
                  "release).")
    did_not_attend = serializers.BooleanField(
        default=False, help_text="true: the person did not attend (instead of a date).")


class ReleasePlanInput(serializers.Serializer):
    """The plan's pieces (``referrals.release_plans.PLAN_FIELDS``); null clears one."""

    community_provider = organisation_input(
        "Slug of the community treatment provider (default with a referral: the organisation "
        "it is to).", required=False, allow_null=True)
    referral = serializers.SlugRelatedField(
        slug_field="reference", queryset=Referral.objects.none(), required=False,
        allow_null=True, error_messages={"does_not_exist": "No referral {value} on this case."},
        help_text="Reference of the case's referral to the community provider.")
    appointment_on = serializers.DateField(required=False, allow_null=True,
                                           help_text="The first community appointment.")
    appointment_time = serializers.TimeField(required=False, allow_null=True,
                                             help_text="Its time (HH:MM).")
    appointment_place = serializers.CharField(max_length=200, required=False,
                                              allow_blank=True, allow_null=True)
    appointment_with = serializers.CharField(
        max_length=120, required=False, allow_blank=True, allow_null=True,
        help_text="A role or team, e.g. \"recovery worker\": not a name.")
    bridging_prescription = serializers.BooleanField(required=False, allow_null=True)
    naloxone_offered = serializers.BooleanField(required=False, allow_null=True)
    hand_lead_to_provider = serializers.BooleanField(
        required=False, help_text="On release day the lead passes to the community provider "
                                  "(default true).")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        case = self.context.get("case")
        if case is not None:  # only the case's own referrals: another case's is "no such"
            referral: Any = self.fields["referral"]
            referral.queryset = Referral.objects.filter(case=case)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.partial and not attrs:
            raise serializers.ValidationError("Say what to change.")
        return attrs


#: What PUT records for a piece it is not sent: a plan is replaced whole.
PLAN_DEFAULTS: dict[str, Any] = {**dict.fromkeys(PLAN_FIELDS), "appointment_place": "",
                                 "appointment_with": "", "hand_lead_to_provider": True}

# --------------------------------------------------------------------------------------------
# The viewset
# --------------------------------------------------------------------------------------------

EPISODE_ANSWERS = {200: CustodyEpisodeSerializer, 400: REFUSED, 404: NOT_FOUND}
PLAN_ANSWERS = {200: ReleasePlanSerializer, 400: REFUSED, 404: NOT_FOUND}
PLAN_EXAMPLE = OpenApiExample(
    "Provider, referral and first appointment", request_only=True,
    value={"community_provider": "northshire-recovery", "referral": "R-2026-00042",
           "appointment_on": "2026-12-14", "appointment_time": "10:30",
           "appointment_place": "Northshire Recovery Hub, 4 Mill Lane",
           "appointment_with": "Recovery worker", "bridging_prescription": True,
           "naloxone_offered": True, "hand_lead_to_provider": True})


@extend_schema(parameters=[CASE_REFERENCE])
@extend_schema_view(
    list=extend_schema(summary="The case's custody",
                       description="Its custody episodes, earliest first: the prison, reception, "
                                   "expected release, transfer or release, the first "
                                   "appointment after release with the 21-day status, and the "
                                   "release plan in summary. For the organisations involved "
                                   "in the case, including the prison holding the person; "
                                   "each read is written to the case's access log.",
                       responses={200: CustodyEpisodeSerializer(many=True), 404: NOT_FOUND}),
    retrieve=extend_schema(summary="A custody episode",
                           description="Each read is written to the case's access log.",
                           responses={200: CustodyEpisodeSerializer, 404: NOT_FOUND}),
)
class CustodyViewSet(NoStore, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """A case's custody episodes: the history follows the person from prison to prison."""

    serializer_class = CustodyEpisodeSerializer
    permission_classes = [SignedIn]
    parser_classes = [BoundedJSONParser]
    lookup_value_regex = ID_PATTERN
    filter_backends: list[Any] = []
    queryset = CustodyEpisode.objects.none()  # for the schema; requests use get_queryset()

    def case(self) -> Case:
        """The case in the URL, if the user's organisation is involved in it now (else 404);
        once per request."""
        if not hasattr(self, "_case"):
            self._case = get_or_404(Case.objects.visible_to(self.request.user),
                                    reference=self.kwargs["reference"])
        return self._case

    def get_queryset(self) -> QuerySet[CustodyEpisode]:
        if getattr(self, "swagger_fake_view", False):
            return CustodyEpisode.objects.none()
        return episode_queryset(CustodyEpisode.objects.filter(case=self.case()))

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if getattr(self, "swagger_fake_view", False):
            return context
        case = self.case()
        return {**context, "case": case, "today": clock.today(),
                "plan_weeks": casework_settings(case.partnership_id).release_plan_weeks}

    def _episode(self) -> CustodyEpisode:
        return get_or_404(self.get_queryset(), pk=int(self.kwargs["pk"]))

    def _answer(self, episode: CustodyEpisode, code: int = status.HTTP_200_OK) -> Response:
        """The episode as stored now, after an action changed it (not logged as a read)."""
        fresh = self.get_queryset().get(pk=episode.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        log_read(self.case(), request)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        episode = self._episode()
        log_read(self.case(), request)
        return Response(self.get_serializer(episode).data)

    @extend_schema(summary="Record reception into custody",
                   description="The prison (an organisation of kind prison), the day of "
                               "reception and the expected release. A case has one open "
                               "episode at a time: a move between prisons is a transfer. "
                               "Caseworkers of the organisations involved in the case.",
                   request=CustodyStartInput,
                   responses={201: CustodyEpisodeSerializer, 400: REFUSED, 404: NOT_FOUND},
                   examples=[OpenApiExample(
                       "Remanded, expected out on licence", request_only=True,
                       value={"establishment": "hmp-northshire", "received_on": "2026-09-01",
                              "expected_release_on": "2027-03-01",
                              "expected_release_kind": "licence", "treatment_need": True})])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.case()
        data = read_input(CustodyStartInput, request)
        episode = actions.custody_episode_start(case=case, by=request.user, **data)
        return self._answer(episode, status.HTTP_201_CREATED)

    @extend_schema(summary="Record a transfer to another prison",
                   description="Ends this episode as transferred (not a release: the 21-day "
                               "clock does not start) and answers with the receiving prison's "
                               "episode, which keeps the expected release and the release "
                               "plan. The receiving prison's team becomes involved in the "
                               "case; the sending prison's keeps access for the handover "
                               "period only. A prison that led the case passes the lead to "
                               "the receiving prison.",
                   request=CustodyTransferInput,
                   responses={201: CustodyEpisodeSerializer, 400: REFUSED, 404: NOT_FOUND},
                   examples=[OpenApiExample(
                       "Moved to a training prison", request_only=True,
                       value={"to_establishment": "hmp-southshire",
                              "transferred_on": "2026-11-02"})])
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, reference: str | None = None,
                 pk: str | None = None) -> Response:
        episode = self._episode()
        data = read_input(CustodyTransferInput, request)
        receiving = actions.custody_transfer(episode=episode, by=request.user, **data)
        return self._answer(receiving, status.HTTP_201_CREATED)

    @extend_schema(summary="Record the release",
                   description="The day of release (it starts the 21-day continuity clock) "
                               "and the local authority of the release address. When the "
                               "plan says so, the lead passes to its community provider that "
                               "day; the prison's team keeps access for the handover period.",
                   request=CustodyReleaseInput, responses=EPISODE_ANSWERS,
                   examples=[OpenApiExample(
                       "Released to Northshire", request_only=True,
                       value={"released_on": "2026-12-04",
                              "release_area": "northshire-county-council"})])
    @action(detail=True, methods=["post"])
    def release(self, request: Request, reference: str | None = None,
                pk: str | None = None) -> Response:
        episode = self._episode()
        data = read_input(CustodyReleaseInput, request)
        released = actions.custody_release(episode=episode, by=request.user, **data)
        return self._answer(released)

    @extend_schema(summary="Record the first community appointment",
                   description="After the release: the day it was attended, or that the person "
                               "did not attend. One outcome per release. Caseworkers of the "
                               "organisations involved in the case (the community provider "
                               "through its referral).",
                   request=FirstAppointmentInput, responses=EPISODE_ANSWERS,
                   examples=[OpenApiExample("Attended", request_only=True,
                                            value={"attended_on": "2026-12-14"}),
                             OpenApiExample("Did not attend", request_only=True,
                                            value={"did_not_attend": True})])
    @action(detail=True, methods=["post"], url_path="first-appointment",
            url_name="first-appointment")
    def first_appointment(self, request: Request, reference: str | None = None,
                          pk: str | None = None) -> Response:
        episode = self._episode()
        data = read_input(FirstAppointmentInput, request)
        recorded = actions.first_appointment_record(episode=episode, by=request.user, **data)
        return self._answer(recorded)

    def _plan_answer(self, episode: CustodyEpisode) -> Response:
        plan = (ReleasePlan.objects.filter(episode=episode)
                .select_related("community_provider", "referral__to_organisation",
                                "updated_by").first()
                or ReleasePlan(episode=episode))
        plan.episode = episode  # loaded with its prison: no query to name it again
        return Response(ReleasePlanSerializer(plan, context=self.get_serializer_context()).data)

    @extend_schema(methods=["GET"], summary="The release plan",
                   description="With when it is due and its missing pieces as tasks, each for "
                               "the prison team or the community provider. Each read is "
                               "written to the case's access log.",
                   responses={200: ReleasePlanSerializer, 404: NOT_FOUND})
    @extend_schema(methods=["PUT"], summary="Replace the release plan",
                   description="Every piece; one not sent is cleared (hand_lead_to_provider: "
                               "true). The provider comes through a referral of the case on "
                               "an agreed pathway under a protocol in force. Not after the "
                               "release: the plan is then what the person left with.",
                   request=ReleasePlanInput, responses=PLAN_ANSWERS, examples=[PLAN_EXAMPLE])
    @extend_schema(methods=["PATCH"], summary="Change the release plan",
                   description="Only the pieces sent (null clears one); starts the plan if "
                               "there is none. Not after the release.",
                   request=ReleasePlanInput, responses=PLAN_ANSWERS,
                   examples=[OpenApiExample("Naloxone offered", request_only=True,
                                            value={"naloxone_offered": True})])
    @action(detail=True, methods=["get", "put", "patch"], url_path="release-plan",
            url_name="release-plan")
    def release_plan(self, request: Request, reference: str | None = None,
                     pk: str | None = None) -> Response:
        episode = self._episode()
        if request.method == "GET":
            log_read(self.case(), request)
            return self._plan_answer(episode)
        partial = request.method == "PATCH"
        serializer = ReleasePlanInput(data=request.data, partial=partial,
                                      context={"request": request, "case": self.case()})
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if not partial:
            changes = {**PLAN_DEFAULTS, **changes}
        actions.release_plan_update(episode=episode, by=request.user, **changes)
        return self._plan_answer(self._episode())

"""Figures a monitoring return takes from casework (issue 18, part 4): the continuity-of-care
figures offered to returns as computed metrics, so a provider never types them twice.

The releases are built through ``referrals.actions``, all in the quarter before today's (so
every date is in the past and every 21-day window has closed). ``S`` is that quarter's first day.
The hand count:

  A  HMP Northshire, released S+5,  attended S+8  (day 3)    engaged      plan with the provider
  B  HMP Northshire, released S+10, attended S+40 (day 30)   late         plan with the provider
  C  HMP Northshire, released S+20, nothing recorded         not engaged  no plan
  D  HMP Northshire → HMP Southshire on S+15 (a transfer, not a release), released from
     Southshire S+30, attended S+31 (day 1)                 engaged      plan with the provider
  E  HMP Northshire, released S+25 with no treatment need    not counted  plan with the provider

HMP Northshire: 3 releases (A, B, C), 1 engaged, 33.3%, median 16.5 days (3 and 30), 1 with no
plan, 0 transfers in, 1 out. The provider: 3 releases (A, B, D), 2 engaged, 66.7%, median
3 days (3, 30 and 1), none without a plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.errors import DomainError
from core.models import AuditEvent
from monitoring import actions, computed, uploads
from monitoring.admin import MetricForm
from monitoring.choices import MetricKind, ReturnStatus
from monitoring.models import Metric, MonitoringReturn, Value, quarter_for
from partnerships.choices import OrganisationKind
from referrals import actions as casework
from referrals.models import CustodyEpisode
from tests.accounts.factories import PartnershipManagerFactory, ProviderStaffFactory
from tests.monitoring.factories import (
    FrameworkFactory,
    FrameworkMetricFactory,
    MetricFactory,
    ReportingPeriodFactory,
    ReturnRequirementFactory,
)
from tests.monitoring.workflow import unchanged_state
from tests.partnerships.factories import MembershipFactory, OrganisationFactory
from tests.referrals.factories import Casework, casework_setup, open_case

pytestmark = pytest.mark.django_db

CONTINUITY = {  # metric code → (source, kind)
    "cc-releases": ("continuity.releases", MetricKind.COUNT),
    "cc-engaged": ("continuity.engaged_within_21_days", MetricKind.COUNT),
    "cc-percent": ("continuity.percent_engaged", MetricKind.PERCENTAGE),
    "cc-median": ("continuity.median_days_to_first_appointment", MetricKind.DECIMAL),
    "cc-no-plan": ("continuity.no_plan_by_release", MetricKind.COUNT),
    "cc-transfers-in": ("continuity.transfers_in", MetricKind.COUNT),
    "cc-transfers-out": ("continuity.transfers_out", MetricKind.COUNT),
}


def last_quarter() -> tuple[dt.date, dt.date]:
    this_start, _ = quarter_for(timezone.localdate())
    return quarter_for(this_start - dt.timedelta(days=1))


@dataclass
class World:
    s: Casework
    prison: Any
    other_prison: Any
    area: Any
    start: dt.date
    period: Any
    framework: Any
    typed: Metric               # a figure the provider types, beside the computed ones
    prison_staff: Any
    provider_staff: Any
    manager: Any                # partnership manager of the lead partner (the provider)

    def day(self, n: int) -> dt.date:
        return self.start + dt.timedelta(days=n)


def custody(w: World, *, released: int, attended: int | None = None, plan: bool = True,
            need: bool = True, transferred: int | None = None) -> CustodyEpisode:
    """One person through the casework actions (days counted from ``w.start``)."""
    case = open_case(w.s, initials="ZS")
    episode = casework.custody_episode_start(case=case, establishment=w.prison,
                                             received_on=w.day(-100), by=w.s.officer,
                                             treatment_need=need)
    if plan:
        casework.release_plan_update(episode=episode, by=w.s.officer,
                                     community_provider=w.s.provider,
                                     appointment_on=w.day(released),
                                     hand_lead_to_provider=False)
    if transferred is not None:
        episode = casework.custody_transfer(episode=episode, to_establishment=w.other_prison,
                                            transferred_on=w.day(transferred), by=w.s.officer)
    casework.custody_release(episode=episode, released_on=w.day(released),
                             release_area=w.area, by=w.s.officer)
    if attended is not None:
        casework.first_appointment_record(episode=episode, attended_on=w.day(attended),
                                          by=w.s.officer)
    return episode


def build_world() -> World:
    """The casework partnership with a prison in it; a framework of the seven continuity
    figures (filled in from casework) and one typed figure, owed quarterly by the prison and
    the community provider; last quarter's period; staff of each and the lead's manager."""
    s = casework_setup()
    prison = OrganisationFactory(name="HMP Northshire", kind=OrganisationKind.PRISON)
    MembershipFactory(partnership=s.partnership, organisation=prison)
    start, end = last_quarter()
    framework = FrameworkFactory(name="Through the gate", owner=s.provider,
                                 partnership=s.partnership)
    for position, (code, (source, kind)) in enumerate(CONTINUITY.items()):
        metric = MetricFactory(code=code, name=source.split(".")[1].replace("_", " ").capitalize(),
                               kind=kind, unit="%" if kind == MetricKind.PERCENTAGE else "",
                               computed_from=source)
        FrameworkMetricFactory(framework=framework, metric=metric, position=position,
                               required=code != "cc-median")
    typed = MetricFactory(code="cc-sessions", name="Group sessions held", unit="sessions")
    FrameworkMetricFactory(framework=framework, metric=typed, position=20, required=False)
    for organisation in (prison, s.provider):
        ReturnRequirementFactory(organisation=organisation, partnership=s.partnership,
                                 frameworks=[framework])
    return World(
        s=s, prison=prison,
        other_prison=OrganisationFactory(name="HMP Southshire", kind=OrganisationKind.PRISON),
        area=OrganisationFactory(name="Northshire County Council",
                                 kind=OrganisationKind.LOCAL_AUTHORITY),
        start=start,
        period=ReportingPeriodFactory(starts_on=start, ends_on=end,
                                      due_on=end + dt.timedelta(days=28)),
        framework=framework, typed=typed,
        prison_staff=ProviderStaffFactory(organisation=prison),
        provider_staff=ProviderStaffFactory(organisation=s.provider),
        manager=PartnershipManagerFactory(organisation=s.provider))


@pytest.fixture
def w(db: Any) -> World:
    return build_world()


def add_hand_counted(w: World) -> World:
    """The releases of the module's docstring."""
    custody(w, released=5, attended=8)                    # A
    custody(w, released=10, attended=40)                  # B
    custody(w, released=20, plan=False)                   # C
    custody(w, released=30, attended=31, transferred=15)  # D
    custody(w, released=25, need=False)                   # E
    return w


@pytest.fixture
def hand_counted(w: World) -> World:
    return add_hand_counted(w)


def start(w: World, organisation: Any, by: Any) -> MonitoringReturn:
    return actions.return_start(organisation=organisation, partnership=w.s.partnership,
                                period=w.period, by=by)


def stored(ret: MonitoringReturn) -> dict[str, Decimal | None]:
    return {v.metric.code: v.number for v in
            Value.objects.filter(monitoring_return=ret).select_related("metric")}


PRISON_FIGURES = {"cc-releases": Decimal(3), "cc-engaged": Decimal(1),
                  "cc-percent": Decimal("33.3"), "cc-median": Decimal("16.5"),
                  "cc-no-plan": Decimal(1), "cc-transfers-in": Decimal(0),
                  "cc-transfers-out": Decimal(1)}


# -- the registry ---------------------------------------------------------------------------------


@pytest.fixture
def registry(monkeypatch: Any) -> None:
    """A copy of the registry, so a test's own sources leave the real one as it was."""
    monkeypatch.setattr(computed, "_sources", dict(computed._sources))


def test_a_source_registers_computes_and_is_listed_by_label(registry: None) -> None:
    calls: list[computed.ComputeRequest] = []

    def count(request: computed.ComputeRequest) -> Decimal:
        calls.append(request)
        return Decimal(request.ends_on.day)

    computed.register_source("test.days", "A test figure", count, origin="the calendar")
    assert computed.source("test.days").hint == "From the calendar"
    assert "test.days" in [source.code for source in computed.sources()]
    labels = [source.label for source in computed.sources()]
    assert labels == sorted(labels)
    assert computed.compute("test.days", organisation_id=1, partnership_id=2,
                            starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2026, 6, 30)) == 30
    assert calls[0].organisation_id == 1 and calls[0].partnership_id == 2
    # Registering a code again replaces it rather than adding a second.
    computed.register_source("test.days", "A test figure", lambda request: None)
    assert [s.code for s in computed.sources()].count("test.days") == 1
    assert computed.compute("test.days", organisation_id=1, partnership_id=2,
                            starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2026, 6, 30)) is None
    with pytest.raises(LookupError):
        computed.compute("test.unknown", organisation_id=1, partnership_id=2,
                         starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2026, 6, 30))


def test_a_request_shares_work_between_the_figures_of_one_return() -> None:
    request = computed.ComputeRequest(organisation_id=1, partnership_id=2,
                                      starts_on=dt.date(2026, 4, 1),
                                      ends_on=dt.date(2026, 6, 30))
    built: list[int] = []
    assert request.once("x", lambda: built.append(1) or 7) == 7
    assert request.once("x", lambda: built.append(1) or 8) == 7
    assert built == [1]


def test_the_composition_layer_registers_the_continuity_figures_at_start_up() -> None:
    codes = {source.code for source in computed.sources()}
    assert {source for source, _kind in CONTINUITY.values()} <= codes
    assert computed.source("continuity.releases").hint == ("From casework (continuity of "
                                                           "care)")


# -- the admin ------------------------------------------------------------------------------------


def metric_form(**changes: Any) -> MetricForm:
    data = {"code": "cc-admin", "name": "Releases", "kind": MetricKind.COUNT, "unit": "",
            "description": "", "aggregation": "", "computed_from": "continuity.releases",
            **changes}
    return MetricForm(data=data)


def test_the_admin_offers_the_registered_sources_and_refuses_anything_else() -> None:
    form = metric_form()
    assert ("continuity.releases", "Continuity of care: releases with a treatment need") in (
        form.fields["computed_from"].choices)
    assert form.is_valid(), form.errors
    assert form.save().computed_from == "continuity.releases"
    refused = metric_form(code="cc-admin-2", computed_from="continuity.nonsense")
    assert not refused.is_valid()
    assert "computed_from" in refused.errors
    typed = metric_form(code="cc-admin-3", computed_from="")
    assert typed.is_valid(), typed.errors


def test_a_yes_no_or_text_metric_cannot_be_filled_in_from_casework() -> None:
    form = metric_form(kind=MetricKind.YES_NO)
    assert not form.is_valid()
    assert "Only a count, a decimal number or a percentage" in str(form.errors["computed_from"])


def test_the_model_refuses_a_source_nobody_registered() -> None:
    metric = Metric(code="cc-model", name="Releases", kind=MetricKind.COUNT,
                    computed_from="continuity.gone")
    with pytest.raises(ValidationError, match="is not a figure the registry can fill in"):
        metric.full_clean()


def test_the_admin_page_shows_the_choice(client: Any, w: World) -> None:
    from tests.accounts.factories import PlatformAdminFactory

    client.force_login(PlatformAdminFactory())
    html = client.get(reverse("admin:monitoring_metric_add")).content.decode()
    assert "Filled in from" in html and "Typed by the provider" in html
    assert "Continuity of care: percentage engaged within 21 days" in html
    listing = client.get(reverse("admin:monitoring_metric_changelist")).content.decode()
    assert "continuity.releases" in listing


# -- returns get the figures of their own releases ------------------------------------------------


def test_a_prisons_draft_gets_the_figures_of_its_releases(hand_counted: World) -> None:
    w = hand_counted
    ret = start(w, w.prison, w.prison_staff)
    assert stored(ret) == PRISON_FIGURES
    audit = AuditEvent.objects.filter(object_id=str(ret.pk)).order_by("-pk").first()
    assert audit.summary == "Filled in 7 figures from casework"
    assert audit.actor == w.prison_staff
    assert "ZS" not in str(audit.changes)


def test_a_providers_draft_gets_the_figures_of_the_releases_planned_to_it(
        hand_counted: World) -> None:
    w = hand_counted
    figures = stored(start(w, w.s.provider, w.provider_staff))
    assert figures["cc-releases"] == 3
    assert figures["cc-engaged"] == 2
    assert figures["cc-percent"] == Decimal("66.7")
    assert figures["cc-median"] == 3
    assert figures["cc-no-plan"] == 0


def test_the_other_prison_counts_its_transfer_in_and_its_release(hand_counted: World) -> None:
    w = hand_counted
    ReturnRequirementFactory(organisation=w.other_prison, partnership=w.s.partnership,
                             frameworks=[w.framework])
    figures = stored(start(w, w.other_prison, ProviderStaffFactory(organisation=w.other_prison)))
    assert figures["cc-releases"] == 1 and figures["cc-engaged"] == 1
    assert figures["cc-transfers-in"] == 1 and figures["cc-transfers-out"] == 0


def test_nothing_to_count_leaves_a_figure_empty_and_never_blocks_submission(w: World) -> None:
    ret = start(w, w.prison, w.prison_staff)
    assert stored(ret) == {"cc-releases": 0, "cc-engaged": 0, "cc-no-plan": 0,
                           "cc-transfers-in": 0, "cc-transfers-out": 0}
    errors, _warnings = actions.return_check(ret)
    assert errors == []  # the percentage of no releases is required, but not typed
    ret = actions.return_submit(monitoring_return=ret, by=w.prison_staff)
    assert ret.status == ReturnStatus.SUBMITTED


# -- a provider cannot overwrite them -------------------------------------------------------------


def test_the_action_and_the_api_refuse_a_value_for_a_computed_figure(hand_counted: World
                                                                     ) -> None:
    w = hand_counted
    ret = start(w, w.prison, w.prison_staff)
    before = unchanged_state()
    with pytest.raises(DomainError, match="filled in from casework, so it cannot be typed in"):
        actions.return_save_values(monitoring_return=ret, values={"cc-releases": "9",
                                                                 "cc-sessions": "4"},
                                   expected_version=ret.version, by=w.prison_staff)
    assert unchanged_state() == before
    client = APIClient()
    client.force_authenticate(w.prison_staff)
    response = client.post(reverse("return-values", kwargs={"pk": ret.pk}),
                           {"version": ret.version, "values": {"cc-releases": "9"}},
                           format="json")
    assert response.status_code == 400
    assert "filled in from casework" in str(response.json())
    assert unchanged_state() == before
    detail = client.get(reverse("return-detail", kwargs={"pk": ret.pk})).json()
    asked = {m["code"]: m["computed_from"] for m in detail["metrics"]}
    assert asked["cc-releases"] == "continuity.releases" and asked["cc-sessions"] == ""


def test_the_form_shows_the_figure_and_ignores_a_posted_value(client: Any,
                                                             hand_counted: World) -> None:
    w = hand_counted
    ret = start(w, w.prison, w.prison_staff)
    client.force_login(w.prison_staff)
    edit = reverse("monitoring:return-edit", args=[ret.pk])
    html = client.get(edit).content.decode()
    assert "From casework (continuity of care): <strong" in html
    assert 'name="figure-cc-releases"' not in html
    assert 'name="figure-cc-sessions"' in html
    response = client.post(edit, {"version": ret.version, "action": "save",
                                  "figure-cc-releases": "99", "figure-cc-sessions": "4"})
    assert response.status_code == 302
    figures = stored(ret)
    assert figures["cc-releases"] == 3 and figures["cc-sessions"] == 4


def test_an_upload_leaves_a_computed_figure_as_it_was(hand_counted: World) -> None:
    w = hand_counted
    ret = start(w, w.prison, w.prison_staff)
    rows = uploads.return_template_rows(ret)
    rows = [[*row[:-1], "99" if row[0] == "cc-releases" else "4" if row[0] == "cc-sessions"
             else row[-1]] for row in rows]
    text = "\n".join(",".join(str(cell) for cell in row) for row in rows)
    uploads.return_upload(monitoring_return=ret,
                          uploaded_file=SimpleUploadedFile("f.csv", text.encode(), "text/csv"),
                          expected_version=ret.version, by=w.prison_staff)
    figures = stored(ret)
    assert figures["cc-releases"] == 3 and figures["cc-sessions"] == 4


def test_the_check_page_has_no_change_link_for_a_computed_figure(client: Any,
                                                                 hand_counted: World) -> None:
    w = hand_counted
    ret = start(w, w.prison, w.prison_staff)
    client.force_login(w.prison_staff)
    html = client.get(reverse("monitoring:return-check", args=[ret.pk])).content.decode()
    assert "#id_figure-cc-sessions" in html
    assert "#id_figure-cc-releases" not in html
    assert "worked out again when you submit" in html


# -- when they are worked out, and when never again -----------------------------------------------


def test_opening_the_draft_and_submitting_work_the_figures_out_again(client: Any,
                                                                      hand_counted: World
                                                                      ) -> None:
    w = hand_counted
    ret = start(w, w.prison, w.prison_staff)
    version = ret.version
    client.force_login(w.prison_staff)
    edit = reverse("monitoring:return-edit", args=[ret.pk])
    client.get(edit)
    ret.refresh_from_db()
    assert ret.version == version  # nothing changed: no new version, no audit row
    custody(w, released=40, attended=45)  # F: released later in the quarter
    client.get(edit)
    ret.refresh_from_db()
    assert ret.version == version + 1
    assert stored(ret)["cc-releases"] == 4
    custody(w, released=50, plan=False)   # G: recorded after the draft was last opened
    ret = actions.return_submit(monitoring_return=ret, by=w.prison_staff)
    figures = stored(ret)
    assert figures["cc-releases"] == 5 and figures["cc-no-plan"] == 2
    assert figures["cc-percent"] == Decimal(40)
    summaries = list(AuditEvent.objects.filter(object_id=str(ret.pk))
                     .order_by("-pk").values_list("summary", flat=True)[:2])
    assert summaries[0] == "Submitted return"
    assert summaries[1].startswith("Filled in") and summaries[1].endswith("from casework")


def test_submitted_and_approved_returns_never_change(client: Any, hand_counted: World) -> None:
    w = hand_counted
    ret = start(w, w.prison, w.prison_staff)
    ret = actions.return_submit(monitoring_return=ret, by=w.prison_staff)
    custody(w, released=40, attended=45)
    before = unchanged_state()
    actions.computed_values_refresh(monitoring_return=ret, by=w.prison_staff)
    assert unchanged_state() == before
    ret = actions.return_approve(monitoring_return=ret, by=w.manager)
    custody(w, released=41, attended=44)
    before = unchanged_state()
    actions.computed_values_refresh(monitoring_return=ret, by=w.prison_staff)
    client.force_login(w.prison_staff)
    assert client.get(reverse("monitoring:return-edit", args=[ret.pk])).status_code == 403
    html = client.get(reverse("monitoring:return", args=[ret.pk])).content.decode()
    assert "From casework (continuity of care)" in html
    assert unchanged_state() == before
    assert stored(ret) == PRISON_FIGURES


def test_a_correction_works_the_figures_out_again(hand_counted: World) -> None:
    w = hand_counted
    ret = start(w, w.prison, w.prison_staff)
    ret = actions.return_submit(monitoring_return=ret, by=w.prison_staff)
    ret = actions.return_approve(monitoring_return=ret, by=w.manager)
    custody(w, released=40, attended=45)
    new = actions.return_correct(approved_return=ret, by=w.prison_staff,
                                 reason="A release was recorded late.")
    assert stored(new)["cc-releases"] == 4
    assert stored(ret)["cc-releases"] == 3

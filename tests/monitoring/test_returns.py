"""The return workflow: start, save, submit, send back, approve, correct — and every refusal
leaves everything as it was."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from core.errors import DomainError
from core.models import AuditEvent
from monitoring import actions
from monitoring.choices import MetricKind, Operator, ReturnStatus, RuleForm
from monitoring.models import CrossMetricRule, Metric, MonitoringReturn, Value
from monitoring.querysets import framework_values, return_metrics
from tests.accounts.factories import PartnershipManagerFactory, ProviderStaffFactory
from tests.monitoring.factories import (
    MonitoringReturnFactory,
    ReturnRequirementFactory,
    ValueFactory,
    quarter,
)
from tests.monitoring.workflow import (
    approved,
    lead_partners_own_return,
    save,
    started,
    submitted,
    unchanged_state,
)
from tests.partnerships.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


# -- starting --------------------------------------------------------------------------------------


def test_provider_starts_a_draft_with_an_audit_row(s):
    ret = started(s)
    assert (ret.status, ret.revision, ret.version) == (ReturnStatus.DRAFT, 1, 1)
    event = AuditEvent.objects.get(content_type__model="monitoringreturn", object_id=ret.pk)
    assert event.actor == s.staff and event.partnership_id == s.partnership.pk


def test_the_form_asks_each_metric_once_even_when_two_frameworks_need_it(s):
    ret = started(s)
    metrics = {m.code: m.is_required for m in return_metrics(ret)}
    assert metrics == {"starts": 1, "completions": 1, "engagement-rate": 0,
                       "housing-support": 0}


def test_starting_a_return_for_another_organisation_is_refused(s):
    other_staff = ProviderStaffFactory()
    before = unchanged_state()
    with pytest.raises(DomainError, match=f"Only provider staff of {s.provider} can start"):
        actions.return_start(organisation=s.provider, partnership=s.partnership,
                             period=s.period, by=other_staff)
    assert unchanged_state() == before


def test_a_manager_cannot_start_a_provider_return(s):
    with pytest.raises(DomainError, match="Only provider staff"):
        actions.return_start(organisation=s.provider, partnership=s.partnership,
                             period=s.period, by=s.manager)


def test_starting_without_a_requirement_is_refused(s):
    org = OrganisationFactory()
    before = unchanged_state()
    with pytest.raises(DomainError, match="does not owe .* a return for 2025–26 Q1"):
        actions.return_start(organisation=org, partnership=s.partnership, period=s.period,
                             by=ProviderStaffFactory(organisation=org))
    assert unchanged_state() == before


def test_a_platform_admin_may_start_one_but_only_once(s):
    """Starting again answers the return already started (a double click is not an error) and
    changes nothing: still one return, one audit row."""
    ret = started(s)
    before = unchanged_state()
    again = actions.return_start(organisation=s.provider, partnership=s.partnership,
                                 period=s.period, by=s.admin)
    assert again == ret
    assert unchanged_state() == before


def test_database_holds_one_return_per_revision(s):
    ret = started(s)
    with pytest.raises(IntegrityError), transaction.atomic():
        MonitoringReturn.objects.create(organisation=s.provider, partnership=s.partnership,
                                        period=ret.period)


# -- saving figures ----------------------------------------------------------------------------


def test_saving_stores_typed_values_and_bumps_the_version(s):
    ret = started(s)
    save(s, ret, starts="1,200", completions="4", **{"engagement-rate": "55.5",
                                                     "housing-support": "Yes"})
    assert ret.version == 2
    stored = {v.metric.code: v for v in ret.values.select_related("metric")}
    assert stored["starts"].number == 1200
    assert stored["engagement-rate"].number == Decimal("55.5")
    assert stored["housing-support"].number == 1 and stored["housing-support"].display == "Yes"
    event = AuditEvent.objects.filter(object_id=ret.pk).first()
    assert event.summary == "Saved 4 figures" and event.changes["starts"] == [None, "1200"]
    # Empty text clears a figure.
    save(s, ret, **{"housing-support": ""})
    assert not ret.values.filter(metric__code="housing-support").exists()


def test_bad_figures_are_all_named_and_nothing_is_saved(s):
    ret = started(s)
    save(s, ret, starts="3")
    s.starts.max_value = Decimal(500)
    s.starts.save()
    before = unchanged_state()
    with pytest.raises(DomainError) as exc:
        save(s, ret, starts="900", completions="two", **{"engagement-rate": "140",
                                                         "housing-support": "maybe",
                                                         "unknown": "1"})
    text = str(exc.value)
    assert "Treatment starts: must be at most 500, not 900." in text
    assert "Treatment completions: must be a whole number, like 1,250, not “two”." in text
    assert "Engagement rate: must be a percentage between 0 and 100" in text
    assert "Housing support offered: must be yes or no" in text
    assert "“unknown” is not a figure this return asks for." in text
    assert unchanged_state() == before


@pytest.mark.parametrize(("raw", "message"), [("-1", "must be a whole number of 0 or more"),
                                              ("2.5", "must be a whole number, like 1,250")])
def test_a_count_must_be_a_whole_number(s, raw, message):
    ret = started(s)
    before = unchanged_state()
    with pytest.raises(DomainError, match=message):
        save(s, ret, starts=raw)
    assert unchanged_state() == before


def test_a_stale_concurrent_save_is_refused(s):
    ret = started(s)
    opened_by_a = MonitoringReturn.objects.get(pk=ret.pk)
    opened_by_b = MonitoringReturn.objects.get(pk=ret.pk)
    colleague = ProviderStaffFactory(organisation=s.provider)
    save(s, opened_by_a, starts="10")
    before = unchanged_state()
    with pytest.raises(DomainError, match="Someone else saved this return since you opened it"):
        actions.return_save_values(monitoring_return=opened_by_b, values={"starts": "99"},
                                   expected_version=opened_by_b.version, by=colleague)
    assert unchanged_state() == before
    assert Value.objects.get(metric=s.starts).number == 10


def test_staff_of_another_organisation_cannot_save(s):
    ret = started(s)
    before = unchanged_state()
    with pytest.raises(DomainError, match=f"Only provider staff of {s.provider} can change"):
        save(s, ret, by=ProviderStaffFactory(), starts="5")
    with pytest.raises(DomainError, match="Only provider staff"):
        save(s, ret, by=s.manager, starts="5")
    assert unchanged_state() == before


# -- submitting --------------------------------------------------------------------------------


def test_submit_with_a_missing_required_metric_is_refused(s):
    ret = started(s)
    save(s, ret, starts="10")
    before = unchanged_state()
    with pytest.raises(DomainError, match="cannot be submitted: Treatment completions is "
                                          "required"):
        actions.return_submit(monitoring_return=ret, by=s.staff)
    assert unchanged_state() == before


def test_submitting_for_another_organisation_is_refused(s):
    ret = started(s)
    save(s, ret, starts="10", completions="4")
    before = unchanged_state()
    with pytest.raises(DomainError, match="Only provider staff"):
        actions.return_submit(monitoring_return=ret, by=ProviderStaffFactory())
    assert unchanged_state() == before


def test_cross_metric_rules_block_submission_with_their_message(s):
    CrossMetricRule.objects.create(left_metric=s.completions, operator=Operator.LE,
                                   right_metric=s.starts,
                                   message="Completions cannot exceed starts.")
    CrossMetricRule.objects.create(framework=s.commissioner_fw, form=RuleForm.YES_THEN_POSITIVE,
                                   left_metric=s.housed, right_metric=s.starts,
                                   message="If housing support was offered, starts must be "
                                           "above 0.")
    CrossMetricRule.objects.create(left_metric=s.starts, operator=Operator.LT,
                                   right_constant=Decimal(1000), message="Fewer than 1000.")
    ret = started(s)
    save(s, ret, starts="0", completions="4", **{"housing-support": "yes"})
    before = unchanged_state()
    with pytest.raises(DomainError) as exc:
        actions.return_submit(monitoring_return=ret, by=s.staff)
    assert "Completions cannot exceed starts." in str(exc.value)
    assert "If housing support was offered, starts must be above 0." in str(exc.value)
    assert "Fewer than 1000" not in str(exc.value)
    assert unchanged_state() == before
    save(s, ret, starts="5")
    actions.return_submit(monitoring_return=ret, by=s.staff)
    assert ret.status == ReturnStatus.SUBMITTED and ret.submitted_by == s.staff


def test_a_rule_must_compare_with_exactly_one_thing(s):
    with pytest.raises(IntegrityError), transaction.atomic():
        CrossMetricRule.objects.create(left_metric=s.starts, right_metric=s.completions,
                                       right_constant=1, message="Both")


def test_a_metric_minimum_cannot_exceed_its_maximum():
    with pytest.raises(IntegrityError), transaction.atomic():
        Metric.objects.create(code="x", name="X", kind=MetricKind.COUNT, min_value=5,
                              max_value=1)


def test_a_far_off_figure_needs_a_confirming_note(s):
    approved(s, quarter(2024, 3), starts="100", completions="10")
    approved(s, quarter(2024, 4), starts="120", completions="10")
    ret = started(s)
    save(s, ret, starts="400", completions="11")
    before = unchanged_state()
    with pytest.raises(DomainError, match=r"look unusual.*Treatment starts: 400 is far from "
                                          r"the average of earlier periods \(110\)"):
        actions.return_submit(monitoring_return=ret, by=s.staff)
    assert unchanged_state() == before
    actions.return_submit(monitoring_return=ret, by=s.staff,
                          warning_note="A new prison wing opened.")
    assert ret.status == ReturnStatus.SUBMITTED
    assert ret.warning_note == "A new prison wing opened."


def test_no_warning_with_only_one_earlier_period(s):
    approved(s, quarter(2024, 4), starts="100", completions="10")
    ret = submitted(s, starts="400", completions="10")
    assert ret.status == ReturnStatus.SUBMITTED and ret.warning_note == ""


# -- reviewing ---------------------------------------------------------------------------------


def test_the_lead_partner_approves_and_the_return_is_locked(s):
    ret = approved(s)
    assert ret.status == ReturnStatus.APPROVED and ret.approved_by == s.manager
    before = unchanged_state()
    with pytest.raises(DomainError, match="approved on .* and is locked. Start a correction"):
        save(s, ret, starts="11")
    with pytest.raises(DomainError, match="is locked"):
        actions.return_submit(monitoring_return=ret, by=s.staff)
    with pytest.raises(DomainError, match="Only a submitted return can be approved"):
        actions.return_approve(monitoring_return=ret, by=s.manager)
    assert unchanged_state() == before


def test_approving_your_own_organisations_return_is_refused(s):
    ret = lead_partners_own_return(s, starts="10")
    lead_staff = ret.submitted_by
    before = unchanged_state()
    for user in (s.manager, lead_staff):
        with pytest.raises(DomainError, match="cannot approve your own organisation's return"):
            actions.return_approve(monitoring_return=ret, by=user)
    assert unchanged_state() == before
    actions.return_approve(monitoring_return=ret, by=s.admin)
    assert ret.status == ReturnStatus.APPROVED


def test_only_a_manager_of_the_lead_partner_approves(s):
    ret = submitted(s)
    before = unchanged_state()
    for user in (PartnershipManagerFactory(), s.commissioner):
        with pytest.raises(DomainError, match="Only a partnership manager of .*lead partner"):
            actions.return_approve(monitoring_return=ret, by=user)
    with pytest.raises(DomainError, match="your own organisation's return"):
        actions.return_approve(monitoring_return=ret, by=s.staff)
    assert unchanged_state() == before


def test_send_back_with_per_metric_comments_then_resubmit_and_approve(s):
    ret = submitted(s)
    actions.return_send_back(monitoring_return=ret, by=s.manager,
                             comment="Please check the quarter's figures.",
                             metric_comments={"completions": "Higher than your case list.",
                                              "starts": " "})
    assert ret.status == ReturnStatus.RETURNED
    queries = {(q.metric.code if q.metric else None): q.text for q in ret.queries.all()}
    assert queries == {None: "Please check the quarter's figures.",
                       "completions": "Higher than your case list."}
    save(s, ret, completions="3")
    actions.return_submit(monitoring_return=ret, by=s.staff)
    assert ret.status == ReturnStatus.SUBMITTED
    assert not ret.queries.filter(resolved=False).exists()
    actions.return_approve(monitoring_return=ret, by=s.manager)
    assert Value.objects.get(monitoring_return=ret, metric=s.completions).number == 3


def test_send_back_needs_a_comment_and_known_metrics(s):
    ret = submitted(s)
    before = unchanged_state()
    with pytest.raises(DomainError, match="Say what needs correcting"):
        actions.return_send_back(monitoring_return=ret, by=s.manager, comment=" ")
    with pytest.raises(DomainError, match="does not ask for nonsense"):
        actions.return_send_back(monitoring_return=ret, by=s.manager,
                                 metric_comments={"nonsense": "?"})
    with pytest.raises(DomainError, match="Only a partnership manager"):
        actions.return_send_back(monitoring_return=ret, by=PartnershipManagerFactory(),
                                 comment="No")
    assert unchanged_state() == before


# -- one value, many frameworks; corrections ---------------------------------------------------


def report(s, framework):
    return {row["metric"].code: [v.number for v in row["values"]]
            for row in framework_values(framework, s.partnership, s.period)}


def test_one_value_feeds_two_frameworks_and_a_correction_corrects_both(s):
    first = approved(s, starts="10", completions="4")
    assert report(s, s.commissioner_fw) == {"starts": [10], "completions": [4],
                                            "housing-support": []}
    assert report(s, s.partnership_fw) == {"starts": [10], "engagement-rate": []}
    assert Value.objects.filter(metric=s.starts).count() == 1  # one row feeds both

    correction = actions.return_correct(approved_return=first, by=s.staff,
                                        reason="Two starts were counted twice.")
    assert (correction.revision, correction.replaces, correction.status) == (
        2, first, ReturnStatus.DRAFT)
    assert correction.values.count() == 2
    save(s, correction, starts="8")
    # Until the correction is approved, reports keep reading the approved revision.
    assert report(s, s.commissioner_fw)["starts"] == [10]
    actions.return_submit(monitoring_return=correction, by=s.staff)
    actions.return_approve(monitoring_return=correction, by=s.manager)

    assert report(s, s.commissioner_fw)["starts"] == [8]
    assert report(s, s.partnership_fw)["starts"] == [8]
    assert framework_values(s.partnership_fw, s.partnership, s.period)[0]["total"] == 8
    first.refresh_from_db()
    assert first.status == ReturnStatus.APPROVED  # the old revision is kept
    assert Value.objects.get(monitoring_return=first, metric=s.starts).number == 10


def test_a_correction_needs_a_reason_an_approved_return_and_only_one_at_a_time(s):
    ret = submitted(s)
    before = unchanged_state()
    with pytest.raises(DomainError, match="Only an approved return needs a correction"):
        actions.return_correct(approved_return=ret, by=s.staff, reason="x")
    actions.return_approve(monitoring_return=ret, by=s.manager)
    before = unchanged_state()
    with pytest.raises(DomainError, match="Say why"):
        actions.return_correct(approved_return=ret, by=s.staff, reason=" ")
    with pytest.raises(DomainError, match="Only provider staff"):
        actions.return_correct(approved_return=ret, by=ProviderStaffFactory(), reason="x")
    assert unchanged_state() == before
    actions.return_correct(approved_return=ret, by=s.staff, reason="Typo")
    with pytest.raises(DomainError, match="Revision 2 already corrects this return"):
        actions.return_correct(approved_return=ret, by=s.staff, reason="Again")


# -- who sees what -----------------------------------------------------------------------------


def test_visibility_and_permissions_follow_the_rules(s):
    ret = submitted(s)
    other = MonitoringReturnFactory()
    ValueFactory(monitoring_return=other)
    visible = {u: set(MonitoringReturn.objects.visible_to(u)) for u in
               (s.staff, s.manager, s.commissioner, s.admin, ProviderStaffFactory())}
    assert visible[s.staff] == {ret}
    assert visible[s.manager] == {ret}
    assert visible[s.commissioner] == {ret}
    assert visible[s.admin] == {ret, other}
    assert all(not v for u, v in visible.items() if u not in (s.staff, s.manager,
                                                              s.commissioner, s.admin))
    assert s.commissioner.has_perm("monitoring.view_monitoringreturn", ret)
    assert not s.commissioner.has_perm("monitoring.view_monitoringreturn", other)
    assert s.manager.has_perm("monitoring.review_return", ret)
    assert not s.staff.has_perm("monitoring.review_return", ret)
    assert s.admin.has_perm("monitoring.add_metric")
    assert not s.manager.has_perm("monitoring.add_metric")


def test_dates_of_periods_are_due_after_they_end(s):
    assert s.period.due_on - s.period.ends_on == dt.timedelta(days=28)


def test_a_framework_report_averages_percentages_and_adds_counts(s):
    other = MembershipFactory(partnership=s.partnership).organisation
    ReturnRequirementFactory(organisation=other, partnership=s.partnership,
                             frameworks=[s.partnership_fw])
    other_staff = ProviderStaffFactory(organisation=other)
    approved(s, starts="10", completions="4", **{"engagement-rate": "40"})
    ret = actions.return_start(organisation=other, partnership=s.partnership, period=s.period,
                               by=other_staff)
    save(s, ret, by=other_staff, starts="6", **{"engagement-rate": "45"})
    actions.return_submit(monitoring_return=ret, by=other_staff)
    actions.return_approve(monitoring_return=ret, by=s.manager)

    totals = {row["metric"].code: row["total"]
              for row in framework_values(s.partnership_fw, s.partnership, s.period)}
    assert totals == {"starts": 16, "engagement-rate": Decimal("42.5")}

"""The returns API: who may read and act on which return, the workflow end to end, and every bad
input refused with a clear message and nothing changed."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from monitoring import actions
from monitoring.choices import ReturnStatus
from monitoring.models import MonitoringReturn
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    ProviderStaffFactory,
)
from tests.monitoring.factories import ReturnRequirementFactory, quarter
from tests.monitoring.workflow import (
    approved,
    draft,
    lead_partners_own_return,
    submitted,
    unchanged_state,
)

from .test_permissions import REFUSED, token_client

pytestmark = pytest.mark.django_db


def url(name: str, ret: MonitoringReturn | None = None) -> str:
    return reverse(name, kwargs={"pk": ret.pk} if ret else None)


def assert_refused_with(response: Any, *words: str, code: int = 400) -> None:
    """Refused with the status and a message that says why (in the body, whatever its key)."""
    assert response.status_code == code, response.content
    text = response.content.decode()
    for word in words:
        assert word in text, text


# --------------------------------------------------------------------------------------------
# Who may call which endpoint
# --------------------------------------------------------------------------------------------

# (endpoint, method, state of the return it needs, body, the user who may, expected status)
ENDPOINTS: list[tuple[str, str, Callable[[Any], MonitoringReturn], dict[str, Any], str, int]] = [
    ("return-detail", "get", submitted, {}, "staff", 200),
    ("return-check", "get", submitted, {}, "manager", 200),
    ("return-values", "post", draft, {"version": 1, "values": {"starts": "3"}}, "staff", 200),
    ("return-values", "patch", draft, {"version": 1, "values": {"starts": "3"}}, "staff", 200),
    ("return-submit", "post", lambda s: draft(s, starts="1", completions="1"), {}, "staff", 200),
    ("return-approve", "post", submitted, {}, "manager", 200),
    ("return-send-back", "post", submitted, {"comment": "Check starts."}, "manager", 200),
    ("return-correct", "post", approved, {"reason": "Typo in starts."}, "staff", 201),
]
ENDPOINT_IDS = [f"{name}-{method}" for name, method, *_ in ENDPOINTS]


@pytest.mark.parametrize(("name", "method", "make", "body", "who", "ok"), ENDPOINTS,
                         ids=ENDPOINT_IDS)
def test_anonymous_is_refused_and_nothing_changes(s, name, method, make, body, who, ok):
    ret = make(s)
    before = unchanged_state()
    response = getattr(APIClient(), method)(url(name, ret), body, format="json")
    assert response.status_code == REFUSED
    assert response.json()["detail"] == "Authentication credentials were not provided."
    assert unchanged_state() == before


@pytest.mark.parametrize("other", ["provider_staff", "partnership_manager", "commissioner"])
@pytest.mark.parametrize(("name", "method", "make", "body", "who", "ok"), ENDPOINTS,
                         ids=ENDPOINT_IDS)
def test_other_organisation_gets_404_and_nothing_changes(s, client_for, other, name, method,
                                                         make, body, who, ok):
    """Staff of another provider, the manager of another partnership's lead partner and a
    commissioner who does not fund it cannot tell the return exists."""
    ret = make(s)
    user = {"provider_staff": ProviderStaffFactory, "partnership_manager":
            PartnershipManagerFactory, "commissioner": CommissionerFactory}[other]()
    before = unchanged_state()
    response = getattr(client_for(user), method)(url(name, ret), body, format="json")
    assert response.status_code == 404, response.content
    assert unchanged_state() == before


@pytest.mark.parametrize("authentication", ["session", "token"])
@pytest.mark.parametrize(("name", "method", "make", "body", "who", "ok"), ENDPOINTS,
                         ids=ENDPOINT_IDS)
def test_the_right_role_may(s, client_for, authentication, name, method, make, body, who, ok):
    ret = make(s)
    user = getattr(s, who)
    client = client_for(user) if authentication == "session" else token_client(user)
    response = getattr(client, method)(url(name, ret), body, format="json")
    assert response.status_code == ok, response.content


def test_inactive_user_is_refused(s, client_for):
    ret = submitted(s)
    s.staff.is_active = False
    s.staff.save()
    client = APIClient()
    client.force_authenticate(s.staff)
    assert client.get(url("return-detail", ret)).status_code == 403  # signed in: the rules refuse
    assert client.get(url("return-list")).status_code == 403


@pytest.mark.parametrize("who", ["staff", "manager", "commissioner", "admin"])
def test_every_party_to_the_return_can_read_it(s, client_for, who):
    ret = submitted(s)
    response = client_for(getattr(s, who)).get(url("return-detail", ret))
    assert response.status_code == 200
    assert response.json()["id"] == ret.pk


# --------------------------------------------------------------------------------------------
# The list and its filters
# --------------------------------------------------------------------------------------------


def listed(client: APIClient, **params: Any) -> list[int]:
    response = client.get(url("return-list"), {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_shows_each_user_only_returns_they_may_see(s, client_for):
    mine = submitted(s)
    other_staff = ProviderStaffFactory()
    ReturnRequirementFactory(organisation=other_staff.organisation, partnership=s.partnership,
                             frameworks=[s.commissioner_fw])
    theirs = actions.return_start(organisation=other_staff.organisation,
                                  partnership=s.partnership, period=s.period, by=other_staff)
    elsewhere = ProviderStaffFactory()
    assert listed(client_for(s.staff)) == [mine.pk]
    assert listed(client_for(other_staff)) == [theirs.pk]
    assert listed(client_for(elsewhere)) == []
    # ``theirs`` is a draft: its organisation's own until submitted.
    assert set(listed(client_for(s.manager))) == {mine.pk}
    assert set(listed(client_for(s.commissioner))) == {mine.pk}
    assert listed(client_for(CommissionerFactory())) == []
    assert set(listed(client_for(s.admin))) == {mine.pk, theirs.pk}


def test_list_row_says_whose_return_for_what_and_where_it_stands(s, client_for):
    ret = submitted(s)
    row = client_for(s.manager).get(url("return-list")).json()["results"][0]
    assert row["id"] == ret.pk
    assert row["organisation"]["slug"] == s.provider.slug
    assert row["partnership"]["slug"] == s.partnership.slug
    assert row["period"] == {"id": s.period.pk, "frequency": "quarterly", "label": "2025–26 Q1",
                             "starts_on": "2025-04-01", "ends_on": "2025-06-30",
                             "due_on": "2025-07-28"}
    assert (row["status"], row["revision"], row["version"]) == ("submitted", 1, 3)
    assert row["submitted_at"] and row["approved_at"] is None
    assert "values" not in row


def test_list_filters(s, client_for):
    q1 = submitted(s)
    q2 = actions.return_start(organisation=s.provider, partnership=s.partnership,
                              period=quarter(2025, 2), by=s.staff)
    client = client_for(s.staff)  # the lead partner's manager never lists the q2 draft
    assert set(listed(client, partnership=s.partnership.slug)) == {q1.pk, q2.pk}
    assert set(listed(client, partnership=str(s.partnership.pk))) == {q1.pk, q2.pk}
    assert listed(client, period=q2.period_id) == [q2.pk]
    assert listed(client, status="submitted") == [q1.pk]
    assert listed(client, status="draft") == [q2.pk]
    manager = client_for(s.manager)
    assert listed(manager, status="draft") == []
    assert set(listed(client, organisation=s.provider.slug)) == {q1.pk, q2.pk}
    assert set(listed(manager, organisation=s.provider.slug)) == {q1.pk}
    assert listed(manager, organisation=s.lead.slug) == []


def test_list_orders_latest_period_first(s, client_for):
    q1 = submitted(s)
    q2 = actions.return_start(organisation=s.provider, partnership=s.partnership,
                              period=quarter(2025, 2), by=s.staff)
    assert listed(client_for(s.staff)) == [q2.pk, q1.pk]


@pytest.mark.parametrize(("param", "value", "message"), [
    ("partnership", "no-such-partnership", "Select a valid choice"),
    ("partnership", "99999999", "Select a valid choice"),
    ("partnership", "9" * 40, "Select a valid choice"),
    ("period", "nope", "Select a valid choice"),
    ("status", "lost", "Select a valid choice"),
    ("organisation", "nobody", "Select a valid choice"),
])
def test_bad_filter_is_a_clear_400(s, client_for, param, value, message):
    response = client_for(s.staff).get(url("return-list"), {param: value})
    assert response.status_code == 400
    assert message in response.json()[param][0]


# --------------------------------------------------------------------------------------------
# The detail
# --------------------------------------------------------------------------------------------


def test_detail_shows_figures_once_with_the_frameworks_using_each(s, client_for):
    ret = submitted(s)
    body = client_for(s.staff).get(url("return-detail", ret)).json()
    metrics = {m["code"]: m for m in body["metrics"]}
    # Asked once each, in the frameworks' own order (not by name), although both frameworks
    # need "starts".
    assert list(metrics) == ["starts", "completions", "housing-support", "engagement-rate"]
    assert len(body["metrics"]) == 4
    assert {f["name"] for f in metrics["starts"]["frameworks"]} == {
        "Commissioner performance framework", "Partnership outcomes"}
    assert [f["name"] for f in metrics["engagement-rate"]["frameworks"]] == [
        "Partnership outcomes"]
    assert metrics["starts"]["required"] is True
    assert metrics["engagement-rate"]["required"] is False
    assert metrics["engagement-rate"]["kind"] == "percentage"
    assert body["values"] == [
        {"metric": "completions", "display": "4", "number": "4", "text": ""},
        {"metric": "starts", "display": "10", "number": "10", "text": ""},
    ]
    assert body["submitted_by"] == (s.staff.get_full_name() or s.staff.username)
    assert body["approved_by"] is None and body["replaces"] is None
    assert body["queries"] == []


def test_detail_of_a_return_sent_back_shows_the_queries(s, client_for):
    ret = submitted(s)
    actions.return_send_back(monitoring_return=ret, by=s.manager, comment="Please check.",
                             metric_comments={"starts": "Higher than referrals."})
    body = client_for(s.staff).get(url("return-detail", ret)).json()
    assert body["status"] == "returned"
    assert [(q["metric"], q["text"], q["resolved"]) for q in body["queries"]] == [
        (None, "Please check.", False), ("starts", "Higher than referrals.", False)]


def test_check_lists_errors_before_submitting(s, client_for):
    ret = draft(s, starts="10")
    body = client_for(s.staff).get(url("return-check", ret)).json()
    assert body == {"errors": ["Treatment completions is required."], "warnings": []}


# --------------------------------------------------------------------------------------------
# The workflow through the API
# --------------------------------------------------------------------------------------------


def test_full_workflow_start_save_submit_send_back_resubmit_approve(s, client_for):
    staff, manager = client_for(s.staff), client_for(s.manager)
    response = staff.post(url("return-list"), {"partnership": s.partnership.slug,
                                               "period": s.period.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["version"], body["organisation"]["slug"]) == (
        "draft", 1, s.provider.slug)
    ret = MonitoringReturn.objects.get(pk=body["id"])

    body = staff.patch(url("return-values", ret), {"version": 1, "values": {
        "starts": "10", "completions": 4, "housing-support": "yes", "engagement-rate": "37.5"}},
        format="json").json()
    assert body["version"] == 2
    assert {v["metric"]: v["display"] for v in body["values"]} == {
        "starts": "10", "completions": "4", "housing-support": "Yes", "engagement-rate": "37.5"}

    body = staff.post(url("return-submit", ret), {}, format="json").json()
    assert body["status"] == "submitted"

    response = manager.post(url("return-send-back", ret), {
        "comment": "", "metric_comments": {"starts": "Check against referrals."}},
        format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "returned"
    assert response.json()["queries"][0]["metric"] == "starts"

    version = response.json()["version"]
    body = staff.post(url("return-values", ret), {"version": version,
                                                  "values": {"starts": "9"}},
                      format="json").json()
    assert body["status"] == "returned"
    body = staff.post(url("return-submit", ret), format="json").json()
    assert body["status"] == "submitted"
    assert all(q["resolved"] for q in body["queries"])

    body = manager.post(url("return-approve", ret), format="json").json()
    assert body["status"] == "approved"
    assert body["approved_at"]
    assert body["approved_by"] == (s.manager.get_full_name() or s.manager.username)
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED
    assert ret.values.get(metric=s.starts).number == Decimal(9)


def test_clearing_a_figure_with_empty_or_null(s, client_for):
    ret = draft(s, starts="10", completions="4")
    body = client_for(s.staff).post(url("return-values", ret), {
        "version": 2, "values": {"starts": None, "completions": ""}}, format="json").json()
    assert body["values"] == []


def test_admin_starts_a_return_naming_the_organisation(s, client_for):
    response = client_for(s.admin).post(url("return-list"), {
        "organisation": s.provider.slug, "partnership": s.partnership.pk,
        "period": s.period.pk}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["organisation"]["slug"] == s.provider.slug


def test_correction_answers_with_the_new_revision_and_keeps_the_old(s, client_for):
    old = approved(s)
    response = client_for(s.staff).post(url("return-correct", old),
                                        {"reason": "Starts double-counted."}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["revision"], body["status"], body["replaces"]) == (
        2, "draft", {"id": old.pk, "revision": 1})
    assert body["correction_reason"] == "Starts double-counted."
    assert {v["metric"]: v["display"] for v in body["values"]} == {"starts": "10",
                                                                  "completions": "4"}
    old.refresh_from_db()
    assert old.status == ReturnStatus.APPROVED


# --------------------------------------------------------------------------------------------
# Bad inputs from the issue: refused with a clear message, nothing changed
# --------------------------------------------------------------------------------------------


def test_starting_a_return_for_another_organisation_is_refused(s, client_for):
    other_staff = ProviderStaffFactory()
    before = unchanged_state()
    response = client_for(other_staff).post(url("return-list"), {
        "organisation": s.provider.slug, "partnership": s.partnership.slug,
        "period": s.period.pk}, format="json")
    assert_refused_with(response, f"Only provider staff of {s.provider} can start its returns.")
    assert unchanged_state() == before


def test_starting_a_return_not_owed_is_refused(s, client_for):
    before = unchanged_state()
    response = client_for(s.staff).post(url("return-list"), {
        "partnership": s.partnership.slug, "period": quarter(2025, 2).pk}, format="json")
    assert response.status_code == 201  # owed every quarter
    before = unchanged_state()
    other = ProviderStaffFactory()
    response = client_for(other).post(url("return-list"), {
        "partnership": s.partnership.slug, "period": s.period.pk}, format="json")
    assert_refused_with(response, "does not owe")
    assert unchanged_state() == before


def test_starting_twice_answers_the_return_already_started(s, client_for):
    """A retry or a double click: 200 with the one return, nothing changed (the first start
    answered 201)."""
    ret = draft(s)
    before = unchanged_state()
    response = client_for(s.staff).post(url("return-list"), {
        "partnership": s.partnership.slug, "period": s.period.pk}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["id"], response.json()["status"]) == (ret.pk, "draft")
    assert unchanged_state() == before


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"period": 1}, "partnership", "This field is required."),
    ({"partnership": "nowhere", "period": 1}, "partnership", "No such partnership"),
    ({"partnership": True, "period": 1}, "partnership", "No such partnership"),
    ({"partnership": "x", "period": "soon"}, "period", "Incorrect type"),
    ({"partnership": "x", "period": 999999}, "period", "does not exist"),
    ({"organisation": "nobody", "partnership": "x", "period": 1}, "organisation",
     "does not exist"),
])
def test_start_with_bad_input_is_a_400_naming_the_field(s, client_for, body, field, message):
    before = unchanged_state()
    response = client_for(s.staff).post(url("return-list"), body, format="json")
    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert unchanged_state() == before


def test_admin_must_say_which_organisation(s, client_for):
    response = client_for(s.admin).post(url("return-list"), {
        "partnership": s.partnership.slug, "period": s.period.pk}, format="json")
    assert_refused_with(response, "Say which organisation")


def test_submitting_with_a_missing_required_metric_is_refused(s, client_for):
    ret = draft(s, starts="10")
    before = unchanged_state()
    response = client_for(s.staff).post(url("return-submit", ret), {}, format="json")
    assert_refused_with(response, "cannot be submitted", "Treatment completions is required.")
    assert unchanged_state() == before


def test_submitting_someone_elses_return_as_the_lead_partner_is_refused(s, client_for):
    """The manager cannot even see a draft; a return sent back to the provider they can see,
    but may not submit it for the provider."""
    ret = draft(s, starts="10", completions="4")
    before = unchanged_state()
    response = client_for(s.manager).post(url("return-submit", ret), {}, format="json")
    assert response.status_code == 404
    assert unchanged_state() == before
    actions.return_submit(monitoring_return=ret, by=s.staff)
    actions.return_send_back(monitoring_return=ret, by=s.manager, comment="Check starts.")
    before = unchanged_state()
    response = client_for(s.manager).post(url("return-submit", ret), {}, format="json")
    assert_refused_with(response, f"Only provider staff of {s.provider} can change its returns.")
    assert unchanged_state() == before


def test_out_of_range_value_is_refused_naming_the_metric(s, client_for):
    s.starts.max_value = Decimal(100)
    s.starts.save()
    ret = draft(s)
    before = unchanged_state()
    response = client_for(s.staff).post(url("return-values", ret), {
        "version": ret.version, "values": {"starts": "500", "completions": "-1"}},
        format="json")
    assert_refused_with(response, "Treatment starts: must be at most 100, not 500.",
                        "Treatment completions: must be a whole number")
    assert unchanged_state() == before


def test_unknown_metric_code_is_refused(s, client_for):
    ret = draft(s)
    before = unchanged_state()
    response = client_for(s.staff).post(url("return-values", ret), {
        "version": ret.version, "values": {"referrals": "3"}}, format="json")
    assert_refused_with(response, "“referrals” is not a figure this return asks for.")
    assert unchanged_state() == before


@pytest.mark.parametrize("body", [
    {"values": {"starts": "1"}},
    {"version": 0, "values": {"starts": "1"}},
    {"version": 1},
    {"version": 1, "values": ["starts", "1"]},
    {"version": 1, "values": {"starts": ["1"]}},
])
def test_malformed_save_is_a_400(s, client_for, body):
    ret = draft(s)
    before = unchanged_state()
    response = client_for(s.staff).post(url("return-values", ret), body, format="json")
    assert response.status_code == 400, response.content
    assert unchanged_state() == before


@pytest.mark.parametrize("who", ["staff", "manager"])
def test_approving_your_own_organisations_return_is_refused(s, client_for, who):
    """Provider staff cannot approve their own return; nor can the lead partner's manager approve
    the lead partner's own return."""
    if who == "staff":
        ret, user = submitted(s), s.staff
    else:
        ret, user = lead_partners_own_return(s, starts="2"), s.manager
    before = unchanged_state()
    response = client_for(user).post(url("return-approve", ret), format="json")
    assert_refused_with(response, "You cannot approve your own organisation's return")
    assert unchanged_state() == before


def test_approving_a_draft_is_refused(s, client_for):
    """The lead partner's manager cannot see a draft (404); a platform admin, who can, is told
    why not."""
    ret = draft(s, starts="1", completions="1")
    before = unchanged_state()
    response = client_for(s.manager).post(url("return-approve", ret), format="json")
    assert response.status_code == 404
    response = client_for(s.admin).post(url("return-approve", ret), format="json")
    assert_refused_with(response, "Only a submitted return can be approved; this one is draft.")
    assert unchanged_state() == before


def test_commissioner_may_read_but_not_approve(s, client_for):
    ret = submitted(s)
    before = unchanged_state()
    response = client_for(s.commissioner).post(url("return-approve", ret), format="json")
    assert_refused_with(response, "Only a partnership manager")
    assert unchanged_state() == before


def test_editing_an_approved_return_is_refused(s, client_for):
    ret = approved(s)
    before = unchanged_state()
    response = client_for(s.staff).post(url("return-values", ret), {
        "version": ret.version, "values": {"starts": "11"}}, format="json")
    assert_refused_with(response, "is locked", "Start a correction")
    assert unchanged_state() == before
    response = client_for(s.staff).post(url("return-submit", ret), format="json")
    assert_refused_with(response, "is locked")
    assert unchanged_state() == before


def test_stale_save_is_a_409_and_nothing_is_saved(s, client_for):
    """Two people open the same draft at version 2; the first save wins, the second is refused
    with a clear message and does not overwrite the first."""
    ret = draft(s, starts="10")
    first, second = client_for(s.staff), client_for(ProviderStaffFactory(organisation=s.provider))
    assert first.post(url("return-values", ret), {"version": 2, "values": {"starts": "12"}},
                      format="json").status_code == 200
    before = unchanged_state()
    response = second.patch(url("return-values", ret), {"version": 2,
                                                        "values": {"starts": "15"}},
                            format="json")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("Someone else saved this return since you "
                                                 "opened it.")
    assert unchanged_state() == before
    assert ret.values.get(metric=s.starts).number == Decimal(12)


def test_send_back_without_saying_what_is_refused(s, client_for):
    ret = submitted(s)
    before = unchanged_state()
    response = client_for(s.manager).post(url("return-send-back", ret),
                                          {"comment": " ", "metric_comments": {}},
                                          format="json")
    assert_refused_with(response, "Say what needs correcting")
    assert response.json() == {"comment": ["Say what needs correcting, on the whole return or "
                                           "on a figure."]}
    assert unchanged_state() == before


def test_send_back_on_a_metric_the_return_does_not_ask_for_is_refused(s, client_for):
    ret = submitted(s)
    before = unchanged_state()
    response = client_for(s.manager).post(url("return-send-back", ret), {
        "metric_comments": {"referrals": "?"}}, format="json")
    assert_refused_with(response, "This return does not ask for referrals.")
    assert unchanged_state() == before


def test_correction_without_a_reason_is_refused(s, client_for):
    ret = approved(s)
    before = unchanged_state()
    response = client_for(s.staff).post(url("return-correct", ret), {"reason": ""},
                                        format="json")
    assert_refused_with(response, "Say why the figures are being corrected.")
    assert unchanged_state() == before


def test_correcting_a_draft_is_refused(s, client_for):
    ret = draft(s)
    before = unchanged_state()
    response = client_for(s.staff).post(url("return-correct", ret), {"reason": "x"},
                                        format="json")
    assert_refused_with(response, "Only an approved return needs a correction")
    assert unchanged_state() == before


def test_form_encoded_bodies_are_refused_as_unsupported(s, client_for):
    ret = draft(s)
    before = unchanged_state()
    response = client_for(s.staff).post(url("return-values", ret), {"version": "1"})
    assert response.status_code == 415
    assert unchanged_state() == before


def test_list_and_detail_refuse_other_write_methods(s, client_for):
    ret = draft(s)
    client = client_for(s.admin)
    assert client.delete(url("return-detail", ret)).status_code == 405
    assert client.put(url("return-detail", ret), {}, format="json").status_code == 405
    assert client.get(url("return-approve", ret)).status_code == 405
    assert MonitoringReturn.objects.filter(pk=ret.pk).exists()


def test_submitting_before_submission_opens_is_refused_with_when(s, client_for):
    import datetime as dt

    from core import clock
    from core.display import govuk_date
    from tests.monitoring.factories import ReportingPeriodFactory

    end = clock.today() + dt.timedelta(days=20)
    period = ReportingPeriodFactory(starts_on=end - dt.timedelta(days=90), ends_on=end,
                                    due_on=end + dt.timedelta(days=28))
    ret = draft(s, period, starts="10", completions="4")
    before = unchanged_state()
    response = client_for(s.staff).post(url("return-submit", ret), {}, format="json")
    opens = govuk_date(end + dt.timedelta(days=1))
    assert_refused_with(response, f"You can submit this return from {opens}. You can save a "
                                  "draft now.")
    assert unchanged_state() == before

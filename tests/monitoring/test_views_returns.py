"""The returns pages: a provider sees what is owed, starts, fills in, saves and submits a return;
the lead partner approves it or returns it with comments the provider sees next to each figure;
an approved return is corrected by a new revision. Every refusal keeps what was typed and
changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring import actions
from monitoring.choices import ReturnStatus
from monitoring.models import MonitoringReturn, Value, quarter_for
from tests.accounts.factories import CommissionerFactory, ProviderStaffFactory
from tests.html import assert_good_markup, text
from tests.monitoring.factories import (
    ReportingPeriodFactory,
    ReturnRequirementFactory,
    quarter,
)
from tests.monitoring.workflow import (
    approved,
    lead_partners_own_return,
    started,
    submitted,
    unchanged_state,
)
from tests.partnerships.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def current_quarter():
    """The quarter containing today: started, not yet due."""
    start, end = quarter_for(timezone.localdate())
    return ReportingPeriodFactory(starts_on=start, ends_on=end,
                                  due_on=end + dt.timedelta(days=28))


def url(name, ret=None):
    return reverse(f"monitoring:{name}", args=[ret.pk] if ret is not None else [])


def page(client, user, address, status=200):
    client.force_login(user)
    response = client.get(address)
    assert response.status_code == status
    return response.content.decode()


def post(client, user, address, data, status=None):
    client.force_login(user)
    response = client.post(address, data)
    if status is not None:
        assert response.status_code == status
    return response


def form_data(ret, action="save", **figures):
    data = {"version": ret.version, "action": action}
    data.update({f"figure-{code}": value for code, value in figures.items()})
    return data


def continue_and_submit(client, user, ret, data):
    """"Continue" with ``data`` to the check page, then "Submit return" there: the redirect to
    the return page."""
    data = {**data, "action": "continue"}
    response = post(client, user, url("return-edit", ret), data, status=302)
    assert response["Location"] == url("return-check", ret)
    ret.refresh_from_db()
    return post(client, user, url("return-check", ret), {"version": ret.version}, status=302)


# -- my returns ------------------------------------------------------------------------------------


def test_provider_sees_returned_and_overdue_first_then_due_then_done(client, s):
    due = current_quarter()
    returned = submitted(s, quarter(2024, 4))
    actions.return_send_back(monitoring_return=returned, by=s.manager, comment="Check")
    approved(s, quarter(2024, 3))
    html = page(client, s.staff, url("my-returns"))
    words = text(html)
    assert (words.index("Needs your attention") < words.index("Returned for correction")
            < words.index(f"{s.period.label} 1 April 2025") < words.index("Overdue")
            < words.index(" Due Returns due ") < words.index(due.label)
            < words.index("Submitted and approved") < words.index("2024–25 Q3"))
    assert "Start return for " in words and "Continue the return for" in words
    assert f'href="{url("return", MonitoringReturn.objects.get(status="approved"))}"' in html
    assert_good_markup(html)


def test_other_roles_get_a_helpful_page(client, s):
    html = page(client, s.manager, url("my-returns"))
    assert "Your organisation does not owe any returns that you submit" in html
    assert url("reviews") in html
    html = page(client, ProviderStaffFactory(), url("my-returns"))
    assert "Your organisation does not owe any returns at the moment" in html


# -- starting --------------------------------------------------------------------------------------


def test_provider_starts_a_return_and_lands_on_its_form(client, s):
    response = post(client, s.staff, url("return-start"),
                    {"partnership": s.partnership.pk, "period": s.period.pk}, status=302)
    ret = MonitoringReturn.objects.get()
    assert (ret.organisation, ret.status) == (s.provider, ReturnStatus.DRAFT)
    assert response["Location"] == url("return-edit", ret)
    html = client.get(response["Location"]).content.decode()
    assert "You started the 2025–26 Q1 return for" in html


def test_starting_a_return_not_owed_is_refused_with_a_message(client, s):
    other = MembershipFactory().partnership
    before = unchanged_state()
    response = post(client, s.staff, url("return-start"),
                    {"partnership": other.pk, "period": s.period.pk}, status=302)
    assert response["Location"] == url("my-returns")
    assert unchanged_state() == before
    html = client.get(url("my-returns")).content.decode()
    assert "does not owe" in html and "govuk-notification-banner" in html


def test_start_is_post_only(client, s):
    client.force_login(s.staff)
    assert client.get(url("return-start")).status_code == 405


# -- the form --------------------------------------------------------------------------------------


def test_the_form_asks_each_metric_once_and_names_the_frameworks(client, s):
    ret = started(s)
    html = page(client, s.staff, url("return-edit", ret))
    assert html.count('for="id_figure-starts"') == 1
    assert "These figures go to:" in html
    assert "Commissioner performance framework (version 1," in html
    assert "Used by: Commissioner performance framework, Partnership outcomes" in text(html)
    assert 'inputmode="numeric"' in html and 'inputmode="decimal"' in html
    assert "Engagement rate (optional)" in html
    assert 'type="radio" value="yes"' in html
    assert f'name="version" value="{ret.version}"' in html
    for label in ("Save as draft", "Continue"):
        assert f">{label}</button>" in html
    assert ">Submit return</button>" not in html  # that is on the check page
    assert_good_markup(html)


def test_save_draft_then_submit(client, s):
    ret = started(s)
    response = post(client, s.staff, url("return-edit", ret),
                    form_data(ret, starts="1,200", completions="4",
                              **{"engagement-rate": "55.5", "housing-support": "yes"}),
                    status=302)
    assert response["Location"] == url("return-edit", ret)
    stored = {v.metric.code: v.number for v in ret.values.select_related("metric")}
    assert stored == {"starts": 1200, "completions": 4, "engagement-rate": Decimal("55.5"),
                      "housing-support": 1}
    html = client.get(response["Location"]).content.decode()
    assert "Your draft was saved" in html and 'value="1200"' in html
    ret.refresh_from_db()
    response = continue_and_submit(client, s.staff, ret,
                                   form_data(ret, starts="1200", completions="5",
                                             **{"housing-support": "yes"}))
    assert response["Location"] == url("return", ret)
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED and ret.submitted_by == s.staff
    assert not ret.values.filter(metric=s.rate).exists()  # emptied before submitting
    assert "was submitted" in client.get(response["Location"]).content.decode()


def test_another_organisations_staff_get_404(client, s):
    ret = submitted(s)
    stranger = ProviderStaffFactory()
    client.force_login(stranger)
    before = unchanged_state()
    for name in ("return", "return-edit", "return-review"):
        assert client.get(url(name, ret)).status_code == 404
    assert client.post(url("return-edit", ret), form_data(ret, starts="1")).status_code == 404
    assert client.post(url("return-review", ret), {"action": "approve"}).status_code == 404
    assert client.post(url("return-correct", ret), {"reason": "x"}).status_code == 404
    assert unchanged_state() == before


def test_a_stale_save_is_refused_keeping_what_was_typed(client, s):
    ret = started(s)
    opened_version = ret.version
    colleague = ProviderStaffFactory(organisation=s.provider)
    actions.return_save_values(monitoring_return=ret, values={"starts": "10"},
                               expected_version=ret.version, by=colleague)
    before = unchanged_state()
    data = {"version": opened_version, "action": "save", "figure-starts": "99",
            "figure-completions": "7"}
    html = post(client, s.staff, url("return-edit", ret), data, status=200).content.decode()
    assert "Someone else saved this return since you opened it" in html
    assert 'value="99"' in html and 'value="7"' in html
    assert "Open the latest version" in html
    assert unchanged_state() == before
    assert Value.objects.get(metric=s.starts).number == 10


def test_an_out_of_range_figure_gets_its_own_error_and_nothing_is_saved(client, s):
    s.starts.max_value = Decimal(500)
    s.starts.save()
    ret = started(s)
    before = unchanged_state()
    data = form_data(ret, "submit", starts="900", completions="two",
                     **{"engagement-rate": "12"})
    html = post(client, s.staff, url("return-edit", ret), data, status=200).content.decode()
    assert '<a href="#id_figure-starts">Treatment starts must be at most 500, not 900</a>' in html
    assert ('<a href="#id_figure-completions">Treatment completions must be a whole number, '
            "like 1,250, not “two”</a>") in html
    assert 'id="id_figure-starts-error"' in html
    for typed in ('value="900"', 'value="two"', 'value="12"'):
        assert typed in html
    assert html.startswith("<!DOCTYPE html>") and "<title>Error: " in html
    assert unchanged_state() == before
    assert_good_markup(html)


def test_submitting_without_a_required_figure_is_refused(client, s):
    ret = started(s)
    before = unchanged_state()
    html = post(client, s.staff, url("return-edit", ret),
                form_data(ret, "submit", starts="10"), status=200).content.decode()
    assert ('<a href="#id_figure-completions">Enter Treatment completions: it is needed to '
            "submit the return</a>") in html
    assert 'value="10"' in html
    assert unchanged_state() == before
    # Saving a draft without it is fine.
    post(client, s.staff, url("return-edit", ret), form_data(ret, starts="10"), status=302)


def test_a_rule_refusal_on_submit_keeps_the_draft_as_it_was(client, s):
    from monitoring.models import CrossMetricRule

    CrossMetricRule.objects.create(left_metric=s.completions, right_metric=s.starts,
                                   message="Completions cannot be more than starts.")
    ret = started(s)
    before = unchanged_state()
    html = post(client, s.staff, url("return-edit", ret),
                form_data(ret, "submit", starts="3", completions="9"), status=200
                ).content.decode()
    assert "Completions cannot be more than starts." in html
    assert 'value="9"' in html
    assert unchanged_state() == before


def test_unusual_figures_need_a_note_to_submit(client, s):
    approved(s, quarter(2024, 3), starts="100", completions="10")
    approved(s, quarter(2024, 4), starts="120", completions="10")
    ret = started(s)
    before = unchanged_state()
    data = form_data(ret, "submit", starts="400", completions="11")
    html = post(client, s.staff, url("return-edit", ret), data, status=200).content.decode()
    assert "Treatment starts: 400 is far from the average of earlier periods (110)" in html
    assert 'for="id_warning_note"' in html
    assert '<a href="#id_warning_note">Say why these figures are right' in html
    assert 'value="400"' in html
    assert unchanged_state() == before
    data["warning_note"] = "A new prison wing opened."
    continue_and_submit(client, s.staff, ret, data)
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED
    assert ret.warning_note == "A new prison wing opened."
    assert ret.values.get(metric=s.starts).number == 400


# -- reviewing -------------------------------------------------------------------------------------


def test_manager_approves_a_submitted_return(client, s):
    ret = submitted(s)
    html = page(client, s.manager, url("return-review", ret))
    assert ">Approve return</button>" in html and ">Return for correction</button>" in html
    assert 'for="id_comment">Comment on the whole return</label>' in html
    assert 'for="id_comment-starts">Comment on Treatment starts</label>' in html
    assert_good_markup(html)
    response = post(client, s.manager, url("return-review", ret), {"action": "approve"},
                    status=302)
    assert response["Location"] == url("reviews")
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED and ret.approved_by == s.manager
    assert "You approved" in client.get(url("reviews")).content.decode()


def test_send_back_with_a_figure_comment_shows_the_query_next_to_that_figure(client, s):
    ret = submitted(s)
    post(client, s.manager, url("return-review", ret),
         {"action": "send_back", "comment": "Please check the quarter.",
          "comment-completions": "Higher than your case list.", "comment-starts": " "},
         status=302)
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.RETURNED
    html = page(client, s.staff, url("return-edit", ret))
    group = html[html.index('for="id_figure-completions"'):html.index('name="figure-completions"')]
    assert "Higher than your case list." in group
    assert 'aria-describedby="id_figure-completions-hint id_figure-completions-query-1"' in html
    assert "Please check the quarter." in html
    starts = html[html.index('for="id_figure-starts"'):html.index('name="figure-starts"')]
    assert "Query from the lead partner" not in starts
    assert_good_markup(html)
    # The provider corrects and resubmits; the queries are answered.
    continue_and_submit(client, s.staff, ret, form_data(ret, starts="10", completions="3"))
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED
    detail = page(client, s.staff, url("return", ret))
    assert "Answered" in detail and "Higher than your case list." in detail


def test_send_back_without_any_comment_is_refused(client, s):
    ret = submitted(s)
    before = unchanged_state()
    html = post(client, s.manager, url("return-review", ret),
                {"action": "send_back", "comment": " "}, status=200).content.decode()
    assert '<a href="#id_comment">Say what needs correcting' in html
    assert unchanged_state() == before


def test_the_lead_partners_manager_cannot_review_their_own_organisations_return(client, s):
    ret = lead_partners_own_return(s, starts="10")
    html = page(client, s.manager, url("return-review", ret))
    assert "You cannot review your own organisation's return" in text(html)
    assert ">Approve return</button>" not in html
    before = unchanged_state()
    html = post(client, s.manager, url("return-review", ret), {"action": "approve"},
                status=200).content.decode()
    assert "cannot approve your own organisation's return" in text(html)
    assert unchanged_state() == before
    client.force_login(s.manager)
    waiting = client.get(url("reviews")).context["waiting"]
    assert ret.pk not in [r.pk for r, _late in waiting]


def test_a_commissioner_sees_a_return_but_cannot_edit_or_review_it(client, s):
    ret = submitted(s)
    html = page(client, s.commissioner, url("return", ret))
    assert "Edit return" not in html and "Review return" not in html
    html = page(client, s.commissioner, url("return-edit", ret), status=403)
    assert f"Only provider staff of {s.provider.name} can change its returns." in html
    html = page(client, s.commissioner, url("return-review", ret))
    assert "Only a partnership manager" in html and ">Approve return</button>" not in html


def test_reviews_page_lists_waiting_returns_oldest_first(client, s):
    older = submitted(s, quarter(2024, 4))
    newer = submitted(s)
    returned = submitted(s, quarter(2024, 3))
    actions.return_send_back(monitoring_return=returned, by=s.manager, comment="Check",
                             metric_comments={"starts": "Low?"})
    html = page(client, s.manager, url("reviews"))
    assert (html.index(url("return-review", older)) < html.index(url("return-review", newer)))
    assert "Recently returned for correction" in html and url("return", returned) in html
    assert_good_markup(html)
    empty = page(client, CommissionerFactory(), url("reviews"))
    assert "You have no returns to review" in empty


# -- locked and corrected ------------------------------------------------------------------------


def test_an_approved_return_is_locked_and_offers_a_correction(client, s):
    ret = approved(s)
    before = unchanged_state()
    html = page(client, s.staff, url("return-edit", ret), status=403)
    assert "is locked. Start a correction to change its figures." in html
    assert ">Start a correction</button>" in html
    response = post(client, s.staff, url("return-edit", ret), form_data(ret, starts="11"))
    assert response.status_code == 403
    assert unchanged_state() == before
    assert_good_markup(html)


def test_a_correction_creates_revision_2_and_keeps_revision_1(client, s):
    ret = approved(s)
    detail = page(client, s.staff, url("return", ret))
    assert ">Start a correction</button>" in detail
    before = unchanged_state()
    html = post(client, s.staff, url("return-correct", ret), {"reason": " "},
                status=200).content.decode()
    assert '<a href="#id_reason">Say why the figures are being corrected' in html
    assert unchanged_state() == before
    response = post(client, s.staff, url("return-correct", ret),
                    {"reason": "Two starts were counted twice."}, status=302)
    correction = MonitoringReturn.objects.get(revision=2)
    assert response["Location"] == url("return-edit", correction)
    assert correction.replaces == ret and correction.status == ReturnStatus.DRAFT
    html = page(client, s.staff, url("return-edit", correction))
    assert "(revision 2)" in html and 'value="10"' in html
    detail = page(client, s.staff, url("return", ret))
    assert url("return", correction) in detail and ">Start a correction</button>" not in detail
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED


def test_a_manager_cannot_start_a_correction(client, s):
    ret = approved(s)
    assert ">Start a correction</button>" not in page(client, s.manager, url("return", ret))
    before = unchanged_state()
    html = post(client, s.manager, url("return-correct", ret), {"reason": "x"},
                status=200).content.decode()
    assert "Only provider staff" in html
    assert unchanged_state() == before


def test_the_detail_page_offers_what_each_user_may_do_next(client, s):
    draft = started(s)
    assert "Edit return" in page(client, s.staff, url("return", draft))
    ret = submitted(s, quarter(2024, 4))
    html = page(client, s.manager, url("return", ret))
    assert url("return-review", ret) in html and "Review return" in html
    html = page(client, s.staff, url("return", ret))
    assert "Edit return" not in html and "Review return" not in html


def test_the_detail_page_shows_figures_frameworks_and_who_did_what(client, s):
    ret = approved(s)
    html = page(client, s.manager, url("return", ret))
    words = text(html)
    assert "Treatment starts" in words and "10 people" in words
    assert "Commissioner performance framework, Partnership outcomes" in words
    assert "Approved" in words and ("by " + s.manager.username) in words
    assert_good_markup(html)


# -- cost --------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 20])
def test_my_returns_costs_the_same_for_few_and_many_rows(client, s,
                                                         django_assert_max_num_queries, n):
    periods = [quarter(2020 + i // 4, i % 4 + 1) for i in range(n)]
    for period in periods[: n // 2]:
        submitted(s, period)
    client.force_login(s.staff)
    # Session, user, requirements (and their frameworks), periods, returns.
    with django_assert_max_num_queries(7):
        response = client.get(url("my-returns"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [2, 20])
def test_reviews_costs_the_same_for_few_and_many_rows(client, s,
                                                      django_assert_max_num_queries, n):
    for i in range(n):
        period = quarter(2020 + i // 4, i % 4 + 1)
        ret = submitted(s, period)
        if i % 2:
            actions.return_send_back(monitoring_return=ret, by=s.manager, comment="Check")
    client.force_login(s.manager)
    # Session, user, count and page of the queue, recently returned, their open queries.
    with django_assert_max_num_queries(7):
        response = client.get(url("reviews"))
    assert response.status_code == 200
    assert response.context["total"] == n // 2


@pytest.mark.parametrize("n", [2, 20])
def test_return_pages_cost_the_same_for_few_and_many_figures(client, s,
                                                             django_assert_max_num_queries, n):
    from tests.monitoring.factories import FrameworkMetricFactory, MetricFactory

    for i in range(n):
        FrameworkMetricFactory(framework=s.partnership_fw, metric=MetricFactory(), required=False,
                               position=10 + i)
    ret = submitted(s)
    actions.return_send_back(monitoring_return=ret, by=s.manager, comment="Check",
                             metric_comments={"starts": "Low?", "completions": "High?"})
    for user, name in ((s.staff, "return-edit"), (s.staff, "return"),
                       (s.manager, "return-review")):
        client.force_login(user)
        with django_assert_max_num_queries(13):
            assert client.get(url(name, ret)).status_code == 200


def test_a_provider_of_another_partnership_is_unaffected(client, s):
    """A provider with a requirement in another partnership sees only its own returns."""
    org = OrganisationFactory()
    other = MembershipFactory(organisation=org).partnership
    ReturnRequirementFactory(organisation=org, partnership=other,
                             frameworks=[s.partnership_fw])
    html = page(client, ProviderStaffFactory(organisation=org), url("my-returns"))
    assert other.name in html and s.partnership.name not in html

"""The monitoring dashboards: who may open them, the grid's states, totals (approved figures
only), a metric's trend and comparison, a framework's report, downloads, the monitoring home
page, the partnership page's summary, and bounded query counts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from monitoring import actions
from monitoring.choices import Frequency, ReturnStatus
from monitoring.models import ReportingPeriod
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    ProviderStaffFactory,
)
from tests.monitoring.factories import (
    FrameworkFactory,
    FrameworkMetricFactory,
    MetricFactory,
    MonitoringReturnFactory,
    ReportingPeriodFactory,
    ReturnRequirementFactory,
    ValueFactory,
    add_provider,
    quarter,
)
from tests.monitoring.workflow import (
    approved,
    corrected,
    draft,
    resubmitted,
    sent_back,
    submitted,
)
from tests.partnerships.factories import (
    FundingFactory,
    LeadMembershipFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
)

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    """Tags stripped and whitespace collapsed, to assert on what people read."""
    words = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
    return re.sub(r" ([:,.;)])", r"\1", words)


def between(html: str, start: str, end: str) -> str:
    i = html.index(start)
    return html[i:html.index(end, i)]


@pytest.fixture
def quarters():
    """2025–26 Q1 to Q4: all over and past due on any day these tests run (from 2026)."""
    return [quarter(2025, q) for q in (1, 2, 3, 4)]


def dashboard_url(s, **query):
    url = reverse("monitoring:dashboard", args=[s.partnership.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def metric_url(s, code="starts"):
    return reverse("monitoring:metric", args=[s.partnership.slug, code])


def framework_url(s, framework=None):
    return reverse("monitoring:framework",
                   args=[s.partnership.slug, (framework or s.commissioner_fw).pk])


def export_urls(s):
    slug = s.partnership.slug
    return ([reverse("monitoring:dashboard-export", args=[slug, r, f])
             for r in ("grid", "totals") for f in ("csv", "xlsx")]
            + [reverse("monitoring:metric-export", args=[slug, "starts", r, f])
               for r in ("trend", "comparison") for f in ("csv", "xlsx")]
            + [reverse("monitoring:framework-export", args=[slug, s.commissioner_fw.pk, f])
               for f in ("csv", "xlsx")])


def page_urls(s):
    return [dashboard_url(s), metric_url(s), framework_url(s)] + export_urls(s)


def csv_rows(response):
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return [line.split(",") for line in body.splitlines()]


def xlsx_rows(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# -- who may open the dashboards -------------------------------------------------------------------


def test_commissioner_who_funds_manager_of_lead_and_admin_see_every_page(client, s, quarters):
    for user in (s.commissioner, s.manager, s.admin):
        client.force_login(user)
        for url in page_urls(s):
            assert client.get(url).status_code == 200, (user, url)


@pytest.mark.parametrize("who", ["commissioner elsewhere", "provider staff",
                                 "manager elsewhere", "lead partner staff"])
def test_anyone_else_signed_in_gets_not_found(client, s, quarters, who):
    user = {"commissioner elsewhere": CommissionerFactory,
            "manager elsewhere": PartnershipManagerFactory,
            "provider staff": lambda: s.staff,
            "lead partner staff": lambda: ProviderStaffFactory(organisation=s.lead)}[who]()
    client.force_login(user)
    for url in page_urls(s):
        assert client.get(url).status_code == 404, url


def test_anonymous_users_are_sent_to_sign_in(client, s, quarters):
    for url in page_urls(s) + [reverse("monitoring:home")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_unknown_partnership_metric_or_framework_is_not_found(client, s, quarters):
    client.force_login(s.admin)
    slug = s.partnership.slug
    stranger = MetricFactory(code="not-asked")
    other_fw = FrameworkFactory()
    FrameworkMetricFactory(framework=other_fw, metric=stranger)
    for url in (reverse("monitoring:dashboard", args=["no-such-partnership"]),
                reverse("monitoring:metric", args=[slug, "no-such-metric"]),
                reverse("monitoring:metric", args=[slug, "not-asked"]),
                reverse("monitoring:framework", args=[slug, other_fw.pk]),
                reverse("monitoring:framework", args=[slug, 999999]),
                reverse("monitoring:metric-export", args=[slug, "not-asked", "trend", "csv"]),
                reverse("monitoring:framework-export", args=[slug, other_fw.pk, "csv"])):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("name,args", [
    ("monitoring:dashboard-export", ["grid", "pdf"]),
    ("monitoring:dashboard-export", ["trend", "csv"]),
    ("monitoring:dashboard-export", ["GRID", "csv"]),
    ("monitoring:metric-export", ["starts", "grid", "csv"]),
    ("monitoring:metric-export", ["starts", "trend", "xls"]),
    ("monitoring:framework-export", [0, "json"]),
])
def test_bad_report_or_format_is_not_found(client, s, quarters, name, args):
    client.force_login(s.admin)
    if name == "monitoring:framework-export":
        args = [s.commissioner_fw.pk, args[1]]
    assert client.get(reverse(name, args=[s.partnership.slug, *args])).status_code == 404


def test_pages_only_answer_get(client, s, quarters):
    client.force_login(s.admin)
    assert client.post(dashboard_url(s)).status_code == 405


# -- the grid --------------------------------------------------------------------------------------


def test_grid_shows_each_state_as_words_and_a_coloured_tag_linking_to_returns(client, s,
                                                                              quarters):
    q1, q2 = quarters[:2]
    s.provider.name = "A not started"
    s.provider.save()
    b = add_provider(s, "B draft")
    c = add_provider(s, "C submitted")
    d = add_provider(s, "D returned")
    e = add_provider(s, "E approved")
    f = add_provider(s, "F correcting")
    add_provider(s, "G joins later", from_period=q2)
    draft_ret = draft(s, q1, *b, starts="3")
    submitted(s, q1, *c, on_time=True)
    sent_back(s, submitted(s, q1, *d, on_time=False))
    e_return = approved(s, q1, *e, on_time=False)
    corrected(s, approved(s, q1, *f, on_time=True), f[1], starts="11")

    client.force_login(s.commissioner)
    response = client.get(dashboard_url(s))
    html = response.content.decode()
    # Newest first: the current quarter beside the organisation column, Q1 the last.
    assert [p.label for p in response.context["periods"]] == [
        q.label for q in reversed(quarters)]
    grid = between(html, "data-grid", "</table>")

    def cell(org):
        """The organisation's cell for Q1 (the fourth period column)."""
        row = between(grid, f'<th scope="row" class="govuk-table__header">{org}</th>', "</tr>")
        return row.split("</td>")[3] + "</td>"

    assert 'govuk-tag--red">Not started – overdue</strong>' in cell("A not started")
    assert 'govuk-tag--red">Draft – overdue</strong>' in cell("B draft")
    # A draft is its organisation's own until submitted: the state, but no link.
    assert reverse("monitoring:return", args=[draft_ret.pk]) not in cell("B draft")
    assert "href" not in cell("B draft")
    assert '<strong class="govuk-tag ">Submitted on time</strong>' in cell("C submitted")
    assert 'govuk-tag--pink">Returned for correction</strong>' in cell("D returned")
    assert 'govuk-tag--green">Approved (late)</strong>' in cell("E approved")
    assert reverse("monitoring:return", args=[e_return.pk]) in cell("E approved")
    assert "Correction under way" in cell("F correcting")
    assert 'govuk-tag--grey">Not required</strong>' in cell("G joins later")
    assert "href" not in cell("A not started")
    # Link text says whose return and which period, for screen reader users.
    assert f"E approved, {q1.label}" in text(cell("E approved"))
    # Row and column summaries.
    row = text(between(grid, '<th scope="row" class="govuk-table__header">E approved</th>',
                       "</tr>"))
    assert row.endswith("1 of 4 0 of 4")
    totals_row = text(between(grid, "All organisations", "</tr>"))
    assert totals_row.startswith(  # Q4 first; Q1 last: G is not required; D's is back with D
        "All organisations 0 of 7 approved 0 in, 0 on time")
    assert totals_row.endswith("0 of 7 approved 0 in, 0 on time 2 of 6 approved 3 in, 2 on time")
    # The key explains every state in words.
    key = text(between(html, "What the labels mean", "</details>"))
    for label in ("Not required", "Not due yet", "Not started", "Draft – overdue",
                  "Submitted on time", "Submitted late", "Returned for correction",
                  "Approved", "Approved (late)", "Correction under way"):
        assert label in key


def test_dashboard_lists_frameworks_and_download_links(client, s, quarters):
    client.force_login(s.manager)
    html = client.get(dashboard_url(s)).content.decode()
    assert f'href="{framework_url(s)}?frequency=quarterly&amp;periods=4"' in html
    assert "Commissioner performance framework (version 1)" in text(html)
    assert "Partnership outcomes (version 1)" in text(html)
    for label in ("Download grid (CSV)", "Download grid (XLSX)", "Download totals (CSV)",
                  "Download totals (XLSX)"):
        assert label in html
    assert reverse("monitoring:dashboard-export",
                   args=[s.partnership.slug, "totals", "xlsx"]) + "?frequency=quarterly" in html


def test_dashboard_defaults_to_the_latest_four_quarters_newest_first(client, s):
    for year in (2023, 2024, 2025):
        for q in (1, 2, 3, 4):
            quarter(year, q)
    started = ReportingPeriod.objects.filter(frequency=Frequency.QUARTERLY,
                                             starts_on__lte=timezone.localdate()).count()
    client.force_login(s.admin)
    response = client.get(dashboard_url(s))
    periods = response.context["periods"]
    assert [p.label for p in periods] == ["2025–26 Q4", "2025–26 Q3", "2025–26 Q2",
                                          "2025–26 Q1"]
    assert response.context["nav_section"] == "monitoring"
    # The newest is the first column after the organisation's, in the grid and the totals.
    html = response.content.decode()
    for table in ("data-grid", "data-totals"):
        head = between(html, table, "</thead>")
        assert head.index("2025–26 Q4") < head.index("2025–26 Q1")
    # Earlier quarters are a plain link away (no JavaScript), keeping the other parameters.
    links = text(between(html, "data-period-links>", "</p>")[len("data-period-links>"):])
    assert links == (f"Showing the latest 4 of {started} quarters, newest first. "
                     f"Show all {started} quarters")
    assert f'href="?periods={started}#returns">Show all {started} quarters</a>' in html


def test_show_all_periods_then_only_the_latest_again(client, s):
    for year in (2024, 2025):
        for q in (1, 2, 3, 4):
            quarter(year, q)
    started = ReportingPeriod.objects.filter(frequency=Frequency.QUARTERLY,
                                             starts_on__lte=timezone.localdate()).count()
    client.force_login(s.admin)
    response = client.get(dashboard_url(s, frequency="quarterly", periods=started))
    assert len(response.context["periods"]) == started
    assert response.context["periods"][0].label == "2025–26 Q4"
    html = response.content.decode()
    links = text(between(html, "data-period-links>", "</p>")[len("data-period-links>"):])
    assert links == (f"Showing all {started} quarters, newest first. "
                     "Show only the latest 4 quarters")
    assert ('href="?frequency=quarterly&amp;periods=4#returns">'  # the frequency is kept
            "Show only the latest 4 quarters</a>") in html
    # The framework report offers the same, back to its own section.
    html = client.get(framework_url(s)).content.decode()
    assert f'href="?periods={started}#report">Show all {started} quarters</a>' in html


def test_period_selector_chooses_frequency_and_count(client, s, quarters):
    ReportingPeriodFactory(frequency=Frequency.MONTHLY, starts_on=dt.date(2025, 4, 1),
                           ends_on=dt.date(2025, 4, 30), due_on=dt.date(2025, 5, 28))
    client.force_login(s.admin)
    response = client.get(dashboard_url(s, periods=3))
    assert [p.label for p in response.context["periods"]] == [
        q.label for q in reversed(quarters[1:])]
    response = client.get(dashboard_url(s, frequency="monthly"))
    assert [p.label for p in response.context["periods"]] == ["April 2025"]
    # Nobody owes monthly returns here.
    assert "No organisation owes this partnership monthly returns." in text(
        response.content.decode())


@pytest.mark.parametrize("query,message", [
    ({"periods": "lots"}, "Enter how many periods to show as a whole number, like 4."),
    ({"periods": "0"}, "Show at least 1 period."),
    ({"periods": "99"}, "Show at most 24 periods."),
    ({"frequency": "weekly"}, "Choose quarterly, monthly or annual periods."),
])
def test_bad_period_choice_is_explained_and_defaults_still_shown(client, s, quarters, query,
                                                                 message):
    client.force_login(s.admin)
    response = client.get(dashboard_url(s, **query))
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and message in html
    assert "<title>Error: " in html
    assert len(response.context["periods"]) == 4  # the default choice
    if "periods" in query:  # what was typed is shown again, to correct
        assert f'value="{query["periods"]}"' in html


def test_no_periods_yet(client, s):
    ReportingPeriod.objects.all().delete()
    client.force_login(s.admin)
    html = client.get(dashboard_url(s)).content.decode()
    assert "No quarterly reporting periods have started yet." in text(html)


# -- totals ----------------------------------------------------------------------------------------


@pytest.fixture
def figures(s, quarters):
    """Approved returns from the provider and B for Q1; C's submitted and D's draft do not
    count."""
    q1 = quarters[0]
    s.provider.name = "A provider"
    s.provider.save()
    b = add_provider(s, "B")
    c = add_provider(s, "C")
    d = add_provider(s, "D")
    first = approved(s, q1, starts="1200", completions="4",
                     **{"engagement-rate": "40", "housing-support": "yes"})
    approved(s, q1, *b, starts="5", completions="2",
             **{"engagement-rate": "45", "housing-support": "no"})
    submitted(s, q1, *c, starts="100", completions="50",
              **{"engagement-rate": "99", "housing-support": "yes"})
    draft(s, q1, *d, starts="1000")
    return first


def totals_rows(html):
    table = between(html, "data-totals", "</table>")
    body = between(table, "<tbody", "</tbody>")
    return [text(row) for row in body.split("</tr>")[:-1]]


def test_totals_add_up_each_kind_from_approved_returns_only(client, s, figures):
    client.force_login(s.commissioner)
    html = client.get(dashboard_url(s)).content.decode()
    assert totals_rows(html) == [  # the frameworks' order; newest quarter first, Q1 last
        "Treatment starts people Total – – – 1,205",
        "Treatment completions people Total – – – 6",
        "Housing support offered Organisations answering yes – – – 1",
        "Engagement rate % Average – – – 42.5%",
    ]
    assert f'href="{metric_url(s)}?frequency=quarterly&amp;periods=4"' in html


def test_a_corrected_figure_changes_the_total_once_the_correction_is_approved(client, s,
                                                                               figures):
    client.force_login(s.commissioner)
    correction = corrected(s, figures, s.staff, starts="1300")
    assert totals_rows(client.get(dashboard_url(s)).content.decode())[0] == (
        "Treatment starts people Total – – – 1,205")
    correction = resubmitted(s, correction, s.staff)
    assert totals_rows(client.get(dashboard_url(s)).content.decode())[0] == (
        "Treatment starts people Total – – – 1,205")
    actions.return_approve(monitoring_return=correction, by=s.manager)
    assert totals_rows(client.get(dashboard_url(s)).content.decode())[0] == (
        "Treatment starts people Total – – – 1,305")


# -- one metric: trend chart and comparison --------------------------------------------------------


def test_metric_page_has_trend_table_chart_and_comparison(client, s, figures, quarters):
    approved(s, quarters[2], starts="7", completions="1")
    client.force_login(s.commissioner)
    response = client.get(metric_url(s))
    html = response.content.decode()
    trend = between(html, '<table class="govuk-table" id="trend-table"', "</table>")
    body = between(trend, "<tbody", "</tbody>")
    assert [text(r) for r in body.split("</tr>")[:-1]] == [
        "2025–26 Q1 1,205 2", "2025–26 Q2 – 0", "2025–26 Q3 7 1", "2025–26 Q4 – 0"]
    assert 'data-value="1205"' in trend and 'data-value=""' in trend
    assert "Total (people)" in text(trend)
    # The chart: drawn by a module from the table, hidden until it is drawn, described.
    canvas = between(html, "<canvas", "</canvas>")
    assert 'data-trend-chart' in canvas and 'data-source="trend-table"' in canvas
    assert 'role="img"' in canvas and 'aria-label="Chart of Treatment starts' in canvas
    assert "data-trend-container hidden" in html
    assert "vendor/chartjs/chart.umd.min.js" in html and "js/monitoring-chart.mjs" in html
    assert re.search(r'<script src="[^"]*vendor/chartjs/chart\.umd\.min\.js"></script>\s*'
                     r'<script type="module" src="[^"]*js/monitoring-chart\.mjs"></script>', html)
    assert " style=" not in html and "<script>" not in html  # strict CSP: nothing inline
    # The comparison of organisations.
    table = between(html, "<table class=\"govuk-table\" data-comparison", "</table>")
    rows = [text(r) for r in between(table, "<tbody", "</tbody>").split("</tr>")[:-1]]
    assert rows == [f"{s.provider.name} 1,200 – 7 –", "B 5 – – –", "C – – – –", "D – – – –",
                    "All organisations (total) 1,205 – 7 –"]


def test_metric_page_for_percentages_and_yes_no(client, s, figures):
    client.force_login(s.manager)
    html = client.get(metric_url(s, "engagement-rate")).content.decode()
    assert "Average (%)" in html and "42.5%" in html
    assert 'data-kind="percentage"' in html
    html = client.get(metric_url(s, "housing-support")).content.decode()
    table = between(html, "data-comparison", "</table>")
    assert f"{s.provider.name} Yes" in text(table) and "B No" in text(table)
    assert "All organisations (organisations answering yes) 1" in text(table)


def test_metric_without_figures_has_no_chart_and_text_metrics_no_trend(client, s, quarters):
    client.force_login(s.admin)
    html = client.get(metric_url(s)).content.decode()
    assert "<canvas" not in html and "chart.umd.min.js" not in html
    assert "No approved return has given this figure" in html
    notes = MetricFactory(code="notes", name="Notes", kind="text", unit="")
    FrameworkMetricFactory(framework=s.partnership_fw, metric=notes, required=False)
    q1 = quarters[0]
    approved(s, q1, starts="1", completions="1", notes="All well")
    response = client.get(metric_url(s, "notes"))
    html = response.content.decode()
    assert "Short text is not added up" in text(html) and 'id="trend"' not in html
    assert f"{s.provider.name} All well" in text(between(html, "data-comparison", "</table>"))
    slug = s.partnership.slug
    assert client.get(reverse("monitoring:metric-export",
                              args=[slug, "notes", "trend", "csv"])).status_code == 404
    rows = csv_rows(client.get(reverse("monitoring:metric-export",
                                       args=[slug, "notes", "comparison", "csv"])))
    assert rows[1][:2] == [s.provider.name, "All well"]


# -- a framework's report --------------------------------------------------------------------------


def test_framework_report_reads_the_shared_values(client, s, figures, quarters):
    client.force_login(s.commissioner)
    html = client.get(framework_url(s)).content.decode()
    table = between(html, "data-framework-report", "</table>")
    rows = [text(r) for r in between(table, "<tbody", "</tbody>").split("</tr>")[:-1]]
    assert rows == [  # newest quarter first, Q1 last
        "Treatment starts Required, people. Also in Partnership outcomes Total – – – 1,205",
        "Treatment completions Required, people Total – – – 6",
        "Housing support offered Optional Organisations answering yes – – – 1",
    ]
    html = client.get(framework_url(s, s.partnership_fw)).content.decode()
    rows = text(between(html, "data-framework-report", "</table>"))
    assert "Treatment starts Required, people. Also in Commissioner performance framework " \
           "Total – – – 1,205" in rows
    # One correction, once approved, changes both frameworks' reports.
    correction = resubmitted(s, corrected(s, figures, s.staff, starts="1300"), s.staff)
    actions.return_approve(monitoring_return=correction, by=s.manager)
    for fw in (s.commissioner_fw, s.partnership_fw):
        rows = text(between(client.get(framework_url(s, fw)).content.decode(),
                            "data-framework-report", "</table>"))
        assert "Total – – – 1,305" in rows


# -- downloads -------------------------------------------------------------------------------------


def test_grid_download_csv_and_xlsx_hold_the_same_table(client, s):
    q1, _ = quarter(2025, 1), quarter(2025, 2)
    approved(s, q1, on_time=True)
    other = add_provider(s, "=Other")  # a name that looks like a formula
    draft(s, q1, *other)
    client.force_login(s.manager)
    slug = s.partnership.slug
    response = client.get(reverse("monitoring:dashboard-export", args=[slug, "grid", "csv"])
                          + "?periods=2")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="{slug}-grid-{today}.csv"'
    rows = csv_rows(response)
    assert rows == [
        ["Organisation", "2025–26 Q1", "2025–26 Q2", "Approved", "Required",
         "Submitted on time"],
        ["'=Other", "Draft – overdue", "Not started – overdue", "0", "2", "0"],
        [s.provider.name, "Approved", "Not started – overdue", "1", "2", "1"],
    ]
    response = client.get(reverse("monitoring:dashboard-export", args=[slug, "grid", "xlsx"])
                          + "?periods=2")
    assert response["Content-Disposition"] == f'attachment; filename="{slug}-grid-{today}.xlsx"'
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsx_rows(response) == [
        ["Organisation", "2025–26 Q1", "2025–26 Q2", "Approved", "Required",
         "Submitted on time"],
        ["=Other", "Draft – overdue", "Not started – overdue", 0, 2, 0],
        [s.provider.name, "Approved", "Not started – overdue", 1, 2, 1],
    ]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].data_type == "s"  # text, not a formula


def test_totals_download_has_numbers_as_numbers(client, s, figures):
    client.force_login(s.commissioner)
    slug = s.partnership.slug
    rows = xlsx_rows(client.get(reverse("monitoring:dashboard-export",
                                        args=[slug, "totals", "xlsx"])))
    assert rows[0] == ["Metric code", "Metric", "Unit", "How it adds up", "2025–26 Q1",
                       "2025–26 Q2", "2025–26 Q3", "2025–26 Q4"]
    assert rows[1:] == [  # the frameworks' order, as the page shows them
        ["starts", "Treatment starts", "people", "Total", 1205, None, None, None],
        ["completions", "Treatment completions", "people", "Total", 6, None, None, None],
        ["housing-support", "Housing support offered", None, "Organisations answering yes", 1,
         None, None, None],
        ["engagement-rate", "Engagement rate", "%", "Average", 42.5, None, None, None],
    ]
    csv = csv_rows(client.get(reverse("monitoring:dashboard-export",
                                      args=[slug, "totals", "csv"])))
    assert csv[1] == ["starts", "Treatment starts", "people", "Total", "1205", "", "", ""]


def test_trend_comparison_and_framework_downloads(client, s, figures, quarters):
    client.force_login(s.manager)
    slug = s.partnership.slug
    trend = xlsx_rows(client.get(reverse("monitoring:metric-export",
                                         args=[slug, "starts", "trend", "xlsx"])))
    assert trend[0] == ["Period", "Starts on", "Ends on", "Total", "Approved returns"]
    assert trend[1][0] == "2025–26 Q1" and trend[1][3:] == [1205, 2]
    assert trend[1][1].date() == dt.date(2025, 4, 1)  # a real date
    assert trend[2][3:] == [None, 0]
    response = client.get(reverse("monitoring:metric-export",
                                  args=[slug, "starts", "comparison", "csv"]))
    assert "starts-comparison-" in response["Content-Disposition"]
    assert csv_rows(response)[1:] == [
        [s.provider.name, "1200", "", "", ""], ["B", "5", "", "", ""], ["C", "", "", "", ""],
        ["D", "", "", "", ""], ["All organisations (total)", "1205", "", "", ""]]
    response = client.get(reverse("monitoring:framework-export",
                                  args=[slug, s.commissioner_fw.pk, "xlsx"]))
    assert (f'filename="{slug}-commissioner-performance-framework-v1-'
            in response["Content-Disposition"])
    rows = xlsx_rows(response)
    assert rows[0][:4] == ["Metric code", "Metric", "Required or optional", "How it adds up"]
    assert [r[:5] for r in rows[1:]] == [
        ["starts", "Treatment starts", "Required", "Total", 1205],
        ["completions", "Treatment completions", "Required", "Total", 6],
        ["housing-support", "Housing support offered", "Optional",
         "Organisations answering yes", 1]]


# -- the monitoring home page ----------------------------------------------------------------------


def test_home_for_each_role(client, s, quarters):
    client.force_login(s.staff)
    html = client.get(reverse("monitoring:home")).content.decode()
    assert f'href="{reverse("monitoring:my-returns")}"' in html and "Your returns" in html
    assert "Returns to review" not in html
    assert "There are no partnership dashboards for you to see." in text(html)
    client.force_login(s.manager)
    html = client.get(reverse("monitoring:home")).content.decode()
    assert f'href="{reverse("monitoring:reviews")}"' in html and "Your returns" not in html
    assert f'href="{dashboard_url(s)}"' in html
    client.force_login(s.commissioner)
    response = client.get(reverse("monitoring:home"))
    html = response.content.decode()
    assert "Your returns" not in html and "Returns to review" not in html
    assert f'href="{dashboard_url(s)}"' in html
    assert response.context["nav_section"] == "monitoring"


def test_home_shows_latest_quarter_completeness_as_the_partnership_page_does(client, s,
                                                                             quarters):
    from monitoring.reports import partnership_summary

    q4 = quarters[-1]  # the latest quarter to have ended in these tests' periods
    b, c, d = (add_provider(s, name) for name in "BCD")
    approved(s, q4)
    approved(s, q4, *b)
    approved(s, q4, *c)
    draft(s, q4, *d)
    client.force_login(s.commissioner)
    html = client.get(reverse("monitoring:home")).content.decode()
    row = text(between(html, f'href="{dashboard_url(s)}"', "</tr>"))
    summary = partnership_summary(s.partnership)
    assert (summary.approved, summary.required, summary.overdue) == (3, 4, 1)
    assert "3 of 4 returns approved, 1 overdue" in row
    assert f"Completeness is for {q4.label}" in text(html)


def test_home_paginates_partnerships_in_bounded_queries(client, s, quarters,
                                                        django_assert_max_num_queries):
    client.force_login(s.admin)
    client.get(reverse("monitoring:home"))  # warm the session
    for i in range(30):
        p = PartnershipFactory(name=f"Zeta {i:02d}")
        org = OrganisationFactory()
        ReturnRequirementFactory(organisation=org, partnership=p)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("monitoring:home"))
    assert response.context["total"] == 31
    assert len(response.context["rows"]) == 25
    html = client.get(reverse("monitoring:home") + "?page=2").content.decode()
    assert "Zeta 29" in html and "1 of 1 return approved" not in html
    assert "0 of 1 return approved, " in text(html)


# -- the partnership page's monitoring summary -----------------------------------------------------


def partnership_page(client, s):
    return client.get(reverse("partnerships:detail", args=[s.partnership.slug])
                      ).content.decode()


def test_partnership_page_shows_monitoring_summary_to_everyone(client, s, quarters):
    q4 = quarters[-1]
    b, c, d = (add_provider(s, name) for name in "BCD")
    approved(s, q4)
    approved(s, q4, *b)
    approved(s, q4, *c)
    client.force_login(s.staff)  # provider staff: sees the summary, not the dashboard link
    html = partnership_page(client, s)
    section = text(html[html.index('id="monitoring"'):])
    assert "3 of 4 returns approved, 1 overdue." in section
    assert "Commissioner performance framework (version 1)" in section
    assert "View monitoring dashboard" not in html
    assert 'href="#monitoring"' in html
    for user in (s.commissioner, s.manager, s.admin):
        client.force_login(user)
        assert f'href="{dashboard_url(s)}">View monitoring dashboard' in partnership_page(
            client, s)


def test_partnership_page_without_monitoring_has_no_section(client, s):
    client.force_login(s.admin)
    html = client.get(reverse("partnerships:detail",
                              args=[PartnershipFactory().slug])).content.decode()
    assert 'id="monitoring"' not in html and "View monitoring dashboard" not in html


# -- bounded query counts --------------------------------------------------------------------------


def another_partnership(s):
    """The same people and frameworks for a second partnership (led by the same lead partner,
    funded by the same commissioner), so two sizes can be compared in one test."""
    partnership = PartnershipFactory()
    LeadMembershipFactory(partnership=partnership, organisation=s.lead)
    FundingFactory(partnership=partnership, funder=s.commissioner.organisation)
    provider = OrganisationFactory()
    MembershipFactory(partnership=partnership, organisation=provider)
    ReturnRequirementFactory(organisation=provider, partnership=partnership,
                             frameworks=[s.commissioner_fw, s.partnership_fw])
    return dataclasses.replace(s, partnership=partnership, provider=provider)


def grow(s, n_orgs, n_periods):
    """``n_orgs`` organisations owing returns over ``n_periods`` quarters, in every state."""
    periods = [quarter(2024 + i // 4, i % 4 + 1) for i in range(n_periods)]
    orgs = [s.provider] + [OrganisationFactory() for _ in range(n_orgs - 1)]
    for org in orgs[1:]:
        MembershipFactory(partnership=s.partnership, organisation=org)
        ReturnRequirementFactory(organisation=org, partnership=s.partnership,
                                 frameworks=[s.commissioner_fw, s.partnership_fw])
    now = timezone.now()
    statuses = [ReturnStatus.APPROVED, ReturnStatus.SUBMITTED, ReturnStatus.DRAFT,
                ReturnStatus.RETURNED, None]
    for i, org in enumerate(orgs):
        for j, period in enumerate(periods):
            status = statuses[(i + j) % len(statuses)]
            if status is None:
                continue
            ret = MonitoringReturnFactory(
                organisation=org, partnership=s.partnership, period=period, status=status,
                first_submitted_at=None if status == ReturnStatus.DRAFT else now,
                approved_at=now if status == ReturnStatus.APPROVED else None)
            for metric, number in ((s.starts, 10), (s.rate, 50), (s.housed, 1)):
                ValueFactory(monitoring_return=ret, metric=metric, number=Decimal(number))
    return s


@pytest.fixture
def small_and_large(s):
    """2 organisations × 2 quarters and 10 organisations × 8 quarters."""
    return grow(s, 2, 2), grow(another_partnership(s), 10, 8)


# The dashboard at eight quarters (twice its default), to show its cost does not grow with them.
PAGE_URLS = {"dashboard": lambda s: dashboard_url(s, periods=8), "metric": metric_url,
             "framework": framework_url,
             "partnership page": lambda s: reverse("partnerships:detail",
                                                   args=[s.partnership.slug])}
# Queries a page may cost, whatever the size (session and user included). The partnership
# page's monitoring summary costs at most five of its eighteen: frameworks, the quarter, the
# grid's two, and the dashboard permission (one more since issue 6: whether to link the
# partnership's quarterly reviews).
# The partnership page asks once whether the user manages the partnership (its Manage
# section): one query more for a partnership manager than before issue 14.
# Since issue 17 a dashboard page finds the partnership and checks the permission in one
# query (reports.dashboard_partnerships, the permission's SQL twin): one fewer each.
PAGE_QUERIES = {"dashboard": 10, "metric": 9, "framework": 9, "partnership page": 19}


@pytest.mark.parametrize("page", list(PAGE_URLS))
@pytest.mark.parametrize("role", ["commissioner", "manager"])
def test_pages_cost_the_same_for_few_and_many(client, django_assert_max_num_queries,
                                              small_and_large, page, role):
    counts = []
    client.force_login(getattr(small_and_large[0], role))
    for world in small_and_large:
        url = PAGE_URLS[page](world)
        client.get(url)  # warm the session
        with django_assert_max_num_queries(PAGE_QUERIES[page]) as captured:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts
    if page == "dashboard":
        assert len(response.context["grid"].rows) == 10
        assert len(response.context["periods"]) == 8


# The dashboards API: session, user, the partnership with the permission, the periods, then
# the report's own queries (totals: the metrics and one aggregate; grid: requirements, returns).
API_QUERIES = {"totals": 6, "grid": 6}


@pytest.mark.parametrize("report", list(API_QUERIES))
@pytest.mark.parametrize("role", ["commissioner", "manager"])
def test_dashboards_api_costs_the_same_for_few_and_many(client, django_assert_max_num_queries,
                                                        small_and_large, report, role):
    counts = []
    client.force_login(getattr(small_and_large[0], role))
    for world in small_and_large:
        url = f"/api/v1/dashboards/{world.partnership.slug}/{report}/?periods=8"
        client.get(url)  # warm the session
        with django_assert_max_num_queries(API_QUERIES[report]) as captured:
            response = client.get(url, HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts
    body = response.json()
    assert len(body["periods"]) == 8
    if report == "grid":
        assert len(body["rows"]) == 10


def test_downloads_cost_the_same_for_few_and_many(client, django_assert_max_num_queries,
                                                  small_and_large):
    client.force_login(small_and_large[0].manager)
    counts = []
    for world in small_and_large:
        urls = export_urls(world)
        client.get(urls[0])
        run = []
        for url in urls:
            with django_assert_max_num_queries(10) as captured:
                assert client.get(url).status_code == 200
            run.append(len(captured.captured_queries))
        counts.append(run)
    assert counts[0] == counts[1], counts

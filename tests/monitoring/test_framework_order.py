"""Figures in a framework's own order (``FrameworkMetric.position``, set in the admin), not
alphabetical: on the return form and detail, the upload template, the dashboard's totals and
their download, and a framework's report. And money figures (unit "£") written as people write
money."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from monitoring import reports
from monitoring.choices import MetricKind
from monitoring.models import FrameworkMetric
from monitoring.querysets import return_metrics
from monitoring.uploads import return_template_rows
from tests.monitoring.factories import (
    FrameworkMetricFactory,
    MetricFactory,
    quarter,
)
from tests.monitoring.workflow import approved, started

pytestmark = pytest.mark.django_db

#: The commissioner's framework as monitoring_setup builds it, then with "housing support"
#: moved first: neither order is alphabetical ("Housing…", "Treatment completions",
#: "Treatment starts").
SETUP_ORDER = ["starts", "completions", "housing-support", "engagement-rate"]
MOVED_ORDER = ["housing-support", "starts", "completions", "engagement-rate"]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def move_housing_first(s) -> None:
    """What an administrator does in the framework's admin inline: change the positions."""
    FrameworkMetric.objects.filter(framework=s.commissioner_fw, metric=s.housed).update(
        position=0)


def positions_in(html: str, names: list[str]) -> list[int]:
    return [html.index(name) for name in names]


NAMES = {"starts": "Treatment starts", "completions": "Treatment completions",
         "housing-support": "Housing support offered", "engagement-rate": "Engagement rate"}


@pytest.mark.parametrize("moved", [False, True])
def test_a_return_asks_for_its_figures_in_the_frameworks_order(s, moved):
    if moved:
        move_housing_first(s)
    expected = MOVED_ORDER if moved else SETUP_ORDER
    assert expected != sorted(expected, key=NAMES.get)  # not the alphabet's order
    ret = started(s)
    metrics = return_metrics(ret)
    assert [m.code for m in metrics] == expected
    # Required if any framework requires it.
    assert {m.code: m.is_required for m in metrics} == {
        "starts": True, "completions": True, "housing-support": False,
        "engagement-rate": False}
    # The spreadsheet template a provider downloads lists them the same way.
    assert [row[0] for row in return_template_rows(ret)[1:]] == expected


def test_the_return_form_and_detail_follow_the_frameworks_order(client, s):
    move_housing_first(s)
    ret = started(s)
    client.force_login(s.staff)
    html = client.get(reverse("monitoring:return-edit", args=[ret.pk])).content.decode()
    form = html[html.index("<main"):]
    order = positions_in(form, [f'id="id_figure-{code}' for code in MOVED_ORDER])
    assert order == sorted(order)
    done = approved(s, quarter(2025, 1), starts="10", completions="4",
                    **{"engagement-rate": "40", "housing-support": "yes"})
    client.force_login(s.manager)
    words = text(client.get(reverse("monitoring:return", args=[done.pk])).content.decode())
    order = positions_in(words, [NAMES[code] for code in MOVED_ORDER])
    assert order == sorted(order)


def test_dashboard_totals_and_their_download_follow_the_frameworks_order(client, s):
    move_housing_first(s)
    q1 = quarter(2025, 1)
    approved(s, q1, starts="10", completions="4",
             **{"engagement-rate": "40", "housing-support": "yes"})
    assert [m.code for m in reports.reported_metrics(s.partnership)] == MOVED_ORDER
    client.force_login(s.commissioner)
    html = client.get(reverse("monitoring:dashboard", args=[s.partnership.slug])).content.decode()
    totals = html[html.index("data-totals"):]
    totals = totals[:totals.index("</table>")]
    order = positions_in(totals, [NAMES[code] for code in MOVED_ORDER])
    assert order == sorted(order)
    body = b"".join(client.get(reverse("monitoring:dashboard-export",
                                       args=[s.partnership.slug, "totals", "csv"]))
                    .streaming_content).decode("utf-8-sig")
    assert [line.split(",")[0] for line in body.splitlines()[1:]] == MOVED_ORDER


def test_a_framework_report_follows_its_own_order(client, s):
    move_housing_first(s)
    client.force_login(s.commissioner)
    html = client.get(reverse("monitoring:framework",
                              args=[s.partnership.slug, s.commissioner_fw.pk])).content.decode()
    report = html[html.index("data-framework-report"):]
    order = positions_in(report, [NAMES[c] for c in ["housing-support", "starts", "completions"]])
    assert order == sorted(order)


def test_reported_metrics_cost_one_query_however_many_organisations(
        s, django_assert_num_queries):
    with django_assert_num_queries(1):
        reports.reported_metrics(s.partnership)


# -- money figures ---------------------------------------------------------------------------------


def test_money_figures_are_written_as_people_write_money(client, s):
    spend = MetricFactory(code="spend", name="Spend on housing", kind=MetricKind.DECIMAL,
                          unit="£")
    FrameworkMetricFactory(framework=s.commissioner_fw, metric=spend, position=9,
                           required=False)
    q1 = quarter(2025, 1)
    done = approved(s, q1, starts="10", completions="4", spend="120000")
    client.force_login(s.commissioner)
    slug = s.partnership.slug
    dashboard = text(client.get(reverse("monitoring:dashboard", args=[slug])).content.decode())
    assert "Spend on housing £ Total £120,000" in dashboard  # only Q1 has started here
    metric = text(client.get(reverse("monitoring:metric", args=[slug, "spend"])).content.decode())
    assert "2025–26 Q1 £120,000" in metric and "120,000.00" not in metric
    detail = text(client.get(reverse("monitoring:return", args=[done.pk])).content.decode())
    assert "£120,000" in detail and "£120000" not in detail


def test_an_administrator_sets_the_order_in_the_frameworks_admin_page(client, s):
    """The order is the framework owner's to set: each metric's position is an input of the
    framework's admin page, and pages follow what is saved there."""
    client.force_login(s.admin)
    html = client.get(reverse("admin:monitoring_framework_change",
                              args=[s.commissioner_fw.pk])).content.decode()
    assert 'name="framework_metrics-0-position"' in html
    move_housing_first(s)
    assert [m.code for m in reports.reported_metrics(s.partnership)] == MOVED_ORDER

"""Every choice filter of the monitoring API refuses a value it does not know, or a parameter
given twice with different values, with a 400 naming the values allowed, instead of quietly
listing everything (or using the last value)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.monitoring.workflow import submitted

pytestmark = pytest.mark.django_db

CHOICE_FILTERS = [
    ("return-list", "status", "draft, submitted, returned, approved"),
    ("reportingperiod-list", "frequency", "quarterly, monthly, annual"),
    ("returnrequirement-list", "frequency", "quarterly, monthly, annual"),
    ("metric-list", "kind", "count, decimal, percentage, yes_no, text"),
]
IDS = [f"{name}-{param}" for name, param, _ in CHOICE_FILTERS]


@pytest.mark.parametrize(("name", "param", "allowed"), CHOICE_FILTERS, ids=IDS)
@pytest.mark.parametrize("value", ["bogus", "Submitted", "weekly", "draft ", " ", "%", "50%",
                                   "%s", "%(value)s"])
def test_an_unknown_value_is_a_400_naming_the_allowed_values(s, client_for, name, param,
                                                             allowed, value):
    response = client_for(s.admin).get(reverse(name), {param: value})
    assert response.status_code == 400, response.content
    assert response.json() == {param: [
        f"Select a valid choice. {value} is not one of the available choices: {allowed}."]}


@pytest.mark.parametrize(("name", "param", "allowed"), CHOICE_FILTERS, ids=IDS)
def test_a_filter_given_twice_with_different_values_is_a_400(s, client_for, name, param,
                                                             allowed):
    first = allowed.split(", ")[0]
    response = client_for(s.admin).get(f"{reverse(name)}?{param}={first}&{param}=bogus")
    assert response.status_code == 400, response.content
    assert response.json() == {param: ["Give one value, not several."]}


@pytest.mark.parametrize(("name", "param", "allowed"), CHOICE_FILTERS, ids=IDS)
def test_good_values_repeated_or_empty_still_filter(s, client_for, name, param, allowed):
    client = client_for(s.admin)
    first = allowed.split(", ")[0]
    assert client.get(reverse(name), {param: first}).status_code == 200
    assert client.get(f"{reverse(name)}?{param}={first}&{param}={first}").status_code == 200
    assert client.get(reverse(name), {param: ""}).status_code == 200  # no filter


def test_the_status_filter_still_selects(s, client_for):
    ret = submitted(s)
    client = client_for(s.staff)
    rows = client.get(reverse("return-list"), {"status": "submitted"}).json()["results"]
    assert [row["id"] for row in rows] == [ret.pk]
    assert client.get(reverse("return-list"), {"status": "approved"}).json()["results"] == []


@pytest.mark.parametrize("report", ["grid", "totals"])
def test_a_dashboards_unknown_frequency_names_the_allowed_values(s, client_for, report):
    response = client_for(s.manager).get(
        reverse(f"dashboard-{report}", kwargs={"slug": s.partnership.slug}),
        {"frequency": "weekly"})
    assert response.status_code == 400
    assert response.json() == {"frequency": [
        "Select a valid choice. weekly is not one of the available choices: quarterly, monthly, "
        "annual."]}

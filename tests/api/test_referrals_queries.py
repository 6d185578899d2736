"""Casework endpoints cost the same number of queries for few rows and many: the lists, a case
read in full (with its access-log row), a referral and a conference, and the counts.

Each bound is the count measured for the small case; the large case must not exceed it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from referrals import actions
from tests.referrals.factories import (
    Casework,
    casework_setup,
    days,
    open_case,
    pathway_to,
    send_referral,
)
from tests.referrals.helpers import client_of
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

SIZES = [1, 8]


def build(n: int) -> tuple[Casework, Any]:
    """``n`` cases led by probation, each with two identifiers, ``n`` referrals to the
    provider's services (one accepted), an assessment per referral, a held conference with
    attendees, and an order that ended today with treatment continuing (so end-of-order
    notices to both agencies)."""
    cw = casework_setup()
    services = [cw.treatment, *(ServiceFactory(provider=cw.provider, partnership=cw.partnership)
                                for _ in range(n - 1))]
    for service in services[1:]:
        pathway_to(cw, service)
    first = None
    for i in range(n):
        case = open_case(cw, seriousness="high" if i % 2 else "low",
                         identifiers={"prison_number": f"A{i}BC", "crn": f"X{i}"})
        first = first or case
        for number, service in enumerate(services):
            referral = send_referral(cw, case, to_service=service, pathway=None,
                                     confirmed_repeat=True)
            actions.assessment_record(case=case, organisation=cw.probation,
                                      assessed_on=days(-1), by=cw.officer,
                                      confirmed_repeat=True)
            if number == 0:
                actions.referral_accept(referral=referral, by=cw.worker)
        conference = case.conferences.order_by("planned_on").first()
        actions.conference_record(
            conference=conference, by=cw.officer, held=True, held_on=days(-1),
            outcome="Agreed.", attendees=[{"role": "offender_manager",
                                           "organisation": cw.probation},
                                          {"role": "treatment_worker",
                                           "organisation": cw.provider}])
        actions.case_update(case=case, by=cw.officer, treatment_continues=True,
                            order_ends_on=days(0))
    return cw, first


ENDPOINTS = [
    ("case-list", lambda cw, case: reverse("case-list"), 5),
    ("case-detail", lambda cw, case: reverse("case-detail",
                                             kwargs={"reference": case.reference}), 13),
    ("case-access-log", lambda cw, case: reverse("case-access-log",
                                                 kwargs={"reference": case.reference}), 6),
    ("referral-list", lambda cw, case: reverse("referral-list"), 4),
    ("referral-inbox", lambda cw, case: reverse("referral-inbox"), 4),
    ("referral-detail", lambda cw, case: reverse(
        "referral-detail", kwargs={"reference": case.referrals.first().reference}), 5),
    ("conference-list", lambda cw, case: reverse("conference-list"), 5),
    ("conference-detail", lambda cw, case: reverse(
        "conference-detail", kwargs={"pk": case.conferences.first().pk}), 7),
    ("notice-list", lambda cw, case: reverse("notice-list"), 4),
    ("case-counts", lambda cw, case: reverse("case-counts"), 7),
    ("referralpathway-list", lambda cw, case: reverse("referralpathway-list"), 4),
    ("sharingprotocol-list", lambda cw, case: reverse("sharingprotocol-list"), 5),
]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("name", "url", "bound"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_bounded_queries(django_assert_max_num_queries, n, name, url, bound):
    cw, case = build(n)
    client = client_of(cw.worker if name == "referral-inbox" else cw.officer)
    for _ in range(n):  # access-log rows to list
        client_of(cw.officer).get(reverse("case-detail", kwargs={"reference": case.reference}))
    target = url(cw, case)
    with django_assert_max_num_queries(bound):
        response = client.get(target, {"page_size": 100})
    assert response.status_code == 200, response.content
    if "results" in response.json():
        assert response.json()["results"]
